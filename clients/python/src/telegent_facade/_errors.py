"""Reading the google.rpc error details that the facade attaches to failures."""

from __future__ import annotations

from typing import NamedTuple, Optional, TypeVar, cast

import grpc
from google.protobuf import message as _message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from telegent.webhook.v1 import webhook_pb2

__all__ = [
    "FieldViolation",
    "error_metadata",
    "error_reason",
    "field_violations",
    "is_outcome_unknown",
    "is_recovered",
    "retry_delay_ms",
    "status_details",
]

_M = TypeVar("_M", bound=_message.Message)


class FieldViolation(NamedTuple):
    """One broken validation rule of a request.

    ``field`` is the path of the field in proto names (``account_id``, not the
    REST JSON name ``accountId``), ``rule_id`` the protovalidate rule id (for
    example ``string.pattern`` or ``authentication_password.required_for_basic``)
    and ``message`` a text that is safe to show.
    """

    field: str
    rule_id: str
    message: str


def status_details(error: BaseException) -> Optional[status_pb2.Status]:
    """Returns the ``google.rpc.Status`` carried by a failed call, or None.

    Takes the errors of blocking and of ``grpc.aio`` calls. None when ``error``
    is not a gRPC call error or carries no rich status (for example a
    connection failure raised by the client library itself).
    """
    # Errors of blocking calls are grpc.Call objects; grpc.aio's AioRpcError is
    # not, but answers the same code(), details() and trailing_metadata().
    if not isinstance(error, grpc.RpcError):
        return None
    try:
        status: Optional[status_pb2.Status] = rpc_status.from_call(cast(grpc.Call, error))
    except (ValueError, AttributeError, TypeError):
        # from_call refuses a status whose code or message disagrees with the
        # call's: such a status is not trustworthy, so it counts as absent.
        return None
    return status


def _detail(error: BaseException, kind: type[_M]) -> Optional[_M]:
    status = status_details(error)
    if status is None:
        return None
    for any_detail in status.details:
        detail = kind()
        # Unpack answers False for a detail of another type.
        if any_detail.Unpack(detail):
            return detail
    return None


def field_violations(error: BaseException) -> list[FieldViolation]:
    """Returns the field violations of a refused request (google.rpc.BadRequest).

    Empty when ``error`` carries no BadRequest, including any error that is not a
    gRPC status error.
    """
    bad_request = _detail(error, error_details_pb2.BadRequest)
    if bad_request is None:
        return []
    return [
        FieldViolation(field=v.field, rule_id=v.reason, message=v.description)
        for v in bad_request.field_violations
    ]


def _error_info(error: BaseException) -> Optional[error_details_pb2.ErrorInfo]:
    return _detail(error, error_details_pb2.ErrorInfo)


def error_reason(error: BaseException) -> Optional[str]:
    """Returns the stable ErrorInfo reason (for example ``UPSTREAM_CONFLICT``), or None."""
    info = _error_info(error)
    if info is None or not info.reason:
        return None
    return str(info.reason)


def error_metadata(error: BaseException) -> dict[str, str]:
    """Returns the ErrorInfo metadata (for example ``upstream_status``), or an empty dict."""
    info = _error_info(error)
    if info is None:
        return {}
    return {str(k): str(v) for k, v in info.metadata.items()}


def is_outcome_unknown(error: BaseException) -> bool:
    """Tells whether the webhook may have been created although the call failed.

    True only when the facade said so (ErrorInfo metadata ``outcome_unknown`` is
    ``"true"``): the create may have reached Telegent and no definite answer
    came back, so repeat the call only with the same ``request_id`` (the
    channels of :func:`~telegent_facade.create_channel` do). False for every
    other error, including errors that are not gRPC status errors.
    """
    return error_metadata(error).get("outcome_unknown") == "true"


def retry_delay_ms(error: BaseException) -> Optional[int]:
    """Returns how many milliseconds to wait before trying again
    (google.rpc.RetryInfo), or None when the facade advised no retry."""
    info = _detail(error, error_details_pb2.RetryInfo)
    if info is None or not info.HasField("retry_delay"):
        return None
    return int(info.retry_delay.ToMilliseconds())


def is_recovered(response: webhook_pb2.CreateWebhookResponse) -> bool:
    """Tells whether a create's answer is a recovered one: a repeat (same
    ``request_id``) of a create whose outcome was unknown, answered with the
    webhook Telegent had stored instead of creating a second one."""
    return response.recovered


def is_replayed(response: webhook_pb2.CreateWebhookResponse) -> bool:
    """Tells whether a create's answer came from an earlier call with the
    same ``request_id`` (a retry, or a repeat on another replica): Telegent
    was not called again."""
    return response.replayed
