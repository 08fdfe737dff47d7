"""Walking every page of ListWebhooks."""

from __future__ import annotations

from typing import AsyncIterator, Iterator, Optional

from telegent.webhook.v1 import webhook_pb2, webhook_pb2_grpc

__all__ = ["list_all_webhooks", "list_all_webhooks_aio"]


def list_all_webhooks(
    stub: webhook_pb2_grpc.WebhookServiceStub,
    account_id: str,
    *,
    page_size: int = 0,
    timeout: Optional[float] = None,
) -> Iterator[webhook_pb2.Webhook]:
    """Yields every webhook of ``account_id``, page after page, in the
    facade's order (by webhook_id). ``page_size`` 0 lets the facade choose;
    ``timeout`` applies to each page's call."""
    token = ""
    while True:
        page = stub.ListWebhooks(
            webhook_pb2.ListWebhooksRequest(account_id=account_id, page_size=page_size, page_token=token),
            timeout=timeout,
        )
        yield from page.webhooks
        token = page.next_page_token
        if not token:
            return


async def list_all_webhooks_aio(
    stub: webhook_pb2_grpc.WebhookServiceAsyncStub,
    account_id: str,
    *,
    page_size: int = 0,
    timeout: Optional[float] = None,
) -> AsyncIterator[webhook_pb2.Webhook]:
    """:func:`list_all_webhooks` for a stub on a ``grpc.aio`` channel."""
    token = ""
    while True:
        page = await stub.ListWebhooks(
            webhook_pb2.ListWebhooksRequest(account_id=account_id, page_size=page_size, page_token=token),
            timeout=timeout,
        )
        for webhook in page.webhooks:
            yield webhook
        token = page.next_page_token
        if not token:
            return
