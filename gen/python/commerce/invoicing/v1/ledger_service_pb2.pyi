from buf.validate import validate_pb2 as _validate_pb2
from commerce.invoicing.v1 import account_pb2 as _account_pb2
from commerce.invoicing.v1 import journal_entry_pb2 as _journal_entry_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class LedgerViolation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LEDGER_VIOLATION_UNSPECIFIED: _ClassVar[LedgerViolation]
    LEDGER_VIOLATION_SEQUENCE_GAP: _ClassVar[LedgerViolation]
    LEDGER_VIOLATION_PREV_HASH_MISMATCH: _ClassVar[LedgerViolation]
    LEDGER_VIOLATION_HASH_MISMATCH: _ClassVar[LedgerViolation]
    LEDGER_VIOLATION_UNBALANCED: _ClassVar[LedgerViolation]
    LEDGER_VIOLATION_INVALID_POSTING: _ClassVar[LedgerViolation]
LEDGER_VIOLATION_UNSPECIFIED: LedgerViolation
LEDGER_VIOLATION_SEQUENCE_GAP: LedgerViolation
LEDGER_VIOLATION_PREV_HASH_MISMATCH: LedgerViolation
LEDGER_VIOLATION_HASH_MISMATCH: LedgerViolation
LEDGER_VIOLATION_UNBALANCED: LedgerViolation
LEDGER_VIOLATION_INVALID_POSTING: LedgerViolation

class GetAccountBalanceRequest(_message.Message):
    __slots__ = ("account", "currency_code")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_CODE_FIELD_NUMBER: _ClassVar[int]
    account: str
    currency_code: str
    def __init__(self, account: _Optional[str] = ..., currency_code: _Optional[str] = ...) -> None: ...

class GetAccountBalanceResponse(_message.Message):
    __slots__ = ("account", "account_type", "balances", "as_of_sequence")
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_TYPE_FIELD_NUMBER: _ClassVar[int]
    BALANCES_FIELD_NUMBER: _ClassVar[int]
    AS_OF_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    account: str
    account_type: _account_pb2.AccountType
    balances: _containers.RepeatedCompositeFieldContainer[_account_pb2.AccountBalance]
    as_of_sequence: int
    def __init__(self, account: _Optional[str] = ..., account_type: _Optional[_Union[_account_pb2.AccountType, str]] = ..., balances: _Optional[_Iterable[_Union[_account_pb2.AccountBalance, _Mapping]]] = ..., as_of_sequence: _Optional[int] = ...) -> None: ...

class ListJournalEntriesRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token", "account", "source_resource", "source_event_id")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    SOURCE_RESOURCE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_EVENT_ID_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    account: str
    source_resource: str
    source_event_id: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., account: _Optional[str] = ..., source_resource: _Optional[str] = ..., source_event_id: _Optional[str] = ...) -> None: ...

class ListJournalEntriesResponse(_message.Message):
    __slots__ = ("journal_entries", "next_page_token")
    JOURNAL_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    journal_entries: _containers.RepeatedCompositeFieldContainer[_journal_entry_pb2.JournalEntry]
    next_page_token: str
    def __init__(self, journal_entries: _Optional[_Iterable[_Union[_journal_entry_pb2.JournalEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class VerifyLedgerRequest(_message.Message):
    __slots__ = ("parent", "start_sequence", "end_sequence")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    START_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    END_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    parent: str
    start_sequence: int
    end_sequence: int
    def __init__(self, parent: _Optional[str] = ..., start_sequence: _Optional[int] = ..., end_sequence: _Optional[int] = ...) -> None: ...

class VerifyLedgerResponse(_message.Message):
    __slots__ = ("ok", "entries_checked", "first_broken_entry", "first_broken_sequence", "violation", "detail", "head_sequence", "head_hash")
    OK_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_CHECKED_FIELD_NUMBER: _ClassVar[int]
    FIRST_BROKEN_ENTRY_FIELD_NUMBER: _ClassVar[int]
    FIRST_BROKEN_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    VIOLATION_FIELD_NUMBER: _ClassVar[int]
    DETAIL_FIELD_NUMBER: _ClassVar[int]
    HEAD_SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    entries_checked: int
    first_broken_entry: str
    first_broken_sequence: int
    violation: LedgerViolation
    detail: str
    head_sequence: int
    head_hash: bytes
    def __init__(self, ok: _Optional[bool] = ..., entries_checked: _Optional[int] = ..., first_broken_entry: _Optional[str] = ..., first_broken_sequence: _Optional[int] = ..., violation: _Optional[_Union[LedgerViolation, str]] = ..., detail: _Optional[str] = ..., head_sequence: _Optional[int] = ..., head_hash: _Optional[bytes] = ...) -> None: ...
