"""Channels to the facade that apply its published service config and give
every create a request_id."""

from __future__ import annotations

import json
import uuid
from importlib import resources
from typing import Any, Callable, Optional, Sequence, Tuple

import grpc

from telegent.webhook.v1 import webhook_pb2

__all__ = [
    "SERVICE_CONFIG",
    "AioRequestIdInterceptor",
    "RequestIdInterceptor",
    "create_aio_channel",
    "create_channel",
    "with_request_id",
]

#: The gRPC service config the facade publishes (service_config.json in the
#: facade's repository): for every method a 15 s deadline and up to 3
#: attempts on UNAVAILABLE. The facade's pushback (grpc-retry-pushback-ms)
#: steers the retries: -1 (do not repeat) for an UNAVAILABLE that may have
#: created a webhook a repeat could not find, a delay for one a repeat
#: resolves, such as a create with a request_id whose outcome is unknown: the
#: repeat, with the same request_id, answers with the webhook Telegent stored,
#: marked ``recovered``.
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
    :class:`RequestIdInterceptor`), which every retry reuses: the policy
    repeats a create whose outcome is unknown when the facade invites it, and
    the facade answers the repeat with the webhook the first attempt made.
    ``options`` are further channel arguments; where they name one of ours,
    theirs wins.

    Without credentials the channel is plaintext: that is how to reach a
    facade started with ``--dev``, which serves no TLS.
    """
    channel_options = _channel_options(service_config, options)
    if credentials is None:
        channel = grpc.insecure_channel(target, options=channel_options, compression=compression)
    else:
        channel = grpc.secure_channel(target, credentials, options=channel_options, compression=compression)
    return grpc.intercept_channel(channel, RequestIdInterceptor())


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
    if credentials is None:
        return grpc.aio.insecure_channel(
            target, options=channel_options, compression=compression, interceptors=interceptors
        )
    return grpc.aio.secure_channel(
        target, credentials, options=channel_options, compression=compression, interceptors=interceptors
    )
