"""Every method of the service through the client, against the real facade and
simulator: create, list, get, update the password only, delete, and the
NOT_FOUND of a deleted webhook; and the channel's default policy resolving a
create whose outcome is unknown."""

from __future__ import annotations

import asyncio
import uuid
from typing import Callable, Iterator

import grpc
import pytest
from conftest import Facade, Sim, hook_url

import telegent_facade
from telegent.webhook.v1 import webhook_pb2, webhook_pb2_grpc


@pytest.fixture
def stub(facade: Facade) -> Iterator[webhook_pb2_grpc.WebhookServiceStub]:
    with telegent_facade.create_channel(facade.grpc_target) as channel:
        yield webhook_pb2_grpc.WebhookServiceStub(channel)


def new_account() -> str:
    """An account no other test uses: its list holds this test's webhooks only."""
    return f"AID-py{uuid.uuid4().hex}"


def basic_request(account_id: str, url: str) -> webhook_pb2.CreateWebhookRequest:
    return webhook_pb2.CreateWebhookRequest(
        account_id=account_id,
        webhook_url=url,
        method=webhook_pb2.HTTP_METHOD_POST,
        data_format=webhook_pb2.DATA_FORMAT_JSON,
        authentication_type=webhook_pb2.AUTHENTICATION_TYPE_BASIC,
        authentication_username="hook-user",
        authentication_password="first-s3cret",
        subscribed_events=[webhook_pb2.WEBHOOK_EVENT_NEW_SMS, webhook_pb2.WEBHOOK_EVENT_CALL_COMPLETED],
    )


def not_found(call: Callable[[], object]) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as excinfo:
        call()
    err = excinfo.value
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert telegent_facade.error_reason(err) == "WEBHOOK_NOT_FOUND"
    return err


def test_create_list_get_update_password_delete(stub: webhook_pb2_grpc.WebhookServiceStub, sim: Sim) -> None:
    account = new_account()
    url = hook_url()
    created = stub.CreateWebhook(basic_request(account, url))
    assert not telegent_facade.is_recovered(created)
    webhook = created.webhook
    assert webhook.webhook_id.startswith("WID-")
    assert webhook.password_set
    assert not webhook.token_set

    listed = list(telegent_facade.list_all_webhooks(stub, account))
    assert listed == [webhook]

    got = stub.GetWebhook(webhook_pb2.GetWebhookRequest(account_id=account, webhook_id=webhook.webhook_id))
    assert got.webhook == webhook

    # The password only: no mask, no settings; everything else stays.
    updated = stub.UpdateWebhook(
        webhook_pb2.UpdateWebhookRequest(account_id=account, webhook_id=webhook.webhook_id, authentication_password="second-s3cret")
    )
    assert updated.webhook.webhook_id == webhook.webhook_id
    assert updated.webhook.password_set
    (after,) = telegent_facade.list_all_webhooks(stub, account)
    assert after.webhook_url == url
    assert list(after.subscribed_events) == list(webhook.subscribed_events)
    assert after.authentication_type == webhook_pb2.AUTHENTICATION_TYPE_BASIC
    assert after.authentication_username == "hook-user"
    for answer in (created, got, updated, after):
        assert "s3cret" not in str(answer)
    # What Telegent stores: the new password, the rest as created.
    (stored,) = sim.webhooks(account)
    assert stored["AuthenticationPassword"] == "second-s3cret"
    assert stored["WebhookUrl"] == url
    assert sim.creates(url) == 1

    deleted = stub.DeleteWebhook(webhook_pb2.DeleteWebhookRequest(account_id=account, webhook_id=webhook.webhook_id))
    assert deleted == webhook_pb2.DeleteWebhookResponse()
    assert list(telegent_facade.list_all_webhooks(stub, account)) == []
    assert sim.webhooks(account) == []

    not_found(lambda: stub.GetWebhook(webhook_pb2.GetWebhookRequest(account_id=account, webhook_id=webhook.webhook_id)))
    not_found(lambda: stub.DeleteWebhook(webhook_pb2.DeleteWebhookRequest(account_id=account, webhook_id=webhook.webhook_id)))
    assert sim.creates(url) == 1


