"""Channels to the facade that apply its published service config and give
every create a request_id."""

from __future__ import annotations

import json
import uuid
from importlib import resources
from typing import Any, Callable, Optional, Sequence, Tuple

import grpc

from telegent.webhook.v1 import webhook_pb2, webhook_pb2_grpc

__all__ = [
    "SERVICE_CONFIG",
    "RequestIdInterceptor",
    "create_channel",
    "create_stub",
    "with_request_id",
]

#: The gRPC service config the facade publishes (service_config.json in the
#: facade's repository): a 15 s deadline and up to 3 attempts on UNAVAILABLE.
#: The facade marks every UNAVAILABLE that may have created the webhook as
#: not retryable (grpc-retry-pushback-ms: -1), so the policy never repeats such
#: a create.
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
    :class:`RequestIdInterceptor`). ``options`` are further channel arguments;
    they come after ours, so they win.
    """
    channel_options: list[Tuple[str, Any]] = [("grpc.enable_retries", 1)]
    if service_config is not None:
        channel_options += [
            ("grpc.service_config", service_config),
            # The published policy is the caller's choice, not the resolver's.
            ("grpc.service_config_disable_resolution", 1),
        ]
    channel_options += list(options)
    if credentials is None:
        channel = grpc.insecure_channel(target, options=channel_options, compression=compression)
    else:
        channel = grpc.secure_channel(target, credentials, options=channel_options, compression=compression)
    return grpc.intercept_channel(channel, RequestIdInterceptor())


def create_stub(
    target: str,
    credentials: Optional[grpc.ChannelCredentials] = None,
    **kwargs: Any,
) -> Tuple[webhook_pb2_grpc.WebhookServiceStub, grpc.Channel]:
    """Returns a WebhookService stub on :func:`create_channel` and the channel,
    which the caller closes when done."""
    channel = create_channel(target, credentials, **kwargs)
    return webhook_pb2_grpc.WebhookServiceStub(channel), channel
