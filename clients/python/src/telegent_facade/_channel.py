"""Channels to the facade that apply its published service config, give
every create a request_id, and repeat a create whose outcome is unknown with
that request_id."""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from importlib import resources
from typing import Any, Callable, NamedTuple, Optional, Sequence, Tuple

import grpc

from telegent.webhook.v1 import webhook_pb2
from telegent_facade._errors import is_outcome_unknown

__all__ = [
    "SERVICE_CONFIG",
    "AioOutcomeUnknownRetryInterceptor",
    "AioRequestIdInterceptor",
    "OutcomeUnknownRetryInterceptor",
    "RequestIdInterceptor",
    "create_aio_channel",
    "create_channel",
    "with_request_id",
]

#: The gRPC service config the facade publishes (service_config.json in the
#: facade's repository): a 15 s deadline and up to 3 attempts on UNAVAILABLE.
#: The facade marks every UNAVAILABLE that may have created the webhook as
#: not retryable (grpc-retry-pushback-ms: -1), so gRPC's own retries never
#: repeat such a create; :class:`OutcomeUnknownRetryInterceptor` does, within
#: the same policy, because the create carries a request_id.
SERVICE_CONFIG: str = json.dumps(
    json.loads(resources.files(__package__).joinpath("service_config.json").read_text("utf-8")),
    separators=(",", ":"),
)

_CREATE_METHOD = "/telegent.webhook.v1.WebhookService/CreateWebhook"


def with_request_id(request: webhook_pb2.CreateWebhookRequest) -> webhook_pb2.CreateWebhookRequest:
    """Returns ``request`` if it has a request_id, else a copy with a fresh UUID v4.

    The caller's message is never changed, so reusing it for a new logical call
    gets a new id.
    """
    if request.request_id:
        return request
    copy = webhook_pb2.CreateWebhookRequest()
    copy.CopyFrom(request)
    copy.request_id = str(uuid.uuid4())
    return copy


class RequestIdInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Sets a fresh request_id on every CreateWebhook call that lacks one.

    The interceptor runs once per logical call, before gRPC's own retries, and
    those retries resend the same message: every attempt carries the same id, so
    the facade answers a retry of a create it already made with that create's
    result instead of making a second webhook.
    """

    def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.ClientCallDetails, Any], Any],
        client_call_details: grpc.ClientCallDetails,
        request: Any,
    ) -> Any:
        if client_call_details.method == _CREATE_METHOD and isinstance(
            request, webhook_pb2.CreateWebhookRequest
        ):
            request = with_request_id(request)
        return continuation(client_call_details, request)


class AioRequestIdInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    """:class:`RequestIdInterceptor` for ``grpc.aio`` channels."""

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        method = client_call_details.method
        if isinstance(method, bytes):
            method = method.decode("ascii")
        if method == _CREATE_METHOD and isinstance(request, webhook_pb2.CreateWebhookRequest):
            request = with_request_id(request)
        return await continuation(client_call_details, request)


class _RetryPolicy(NamedTuple):
    max_attempts: int
    initial_backoff_s: float
    max_backoff_s: float
    multiplier: float
    codes: frozenset[grpc.StatusCode]
    # The method config's timeout: the whole call's budget, all attempts.
    timeout_s: Optional[float]


def _seconds(duration: Any) -> Optional[float]:
    # The service config's durations are JSON strings such as "0.2s".
    if not isinstance(duration, str) or not duration.endswith("s"):
        return None
    try:
        return float(duration[:-1])
    except ValueError:
        return None


def _create_policy(service_config: str) -> Optional[_RetryPolicy]:
    """The retryPolicy of CreateWebhook in ``service_config``, or None."""
    service, method = _CREATE_METHOD.strip("/").split("/")
    for config in json.loads(service_config).get("methodConfig", []):
        names = config.get("name", [])
        if not any(n.get("service") == service and n.get("method") in (None, "", method) for n in names):
            continue
        policy = config.get("retryPolicy")
        if not policy:
            return None
        codes = frozenset(grpc.StatusCode[c] for c in policy.get("retryableStatusCodes", []) if c in grpc.StatusCode.__members__)
        return _RetryPolicy(
            max_attempts=min(int(policy.get("maxAttempts", 1)), 5),  # gRPC's own cap
            initial_backoff_s=_seconds(policy.get("initialBackoff")) or 0.0,
            max_backoff_s=_seconds(policy.get("maxBackoff")) or 0.0,
            multiplier=float(policy.get("backoffMultiplier", 1)),
            codes=codes,
            timeout_s=_seconds(config.get("timeout")),
        )
    return None


class _RetryState:
    """The backoff and deadline of one logical create across its attempts (gRFC A6:
    exponential backoff with full jitter, all attempts within the call's deadline)."""

    def __init__(self, policy: _RetryPolicy, timeout_s: Optional[float], rand: Callable[[], float]) -> None:
        self.policy = policy
        self.attempt = 1
        self.backoff_s = policy.initial_backoff_s
        budget = timeout_s if timeout_s is not None else policy.timeout_s
        self.deadline = None if budget is None else time.monotonic() + budget
        self.rand = rand

    def next_delay(self, error: BaseException, code: Optional[grpc.StatusCode]) -> Optional[float]:
        """How long to wait before repeating the create, or None when it must not be repeated."""
        if self.attempt >= self.policy.max_attempts or code not in self.policy.codes or not is_outcome_unknown(error):
            return None
        delay = self.rand() * self.backoff_s
        if self.deadline is not None and time.monotonic() + delay >= self.deadline:
            return None
        self.attempt += 1
        self.backoff_s = min(self.backoff_s * self.policy.multiplier, self.policy.max_backoff_s)
        return delay

    def remaining_s(self, timeout_s: Optional[float]) -> Optional[float]:
        """The timeout of the next attempt: what is left of the call's deadline."""
        if self.deadline is None:
            return timeout_s
        return max(self.deadline - time.monotonic(), 0.001)


class _ClientCallDetails(grpc.ClientCallDetails):
    def __init__(self, base: grpc.ClientCallDetails, timeout: Optional[float]) -> None:
        self.method = base.method
        self.timeout = timeout
        self.metadata = base.metadata
        self.credentials = base.credentials
        self.wait_for_ready = getattr(base, "wait_for_ready", None)
        self.compression = getattr(base, "compression", None)


def _create_with_request_id(method: Any, request: Any) -> bool:
    if isinstance(method, bytes):
        method = method.decode("ascii")
    return method == _CREATE_METHOD and isinstance(request, webhook_pb2.CreateWebhookRequest) and bool(request.request_id)


class OutcomeUnknownRetryInterceptor(grpc.UnaryUnaryClientInterceptor):
    """Repeats a CreateWebhook that carries a request_id when the facade
    answers that its outcome is unknown.

    gRPC's own retries never repeat such a failure (the facade sends
    ``grpc-retry-pushback-ms: -1``, since a create without a request_id would
    be made twice). With the same request_id, the facade answers the repeat
    from the first attempt: the webhook Telegent stored, marked ``recovered``,
    or a create made once. The repeats follow the service config's retryPolicy
    for CreateWebhook (attempts, backoff, codes) within the call's deadline;
    calls without a request_id pass through untouched.
    """

    def __init__(
        self,
        service_config: str = SERVICE_CONFIG,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._policy = _create_policy(service_config)
        self._sleep = sleep
        self._rand = rand

    def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.ClientCallDetails, Any], Any],
        client_call_details: grpc.ClientCallDetails,
        request: Any,
    ) -> Any:
        if self._policy is None or not _create_with_request_id(client_call_details.method, request):
            return continuation(client_call_details, request)
        state = _RetryState(self._policy, client_call_details.timeout, self._rand)
        details = client_call_details
        while True:
            outcome = continuation(details, request)
            error = outcome.exception()
            if error is None:
                return outcome
            delay = state.next_delay(error, error.code() if isinstance(error, grpc.Call) else None)
            if delay is None:
                return outcome
            self._sleep(delay)
            details = _ClientCallDetails(client_call_details, state.remaining_s(client_call_details.timeout))


