"""The channel factory and the error helpers against an in-process server, which
can see every attempt the client makes and answer any status."""

from __future__ import annotations

import asyncio
import json
import threading
import uuid
from concurrent import futures
from typing import Callable, Iterator, NamedTuple, Optional

import grpc
import pytest
from conftest import REPO_ROOT, free_port, valid_request
from google.protobuf import duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

import telegent_facade
from telegent.webhook.v1 import webhook_pb2, webhook_pb2_grpc

Failure = Optional[Callable[[int], Optional[status_pb2.Status]]]


class RecordingService(webhook_pb2_grpc.WebhookServiceServicer):
    """Records every attempt; ``fail`` picks the status of attempt n (None: success)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.request_ids: list[str] = []
        self.fail: Failure = None

    def CreateWebhook(self, request: webhook_pb2.CreateWebhookRequest, context: grpc.ServicerContext) -> webhook_pb2.CreateWebhookResponse:
        with self.lock:
            self.request_ids.append(request.request_id)
            attempt = len(self.request_ids)
        status = self.fail(attempt) if self.fail else None
        if status is not None:
            grpc_status = rpc_status.to_status(status)
            if outcome_unknown(status):
                # As the facade does: an outcome-unknown failure is repeated
                # only when it advises a delay (a repeat resolves it).
                delay = retry_delay_ms(status)
                pushback = "-1" if delay is None else str(delay)
                grpc_status = _GrpcStatus(
                    grpc_status.code, grpc_status.details, (*grpc_status.trailing_metadata, ("grpc-retry-pushback-ms", pushback))
                )
            context.abort_with_status(grpc_status)
        return webhook_pb2.CreateWebhookResponse(
            webhook=webhook_pb2.Webhook(webhook_id=f"wh-{attempt}", account_id=request.account_id),
            recovered=attempt > 1,
        )


class _Status(NamedTuple):
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple


class _GrpcStatus(_Status, grpc.Status):
    pass


def retry_delay_ms(status: status_pb2.Status) -> Optional[int]:
    for detail in status.details:
        info = error_details_pb2.RetryInfo()
        if detail.Unpack(info):
            return info.retry_delay.ToMilliseconds()
    return None


def outcome_unknown(status: status_pb2.Status) -> bool:
    for detail in status.details:
        info = error_details_pb2.ErrorInfo()
        if detail.Unpack(info) and info.metadata.get("outcome_unknown") == "true":
            return True
    return False


@pytest.fixture
def service() -> Iterator[RecordingService]:
    svc = RecordingService()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    webhook_pb2_grpc.add_WebhookServiceServicer_to_server(svc, server)
    svc.port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    try:
        yield svc
    finally:
        server.stop(grace=None)


@pytest.fixture
def stub(service: RecordingService) -> Iterator[webhook_pb2_grpc.WebhookServiceStub]:
    with telegent_facade.create_channel(f"127.0.0.1:{service.port}") as channel:
        yield webhook_pb2_grpc.WebhookServiceStub(channel)


def unavailable_once(attempt: int) -> Optional[status_pb2.Status]:
    if attempt == 1:
        return status_pb2.Status(code=code_pb2.UNAVAILABLE, message="Telegent is unavailable; retry later")
    return None


def with_details(code: int, message: str, *details) -> status_pb2.Status:
    status = status_pb2.Status(code=code, message=message)
    for detail in details:
        status.details.add().Pack(detail)
    return status


def test_request_id_is_set_and_reused_across_a_retry(service: RecordingService, stub: webhook_pb2_grpc.WebhookServiceStub) -> None:
    service.fail = unavailable_once
    request = valid_request("https://hooks.example.com/py/retry")
    resp = stub.CreateWebhook(request)
    assert resp.webhook.webhook_id == "wh-2"
    assert len(service.request_ids) == 2
    first, second = service.request_ids
    assert first == second
    assert uuid.UUID(first).version == 4
    # The caller's message is left as it was.
    assert request.request_id == ""


def outcome_unknown_until(last_failure: int, retry_delay_ms: Optional[int] = 10) -> Callable[[int], Optional[status_pb2.Status]]:
    """Attempts up to last_failure fail with an unknown outcome, which the
    facade invites a repeat of (a RetryInfo) when a repeat can resolve it."""
    info = error_details_pb2.ErrorInfo(reason="UPSTREAM_CONNECTION_FAILED", metadata={"outcome_unknown": "true"})
    details: list[object] = [info]
    if retry_delay_ms is not None:
        details.append(error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(nanos=retry_delay_ms * 1_000_000)))

    def fail(attempt: int) -> Optional[status_pb2.Status]:
        if attempt <= last_failure:
            return with_details(code_pb2.UNAVAILABLE, "the outcome is unknown", *details)
        return None

    return fail


def test_outcome_unknown_create_is_repeated_with_its_request_id(service: RecordingService, stub: webhook_pb2_grpc.WebhookServiceStub) -> None:
    service.fail = outcome_unknown_until(1)
    resp = stub.CreateWebhook(valid_request("https://hooks.example.com/py/unknown"))
    assert telegent_facade.is_recovered(resp)
    first, second = service.request_ids
    assert first == second
    assert uuid.UUID(first).version == 4


def test_outcome_unknown_repeats_stop_at_the_policys_attempts(service: RecordingService, stub: webhook_pb2_grpc.WebhookServiceStub) -> None:
    service.fail = outcome_unknown_until(10)
    with pytest.raises(grpc.RpcError) as excinfo:
        stub.CreateWebhook(valid_request("https://hooks.example.com/py/unknown-down"))
    assert telegent_facade.is_outcome_unknown(excinfo.value)
    assert telegent_facade.retry_delay_ms(excinfo.value) == 10
    assert len(service.request_ids) == 3
    assert len(set(service.request_ids)) == 1


def test_outcome_unknown_without_an_invitation_is_not_repeated(service: RecordingService, stub: webhook_pb2_grpc.WebhookServiceStub) -> None:
    # No RetryInfo: the facade's pushback is -1, and the policy obeys it.
    service.fail = outcome_unknown_until(1, retry_delay_ms=None)
    with pytest.raises(grpc.RpcError) as excinfo:
        stub.CreateWebhook(valid_request("https://hooks.example.com/py/unknown-final"))
    assert telegent_facade.is_outcome_unknown(excinfo.value)
    assert len(service.request_ids) == 1


def test_outcome_unknown_without_service_config_is_not_repeated(service: RecordingService) -> None:
    service.fail = outcome_unknown_until(1)
    with telegent_facade.create_channel(f"127.0.0.1:{service.port}", service_config=None) as channel:
        with pytest.raises(grpc.RpcError):
            webhook_pb2_grpc.WebhookServiceStub(channel).CreateWebhook(valid_request("https://hooks.example.com/py/no-config"))
    assert len(service.request_ids) == 1


def test_aio_outcome_unknown_create_is_repeated_with_its_request_id(service: RecordingService) -> None:
    service.fail = outcome_unknown_until(1)

    async def call() -> webhook_pb2.CreateWebhookResponse:
        async with telegent_facade.create_aio_channel(f"127.0.0.1:{service.port}") as channel:
            return await webhook_pb2_grpc.WebhookServiceStub(channel).CreateWebhook(valid_request("https://hooks.example.com/py/aio-unknown"))

    resp = asyncio.run(call())
    assert telegent_facade.is_recovered(resp)
    first, second = service.request_ids
    assert first == second


def test_each_logical_call_gets_its_own_request_id(service: RecordingService, stub: webhook_pb2_grpc.WebhookServiceStub) -> None:
    request = valid_request("https://hooks.example.com/py/twice")
    stub.CreateWebhook(request)
    stub.CreateWebhook(request)
    assert len(service.request_ids) == 2
    assert service.request_ids[0] != service.request_ids[1]
    assert all(uuid.UUID(i).version == 4 for i in service.request_ids)


def test_callers_request_id_is_kept(service: RecordingService, stub: webhook_pb2_grpc.WebhookServiceStub) -> None:
    request = valid_request("https://hooks.example.com/py/own-id")
    request.request_id = "0f5b8d36-3c2e-4a57-9a53-3b0e4c1f0d2a"
    stub.CreateWebhook(request)
    assert service.request_ids == [request.request_id]


def test_retry_policy_stops_at_three_attempts(service: RecordingService, stub: webhook_pb2_grpc.WebhookServiceStub) -> None:
    service.fail = lambda attempt: status_pb2.Status(code=code_pb2.UNAVAILABLE, message="down")
    with pytest.raises(grpc.RpcError) as excinfo:
        stub.CreateWebhook(valid_request("https://hooks.example.com/py/down"))
    assert excinfo.value.code() == grpc.StatusCode.UNAVAILABLE
    assert len(service.request_ids) == 3
    assert len(set(service.request_ids)) == 1


def test_other_codes_are_not_retried(service: RecordingService, stub: webhook_pb2_grpc.WebhookServiceStub) -> None:
    service.fail = lambda attempt: status_pb2.Status(code=code_pb2.INTERNAL, message="internal error")
    with pytest.raises(grpc.RpcError):
        stub.CreateWebhook(valid_request("https://hooks.example.com/py/internal"))
    assert len(service.request_ids) == 1


def test_service_config_deadline_applies(service: RecordingService) -> None:
    # The published config's 15 s timeout, shortened so the test need not wait
    # for it: the server holds the call until the client gives up.
    released = threading.Event()
    config = json.loads(telegent_facade.SERVICE_CONFIG)
    config["methodConfig"][0]["timeout"] = "1s"
    service.fail = lambda attempt: (released.wait(60), None)[1]
    try:
        with telegent_facade.create_channel(f"127.0.0.1:{service.port}", service_config=json.dumps(config)) as channel:
            with pytest.raises(grpc.RpcError) as excinfo:
                webhook_pb2_grpc.WebhookServiceStub(channel).CreateWebhook(valid_request("https://hooks.example.com/py/slow"))
    finally:
        released.set()
    assert excinfo.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED


def test_without_service_config_nothing_is_retried(service: RecordingService) -> None:
    service.fail = unavailable_once
    with telegent_facade.create_channel(f"127.0.0.1:{service.port}", service_config=None) as channel:
        with pytest.raises(grpc.RpcError) as excinfo:
            webhook_pb2_grpc.WebhookServiceStub(channel).CreateWebhook(valid_request("https://hooks.example.com/py/x"))
    assert excinfo.value.code() == grpc.StatusCode.UNAVAILABLE
    assert len(service.request_ids) == 1


def test_helpers_decode_every_detail(service: RecordingService, stub: webhook_pb2_grpc.WebhookServiceStub) -> None:
    bad_request = error_details_pb2.BadRequest(
        field_violations=[
            error_details_pb2.BadRequest.FieldViolation(field="account_id", reason="string.pattern", description="bad account"),
            error_details_pb2.BadRequest.FieldViolation(field="subscribed_events", reason="repeated.min_items", description="none"),
        ]
    )
    info = error_details_pb2.ErrorInfo(
        reason="UPSTREAM_UNAVAILABLE", domain="telegent-facade", metadata={"outcome_unknown": "true", "upstream_status": "502"}
    )
    retry = error_details_pb2.RetryInfo(retry_delay=duration_pb2.Duration(seconds=1, nanos=500_000_000))
    status = with_details(code_pb2.FAILED_PRECONDITION, "refused", bad_request, info, retry)
    service.fail = lambda attempt: status
    with pytest.raises(grpc.RpcError) as excinfo:
        stub.CreateWebhook(valid_request("https://hooks.example.com/py/details"))
    err = excinfo.value
    assert telegent_facade.field_violations(err) == [
        telegent_facade.FieldViolation("account_id", "string.pattern", "bad account"),
        telegent_facade.FieldViolation("subscribed_events", "repeated.min_items", "none"),
    ]
    assert telegent_facade.error_reason(err) == "UPSTREAM_UNAVAILABLE"
    assert telegent_facade.is_outcome_unknown(err)
    assert telegent_facade.retry_delay_ms(err) == 1500
    assert telegent_facade.error_metadata(err) == {"outcome_unknown": "true", "upstream_status": "502"}
    assert telegent_facade.status_details(err) == status


def test_helpers_on_a_status_without_details(service: RecordingService, stub: webhook_pb2_grpc.WebhookServiceStub) -> None:
    info = error_details_pb2.ErrorInfo(reason="UPSTREAM_CONFLICT", metadata={"outcome_unknown": "false"})
    service.fail = lambda attempt: with_details(code_pb2.ALREADY_EXISTS, "exists", info)
    with pytest.raises(grpc.RpcError) as excinfo:
        stub.CreateWebhook(valid_request("https://hooks.example.com/py/known"))
    err = excinfo.value
    assert telegent_facade.field_violations(err) == []
    assert telegent_facade.retry_delay_ms(err) is None
    assert not telegent_facade.is_outcome_unknown(err)
    assert telegent_facade.error_reason(err) == "UPSTREAM_CONFLICT"


def plain_rpc_error() -> grpc.RpcError:
    """An UNAVAILABLE raised by gRPC itself: nothing listens on the port."""
    with telegent_facade.create_channel(f"127.0.0.1:{free_port()}", service_config=None) as channel:
        with pytest.raises(grpc.RpcError) as excinfo:
            webhook_pb2_grpc.WebhookServiceStub(channel).CreateWebhook(
                valid_request("https://hooks.example.com/py/nowhere"), timeout=30
            )
    assert excinfo.value.code() == grpc.StatusCode.UNAVAILABLE
    return excinfo.value


@pytest.mark.parametrize(
    "make_error",
    [lambda: ValueError("not a status"), lambda: RuntimeError(), plain_rpc_error],
    ids=["ValueError", "RuntimeError", "rpc-error-without-details"],
)
def test_helpers_answer_nothing_for_other_errors(make_error: Callable[[], BaseException]) -> None:
    err = make_error()
    assert telegent_facade.field_violations(err) == []
    assert telegent_facade.error_metadata(err) == {}
    assert telegent_facade.error_reason(err) is None
    assert telegent_facade.is_outcome_unknown(err) is False
    assert telegent_facade.retry_delay_ms(err) is None
    assert telegent_facade.status_details(err) is None


def test_embedded_service_config_is_the_published_one() -> None:
    published = json.loads((REPO_ROOT / "service_config.json").read_text("utf-8"))
    assert json.loads(telegent_facade.SERVICE_CONFIG) == published


def test_aio_channel_sets_request_id_reused_across_a_retry(service: RecordingService) -> None:
    service.fail = unavailable_once
    request = valid_request("https://hooks.example.com/py/aio-retry")

    async def call() -> webhook_pb2.CreateWebhookResponse:
        async with telegent_facade.create_aio_channel(f"127.0.0.1:{service.port}") as channel:
            return await webhook_pb2_grpc.WebhookServiceStub(channel).CreateWebhook(request)

    resp = asyncio.run(call())
    assert resp.webhook.webhook_id == "wh-2"
    first, second = service.request_ids
    assert first == second
    assert uuid.UUID(first).version == 4
    assert request.request_id == ""


def test_helpers_read_aio_errors(service: RecordingService) -> None:
    info = error_details_pb2.ErrorInfo(reason="UPSTREAM_UNAVAILABLE", metadata={"outcome_unknown": "true"})
    service.fail = lambda attempt: with_details(code_pb2.UNAVAILABLE, "may exist", info)

    async def call() -> BaseException:
        async with telegent_facade.create_aio_channel(f"127.0.0.1:{service.port}", service_config=None) as channel:
            try:
                await webhook_pb2_grpc.WebhookServiceStub(channel).CreateWebhook(valid_request("https://hooks.example.com/py/aio"))
            except grpc.aio.AioRpcError as err:
                return err
        raise AssertionError("the call succeeded")

    err = asyncio.run(call())
    assert telegent_facade.is_outcome_unknown(err)
    assert telegent_facade.error_reason(err) == "UPSTREAM_UNAVAILABLE"
    assert telegent_facade.field_violations(err) == []


def test_caller_options_override_ours(service: RecordingService) -> None:
    service.fail = unavailable_once
    with telegent_facade.create_channel(f"127.0.0.1:{service.port}", options=[("grpc.enable_retries", 0)]) as channel:
        with pytest.raises(grpc.RpcError):
            webhook_pb2_grpc.WebhookServiceStub(channel).CreateWebhook(valid_request("https://hooks.example.com/py/opts"))
    assert len(service.request_ids) == 1