def test_list_all_webhooks_walks_every_page(stub: webhook_pb2_grpc.WebhookServiceStub) -> None:
    account = new_account()
    ids = [stub.CreateWebhook(basic_request(account, hook_url())).webhook.webhook_id for _ in range(5)]
    first = stub.ListWebhooks(webhook_pb2.ListWebhooksRequest(account_id=account, page_size=2))
    assert len(first.webhooks) == 2
    assert first.next_page_token
    listed = [w.webhook_id for w in telegent_facade.list_all_webhooks(stub, account, page_size=2)]
    assert sorted(listed) == sorted(ids)
    assert listed == sorted(listed)


def test_the_default_policy_resolves_an_outcome_unknown_create(stub: webhook_pb2_grpc.WebhookServiceStub, sim: Sim) -> None:
    # Every create with this URL is dropped after Telegent stored it: only
    # the facade's recovery from the list can answer.
    account = new_account()
    url = hook_url("drop:after-body")
    request = basic_request(account, url)
    resp = stub.CreateWebhook(request)
    assert telegent_facade.is_recovered(resp)
    assert resp.webhook.webhook_url == url
    assert resp.webhook.webhook_id.startswith("WID-")
    assert sim.creates(url) == 1
    assert [w["WebhookId"] for w in sim.webhooks(account)] == [resp.webhook.webhook_id]
    # The caller's message was not given the request_id.
    assert request.request_id == ""


def test_without_the_policy_an_outcome_unknown_create_fails(facade: Facade, stub: webhook_pb2_grpc.WebhookServiceStub, sim: Sim) -> None:
    url = hook_url("drop:after-body")
    with telegent_facade.create_channel(facade.grpc_target, service_config=None) as channel:
        with pytest.raises(grpc.RpcError) as excinfo:
            webhook_pb2_grpc.WebhookServiceStub(channel).CreateWebhook(basic_request(new_account(), url))
    assert excinfo.value.code() == grpc.StatusCode.UNAVAILABLE
    assert telegent_facade.is_outcome_unknown(excinfo.value)
    assert sim.creates(url) == 1


def test_aio_every_method_and_the_outcome_unknown_create(facade: Facade, stub: webhook_pb2_grpc.WebhookServiceStub, sim: Sim) -> None:
    account = new_account()
    # on:create: the update sends the same URL, and must not be dropped.
    url = hook_url("drop:after-body;on:create")

    async def run() -> None:
        async with telegent_facade.create_aio_channel(facade.grpc_target) as channel:
            aio = webhook_pb2_grpc.WebhookServiceStub(channel)
            created = await aio.CreateWebhook(basic_request(account, url))
            assert telegent_facade.is_recovered(created)
            webhook_id = created.webhook.webhook_id
            listed = [w async for w in telegent_facade.list_all_webhooks_aio(aio, account)]
            assert [w.webhook_id for w in listed] == [webhook_id]
            got = await aio.GetWebhook(webhook_pb2.GetWebhookRequest(account_id=account, webhook_id=webhook_id))
            assert got.webhook.webhook_url == url
            updated = await aio.UpdateWebhook(
                webhook_pb2.UpdateWebhookRequest(account_id=account, webhook_id=webhook_id, authentication_password="second-s3cret")
            )
            assert updated.webhook.password_set
            await aio.DeleteWebhook(webhook_pb2.DeleteWebhookRequest(account_id=account, webhook_id=webhook_id))
            for call in (
                aio.GetWebhook(webhook_pb2.GetWebhookRequest(account_id=account, webhook_id=webhook_id)),
                aio.DeleteWebhook(webhook_pb2.DeleteWebhookRequest(account_id=account, webhook_id=webhook_id)),
            ):
                with pytest.raises(grpc.aio.AioRpcError) as excinfo:
                    await call
                assert excinfo.value.code() == grpc.StatusCode.NOT_FOUND
                assert telegent_facade.error_reason(excinfo.value) == "WEBHOOK_NOT_FOUND"

    asyncio.run(run())
    assert sim.creates(url) == 1