class AioOutcomeUnknownRetryInterceptor(grpc.aio.UnaryUnaryClientInterceptor):
    """:class:`OutcomeUnknownRetryInterceptor` for ``grpc.aio`` channels."""

    def __init__(self, service_config: str = SERVICE_CONFIG, *, rand: Callable[[], float] = random.random) -> None:
        self._policy = _create_policy(service_config)
        self._rand = rand

    async def intercept_unary_unary(
        self,
        continuation: Callable[[grpc.aio.ClientCallDetails, Any], Any],
        client_call_details: grpc.aio.ClientCallDetails,
        request: Any,
    ) -> Any:
        if self._policy is None or not _create_with_request_id(client_call_details.method, request):
            return await continuation(client_call_details, request)
        state = _RetryState(self._policy, client_call_details.timeout, self._rand)
        details = client_call_details
        while True:
            call = await continuation(details, request)
            try:
                await call
                return call
            except grpc.aio.AioRpcError as error:
                delay = state.next_delay(error, error.code())
                if delay is None:
                    return call
            await asyncio.sleep(delay)
            details = grpc.aio.ClientCallDetails(
                client_call_details.method,
                state.remaining_s(client_call_details.timeout),
                client_call_details.metadata,
                client_call_details.credentials,
                client_call_details.wait_for_ready,
            )


def _channel_options(service_config: Optional[str], options: Sequence[Tuple[str, Any]]) -> list[Tuple[str, Any]]:
    # gRPC keeps the first value of a repeated channel argument: the caller's
    # options go first so that they win.
    channel_options: list[Tuple[str, Any]] = [*options, ("grpc.enable_retries", 1)]
    if service_config is not None:
        channel_options += [
            ("grpc.service_config", service_config),
            # The published policy is the caller's choice, not the resolver's.
            ("grpc.service_config_disable_resolution", 1),
        ]
    return channel_options


def create_channel(
    target: str,
    credentials: Optional[grpc.ChannelCredentials] = None,
    *,
    service_config: Optional[str] = SERVICE_CONFIG,
    options: Sequence[Tuple[str, Any]] = (),
    compression: Optional[grpc.Compression] = None,
) -> grpc.Channel:
    """Opens a channel to the facade at ``target`` (``host:port``).

    With ``credentials`` the channel uses TLS (``grpc.ssl_channel_credentials()``
    and friends), without them plaintext. The published service config applies
    unless ``service_config`` says otherwise (None: gRPC's defaults, no retries);
    a config the server's name resolver supplies does not replace it. Every
    CreateWebhook call gets a request_id when it has none (see
    :class:`RequestIdInterceptor`), and one whose outcome is unknown is
    repeated with it under the same policy (see
    :class:`OutcomeUnknownRetryInterceptor`). ``options`` are further channel
    arguments; where they name one of ours, theirs wins.

    Without credentials the channel is plaintext: that is how to reach a
    facade started with ``--dev`` (or behind a TLS-terminating proxy).
    """
    channel_options = _channel_options(service_config, options)
    if credentials is None:
        channel = grpc.insecure_channel(target, options=channel_options, compression=compression)
    else:
        channel = grpc.secure_channel(target, credentials, options=channel_options, compression=compression)
    interceptors: list[grpc.UnaryUnaryClientInterceptor] = [RequestIdInterceptor()]
    if service_config is not None:
        interceptors.append(OutcomeUnknownRetryInterceptor(service_config))
    return grpc.intercept_channel(channel, *interceptors)


def create_aio_channel(
    target: str,
    credentials: Optional[grpc.ChannelCredentials] = None,
    *,
    service_config: Optional[str] = SERVICE_CONFIG,
    options: Sequence[Tuple[str, Any]] = (),
    compression: Optional[grpc.Compression] = None,
) -> grpc.aio.Channel:
    """:func:`create_channel` for asyncio: a ``grpc.aio`` channel with the same
    service config and request_id default."""
    channel_options = _channel_options(service_config, options)
    interceptors: list[grpc.aio.ClientInterceptor] = [AioRequestIdInterceptor()]
    if service_config is not None:
        interceptors.append(AioOutcomeUnknownRetryInterceptor(service_config))
    if credentials is None:
        return grpc.aio.insecure_channel(
            target, options=channel_options, compression=compression, interceptors=interceptors
        )
    return grpc.aio.secure_channel(
        target, credentials, options=channel_options, compression=compression, interceptors=interceptors
    )
