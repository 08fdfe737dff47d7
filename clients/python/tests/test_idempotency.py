"""request_id against the real facade: a repeated create is answered, not made again."""

from __future__ import annotations

import uuid
from typing import Iterator

import grpc
import pytest
from conftest import Facade, Sim, hook_url, valid_request

import telegent_facade
from telegent.webhook.v1 import webhook_pb2_grpc


@pytest.fixture
def stub(facade: Facade) -> Iterator[webhook_pb2_grpc.WebhookServiceStub]:
    with telegent_facade.create_channel(facade.grpc_target) as channel:
        yield webhook_pb2_grpc.WebhookServiceStub(channel)


def test_repeat_with_the_same_request_id_gets_the_first_webhook(stub: webhook_pb2_grpc.WebhookServiceStub, sim: Sim) -> None:
    url = hook_url()
    request = valid_request(url)
    request.request_id = str(uuid.uuid4())
    first = stub.CreateWebhook(request)
    second = stub.CreateWebhook(request)
    assert first.webhook.webhook_id
    assert second.webhook == first.webhook
    assert not telegent_facade.is_replayed(first)
    assert telegent_facade.is_replayed(second)
    assert sim.creates(url) == 1


def test_repeat_of_an_outcome_unknown_create_makes_no_second_webhook(facade: Facade, sim: Sim) -> None:
    # Repeated by hand, without the published policy (which repeats it by
    # itself: test_lifecycle.py). "once": only the first create is dropped;
    # a second create would succeed.
    url = hook_url("drop:after-body;once")
    request = valid_request(url)
    request.request_id = str(uuid.uuid4())
    with telegent_facade.create_channel(facade.grpc_target, service_config=None) as channel:
        stub = webhook_pb2_grpc.WebhookServiceStub(channel)
        with pytest.raises(grpc.RpcError) as excinfo:
            stub.CreateWebhook(request)
        assert excinfo.value.code() == grpc.StatusCode.UNAVAILABLE
        assert telegent_facade.is_outcome_unknown(excinfo.value)
        resp = stub.CreateWebhook(request)
    # The repeat finds the webhook the first call made in the account's list.
    assert telegent_facade.is_recovered(resp)
    assert resp.webhook.webhook_url == url
    assert sim.creates(url) == 1


def test_request_id_reused_for_another_request_is_refused(stub: webhook_pb2_grpc.WebhookServiceStub, sim: Sim) -> None:
    first = valid_request(hook_url())
    first.request_id = str(uuid.uuid4())
    stub.CreateWebhook(first)
    other_url = hook_url()
    other = valid_request(other_url)
    other.request_id = first.request_id
    with pytest.raises(grpc.RpcError) as excinfo:
        stub.CreateWebhook(other)
    assert excinfo.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert telegent_facade.error_reason(excinfo.value) == "REQUEST_ID_REUSED"
    assert sim.creates(other_url) == 0
