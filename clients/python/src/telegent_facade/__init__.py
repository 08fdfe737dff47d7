"""Client helpers for the Telegent webhook facade.

The generated stubs and messages live in ``telegent.webhook.v1.webhook_pb2`` and
``telegent.webhook.v1.webhook_pb2_grpc``. This package adds what every caller
needs around them:

* :func:`create_channel` opens a channel that applies the facade's published
  service config (deadline and retry policy) and gives every create a
  request_id, reused by the retries, so that a repeated create whose outcome
  was unknown is answered with the webhook it made (:func:`create_aio_channel`
  for asyncio);
  without credentials the channel is plaintext, as for ``telegent-facade --dev``;
* :func:`field_violations`, :func:`error_reason`, :func:`error_metadata`,
  :func:`retry_delay_ms` and :func:`is_outcome_unknown` read the google.rpc
  error details of a failed call, and answer "nothing" (an empty list or dict,
  None or False) for any other exception; :func:`is_recovered` reads a
  create's answer;
* :func:`list_all_webhooks` (and :func:`list_all_webhooks_aio`) walks every
  page of ListWebhooks.

The README of the package holds complete programs, sync and asyncio.
"""

from telegent_facade._channel import (
    SERVICE_CONFIG,
    AioRequestIdInterceptor,
    RequestIdInterceptor,
    create_aio_channel,
    create_channel,
    with_request_id,
)
from telegent_facade._errors import (
    FieldViolation,
    error_metadata,
    error_reason,
    field_violations,
    is_outcome_unknown,
    is_recovered,
    is_replayed,
    retry_delay_ms,
    status_details,
)
from telegent_facade._lifecycle import list_all_webhooks, list_all_webhooks_aio

__all__ = [
    "SERVICE_CONFIG",
    "AioRequestIdInterceptor",
    "FieldViolation",
    "RequestIdInterceptor",
    "create_aio_channel",
    "create_channel",
    "error_metadata",
    "error_reason",
    "field_violations",
    "is_outcome_unknown",
    "is_recovered",
    "is_replayed",
    "list_all_webhooks",
    "list_all_webhooks_aio",
    "retry_delay_ms",
    "status_details",
    "with_request_id",
]
