"""The client against the real facade, which runs against the Telegent simulator."""

from __future__ import annotations

from typing import Iterator

import grpc
import pytest
from conftest import Facade, Sim, hook_url, valid_request

import telegent_facade
from telegent.webhook.v1 import webhook_pb2, webhook_pb2_grpc


@pytest.fixture
def stub(facade: Facade) -> Iterator[webhook_pb2_grpc.WebhookServiceStub]:
    with telegent_facade.create_channel(facade.grpc_target) as channel:
        yield webhook_pb2_grpc.WebhookServiceStub(channel)


def create_error(stub: webhook_pb2_grpc.WebhookServiceStub, request: webhook_pb2.CreateWebhookRequest) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as excinfo:
        stub.CreateWebhook(request)
    return excinfo.value


def test_create_succeeds(stub: webhook_pb2_grpc.WebhookServiceStub, sim: Sim) -> None:
    url = hook_url()
    resp = stub.CreateWebhook(valid_request(url))
    assert resp.webhook.webhook_id
    assert resp.webhook.account_id == "AID-python1"
    assert resp.webhook.webhook_url == url
    assert list(resp.webhook.subscribed_events) == [
        webhook_pb2.WEBHOOK_EVENT_NEW_SMS,
        webhook_pb2.WEBHOOK_EVENT_CALL_COMPLETED,
    ]
    assert sim.creates(url) == 1


def test_three_broken_rules_give_three_field_violations(stub: webhook_pb2_grpc.WebhookServiceStub, sim: Sim) -> None:
    # Each field breaks exactly one rule.
    url = hook_url() + "/" + "a" * 255
    request = valid_request(url)
    request.account_id = "not-an-account"
    del request.subscribed_events[:]
    err = create_error(stub, request)
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = telegent_facade.field_violations(err)
    assert sorted(v.field for v in violations) == ["account_id", "subscribed_events", "webhook_url"], violations
    for v in violations:
        assert v.rule_id, v
        assert v.message, v
    by_field = {v.field: v for v in violations}
    assert by_field["account_id"].rule_id == "account_id.format"
    assert by_field["webhook_url"].rule_id == "string.max_len"
    assert by_field["subscribed_events"].rule_id == "repeated.min_items"
    assert not telegent_facade.is_outcome_unknown(err)
    assert sim.creates(url) == 0


def test_upstream_conflict_is_already_exists(stub: webhook_pb2_grpc.WebhookServiceStub, sim: Sim) -> None:
    url = hook_url("status:409")
    err = create_error(stub, valid_request(url))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    assert telegent_facade.error_reason(err) == "UPSTREAM_CONFLICT"
    assert telegent_facade.status_details(err) is not None
    assert telegent_facade.error_metadata(err)["upstream_status"] == "409"
    assert not telegent_facade.is_outcome_unknown(err)
    assert telegent_facade.field_violations(err) == []
    assert sim.creates(url) == 0


def test_connection_dropped_after_create_is_outcome_unknown(facade: Facade, sim: Sim) -> None:
    # Without the published policy, which would repeat the create with its
    # request_id (test_lifecycle.py): the failure as the facade answers it.
    # "once": were the call repeated, the repeat would create a second webhook.
    url = hook_url("drop:after-body;once")
    with telegent_facade.create_channel(facade.grpc_target, service_config=None) as channel:
        err = create_error(webhook_pb2_grpc.WebhookServiceStub(channel), valid_request(url))
    assert err.code() == grpc.StatusCode.UNAVAILABLE
    assert telegent_facade.is_outcome_unknown(err)
    assert telegent_facade.error_reason(err) == "UPSTREAM_CONNECTION_FAILED"
    assert sim.creates(url) == 1


def test_retry_policy_retries_upstream_503_once(stub: webhook_pb2_grpc.WebhookServiceStub, sim: Sim) -> None:
    url = hook_url("status:503;once")
    resp = stub.CreateWebhook(valid_request(url))
    assert resp.webhook.webhook_id
    assert sim.creates(url) == 1


def test_without_service_config_upstream_503_fails(facade: Facade, sim: Sim) -> None:
    # The same fault as above without the published policy: proves the
    # success above came from the client's retry.
    url = hook_url("status:503;once")
    with telegent_facade.create_channel(facade.grpc_target, service_config=None) as channel:
        err = create_error(webhook_pb2_grpc.WebhookServiceStub(channel), valid_request(url))
    assert err.code() == grpc.StatusCode.UNAVAILABLE
    assert telegent_facade.error_reason(err) == "UPSTREAM_UNAVAILABLE"
    assert not telegent_facade.is_outcome_unknown(err)
    assert sim.creates(url) == 0


def test_grpc_retries_never_repeat_upstream_500(facade: Facade, sim: Sim) -> None:
    # gRPC's own retries under the published policy, without the channel's
    # interceptors and so without a request_id: the facade's pushback (-1)
    # stops them. Only the first request fails: a retry would succeed and
    # create one.
    url = hook_url("status:500;once")
    options = [("grpc.enable_retries", 1), ("grpc.service_config", telegent_facade.SERVICE_CONFIG)]
    with grpc.insecure_channel(facade.grpc_target, options=options) as channel:
        err = create_error(webhook_pb2_grpc.WebhookServiceStub(channel), valid_request(url))
    assert err.code() == grpc.StatusCode.UNAVAILABLE
    assert telegent_facade.error_metadata(err)["upstream_status"] == "500"
    # Telegent fails with 500 after storing a webhook as well as before.
    assert telegent_facade.is_outcome_unknown(err)
    assert sim.creates(url) == 0


def test_rate_limit_carries_retry_delay(stub: webhook_pb2_grpc.WebhookServiceStub, sim: Sim) -> None:
    url = hook_url("status:429")
    err = create_error(stub, valid_request(url))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert telegent_facade.error_reason(err) == "UPSTREAM_RATE_LIMITED"
    delay_ms = telegent_facade.retry_delay_ms(err)
    assert delay_ms is not None
    assert delay_ms > 0
    assert sim.creates(url) == 0
