import datetime

from commerce.type.v1 import money_pb2 as _money_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class PostingDirection(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    POSTING_DIRECTION_UNSPECIFIED: _ClassVar[PostingDirection]
    POSTING_DIRECTION_DEBIT: _ClassVar[PostingDirection]
    POSTING_DIRECTION_CREDIT: _ClassVar[PostingDirection]
POSTING_DIRECTION_UNSPECIFIED: PostingDirection
POSTING_DIRECTION_DEBIT: PostingDirection
POSTING_DIRECTION_CREDIT: PostingDirection

class Posting(_message.Message):
    __slots__ = ("account", "direction", "amount")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    account: str
    direction: PostingDirection
    amount: _money_pb2.Money
    def __init__(self, account: _Optional[str] = ..., direction: _Optional[_Union[PostingDirection, str]] = ..., amount: _Optional[_Union[_money_pb2.Money, _Mapping]] = ...) -> None: ...

class JournalEntry(_message.Message):
    __slots__ = ("name", "sequence", "postings", "description", "source_resource", "source_event_id", "source_event_type", "create_time", "prev_hash", "hash")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    POSTINGS_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SOURCE_RESOURCE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    PREV_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    name: str
    sequence: int
    postings: _containers.RepeatedCompositeFieldContainer[Posting]
    description: str
    source_resource: str
    source_event_id: str
    source_event_type: str
    create_time: _timestamp_pb2.Timestamp
    prev_hash: bytes
    hash: bytes
    def __init__(self, name: _Optional[str] = ..., sequence: _Optional[int] = ..., postings: _Optional[_Iterable[_Union[Posting, _Mapping]]] = ..., description: _Optional[str] = ..., source_resource: _Optional[str] = ..., source_event_id: _Optional[str] = ..., source_event_type: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., prev_hash: _Optional[bytes] = ..., hash: _Optional[bytes] = ...) -> None: ...
