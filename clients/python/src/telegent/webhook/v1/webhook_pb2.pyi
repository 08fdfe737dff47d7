from buf.validate import validate_pb2 as _validate_pb2
from google.api import annotations_pb2 as _annotations_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from telegent.webhook.v1 import rules_pb2 as _rules_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class HttpMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    HTTP_METHOD_UNSPECIFIED: _ClassVar[HttpMethod]
    HTTP_METHOD_POST: _ClassVar[HttpMethod]
    HTTP_METHOD_PUT: _ClassVar[HttpMethod]

class DataFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DATA_FORMAT_UNSPECIFIED: _ClassVar[DataFormat]
    DATA_FORMAT_JSON: _ClassVar[DataFormat]
    DATA_FORMAT_XML: _ClassVar[DataFormat]

class AuthenticationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AUTHENTICATION_TYPE_UNSPECIFIED: _ClassVar[AuthenticationType]
    AUTHENTICATION_TYPE_NONE: _ClassVar[AuthenticationType]
    AUTHENTICATION_TYPE_BASIC: _ClassVar[AuthenticationType]
    AUTHENTICATION_TYPE_TOKEN: _ClassVar[AuthenticationType]

class WebhookEvent(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    WEBHOOK_EVENT_UNSPECIFIED: _ClassVar[WebhookEvent]
    WEBHOOK_EVENT_ORDER_UPDATE: _ClassVar[WebhookEvent]
    WEBHOOK_EVENT_NEW_SMS: _ClassVar[WebhookEvent]
    WEBHOOK_EVENT_CALL_COMPLETED: _ClassVar[WebhookEvent]
    WEBHOOK_EVENT_CALL_ON_HOLD: _ClassVar[WebhookEvent]
    WEBHOOK_EVENT_CALL_RECORDING: _ClassVar[WebhookEvent]
    WEBHOOK_EVENT_CALL_IN_PROGRESS: _ClassVar[WebhookEvent]
    WEBHOOK_EVENT_CALL_RINGING: _ClassVar[WebhookEvent]
HTTP_METHOD_UNSPECIFIED: HttpMethod
HTTP_METHOD_POST: HttpMethod
HTTP_METHOD_PUT: HttpMethod
DATA_FORMAT_UNSPECIFIED: DataFormat
DATA_FORMAT_JSON: DataFormat
DATA_FORMAT_XML: DataFormat
AUTHENTICATION_TYPE_UNSPECIFIED: AuthenticationType
AUTHENTICATION_TYPE_NONE: AuthenticationType
AUTHENTICATION_TYPE_BASIC: AuthenticationType
AUTHENTICATION_TYPE_TOKEN: AuthenticationType
WEBHOOK_EVENT_UNSPECIFIED: WebhookEvent
WEBHOOK_EVENT_ORDER_UPDATE: WebhookEvent
WEBHOOK_EVENT_NEW_SMS: WebhookEvent
WEBHOOK_EVENT_CALL_COMPLETED: WebhookEvent
WEBHOOK_EVENT_CALL_ON_HOLD: WebhookEvent
WEBHOOK_EVENT_CALL_RECORDING: WebhookEvent
WEBHOOK_EVENT_CALL_IN_PROGRESS: WebhookEvent
WEBHOOK_EVENT_CALL_RINGING: WebhookEvent

class CreateWebhookRequest(_message.Message):
    __slots__ = ("account_id", "webhook_url", "method", "data_format", "authentication_type", "authentication_username", "authentication_password", "authentication_token", "subscribed_events", "request_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    DATA_FORMAT_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATION_USERNAME_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATION_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    webhook_url: str
    method: HttpMethod
    data_format: DataFormat
    authentication_type: AuthenticationType
    authentication_username: str
    authentication_password: str
    authentication_token: str
    subscribed_events: _containers.RepeatedScalarFieldContainer[WebhookEvent]
    request_id: str
    def __init__(self, account_id: _Optional[str] = ..., webhook_url: _Optional[str] = ..., method: _Optional[_Union[HttpMethod, str]] = ..., data_format: _Optional[_Union[DataFormat, str]] = ..., authentication_type: _Optional[_Union[AuthenticationType, str]] = ..., authentication_username: _Optional[str] = ..., authentication_password: _Optional[str] = ..., authentication_token: _Optional[str] = ..., subscribed_events: _Optional[_Iterable[_Union[WebhookEvent, str]]] = ..., request_id: _Optional[str] = ...) -> None: ...

class CreateWebhookResponse(_message.Message):
    __slots__ = ("webhook", "recovered")
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    RECOVERED_FIELD_NUMBER: _ClassVar[int]
    webhook: Webhook
    recovered: bool
    def __init__(self, webhook: _Optional[_Union[Webhook, _Mapping]] = ..., recovered: _Optional[bool] = ...) -> None: ...

class Webhook(_message.Message):
    __slots__ = ("webhook_id", "active", "account_id", "webhook_url", "method", "data_format", "authentication_type", "authentication_username", "subscribed_events", "password_set", "token_set")
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_URL_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    DATA_FORMAT_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATION_TYPE_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATION_USERNAME_FIELD_NUMBER: _ClassVar[int]
    SUBSCRIBED_EVENTS_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_SET_FIELD_NUMBER: _ClassVar[int]
    TOKEN_SET_FIELD_NUMBER: _ClassVar[int]
    webhook_id: str
    active: bool
    account_id: str
    webhook_url: str
    method: HttpMethod
    data_format: DataFormat
    authentication_type: AuthenticationType
    authentication_username: str
    subscribed_events: _containers.RepeatedScalarFieldContainer[WebhookEvent]
    password_set: bool
    token_set: bool
    def __init__(self, webhook_id: _Optional[str] = ..., active: _Optional[bool] = ..., account_id: _Optional[str] = ..., webhook_url: _Optional[str] = ..., method: _Optional[_Union[HttpMethod, str]] = ..., data_format: _Optional[_Union[DataFormat, str]] = ..., authentication_type: _Optional[_Union[AuthenticationType, str]] = ..., authentication_username: _Optional[str] = ..., subscribed_events: _Optional[_Iterable[_Union[WebhookEvent, str]]] = ..., password_set: _Optional[bool] = ..., token_set: _Optional[bool] = ...) -> None: ...

class GetWebhookRequest(_message.Message):
    __slots__ = ("account_id", "webhook_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    webhook_id: str
    def __init__(self, account_id: _Optional[str] = ..., webhook_id: _Optional[str] = ...) -> None: ...

class ListWebhooksRequest(_message.Message):
    __slots__ = ("account_id", "page_size", "page_token")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    page_size: int
    page_token: str
    def __init__(self, account_id: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListWebhooksResponse(_message.Message):
    __slots__ = ("webhooks", "next_page_token")
    WEBHOOKS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    webhooks: _containers.RepeatedCompositeFieldContainer[Webhook]
    next_page_token: str
    def __init__(self, webhooks: _Optional[_Iterable[_Union[Webhook, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetWebhookResponse(_message.Message):
    __slots__ = ("webhook",)
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    webhook: Webhook
    def __init__(self, webhook: _Optional[_Union[Webhook, _Mapping]] = ...) -> None: ...

class UpdateWebhookRequest(_message.Message):
    __slots__ = ("account_id", "webhook_id", "webhook", "update_mask", "authentication_password", "authentication_token")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATION_PASSWORD_FIELD_NUMBER: _ClassVar[int]
    AUTHENTICATION_TOKEN_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    webhook_id: str
    webhook: Webhook
    update_mask: _field_mask_pb2.FieldMask
    authentication_password: str
    authentication_token: str
    def __init__(self, account_id: _Optional[str] = ..., webhook_id: _Optional[str] = ..., webhook: _Optional[_Union[Webhook, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., authentication_password: _Optional[str] = ..., authentication_token: _Optional[str] = ...) -> None: ...

class UpdateWebhookResponse(_message.Message):
    __slots__ = ("webhook",)
    WEBHOOK_FIELD_NUMBER: _ClassVar[int]
    webhook: Webhook
    def __init__(self, webhook: _Optional[_Union[Webhook, _Mapping]] = ...) -> None: ...

class DeleteWebhookRequest(_message.Message):
    __slots__ = ("account_id", "webhook_id")
    ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
    WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
    account_id: str
    webhook_id: str
    def __init__(self, account_id: _Optional[str] = ..., webhook_id: _Optional[str] = ...) -> None: ...

class DeleteWebhookResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...
