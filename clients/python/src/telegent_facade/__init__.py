"""Client helpers for the Telegent webhook facade.

The generated stubs and messages live in ``telegent.webhook.v1.webhook_pb2`` and
``telegent.webhook.v1.webhook_pb2_grpc``. This package adds what every caller
needs around them:

* :func:`create_channel` opens a channel that applies the facade's published
  service config (deadline and retry policy) and gives every create a
  request_id, reused by gRPC's retries (:func:`create_aio_channel` for asyncio);
* :func:`field_violations`, :func:`error_reason`, :func:`error_info`,
  :func:`is_outcome_unknown` and :func:`retry_delay` read the google.rpc error
  details of a failed call, and answer "nothing" (an empty list, None or False)
  for any other exception.

Example::

    import grpc
    from telegent.webhook.v1 import webhook_pb2, webhook_pb2_grpc
    import telegent_facade

    with telegent_facade.create_channel("facade.internal:9090", grpc.ssl_channel_credentials()) as channel:
        stub = webhook_pb2_grpc.WebhookServiceStub(channel)
        try:
            stub.CreateWebhook(request)
        except grpc.RpcError as err:
            for v in telegent_facade.field_violations(err):
                print(v.field, v.rule_id, v.message)
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
    error_info,
    error_reason,
    field_violations,
    is_outcome_unknown,
    retry_delay,
    status_details,
)

__all__ = [
    "SERVICE_CONFIG",
    "AioRequestIdInterceptor",
    "FieldViolation",
    "RequestIdInterceptor",
    "create_aio_channel",
    "create_channel",
    "error_info",
    "error_reason",
    "field_violations",
    "is_outcome_unknown",
    "retry_delay",
    "status_details",
    "with_request_id",
]
