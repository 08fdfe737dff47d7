from buf.validate import validate_pb2 as _validate_pb2
from google.protobuf import descriptor as _descriptor
from typing import ClassVar as _ClassVar

DESCRIPTOR: _descriptor.FileDescriptor
ACCOUNT_ID_FIELD_NUMBER: _ClassVar[int]
account_id: _descriptor.FieldDescriptor
WEBHOOK_ID_FIELD_NUMBER: _ClassVar[int]
webhook_id: _descriptor.FieldDescriptor
