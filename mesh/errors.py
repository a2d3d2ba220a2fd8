"""The error contract: one way to fail, for every service, and one error type in process.

A handler raises `DomainError(code, reason, message, …)`; the runtime turns it into a gRPC status
whose details hold `google.rpc.ErrorInfo{reason, domain, metadata}` and, where they apply,
`BadRequest` field violations and `RetryInfo`. `code` is a mesh.status_codes.Code and `reason` a
plain `Reason(name, domain)`: the name of a value of a domain's `ErrorReason` enum without the
`ERROR_REASON_` prefix, and that enum's proto package. Neither needs grpc nor a generated module,
so a domain declares its reasons as constants (tests hold them to the enums). Messages travel to
callers, so they never carry secrets, card numbers or internals.

The same type carries a status someone else formed, `DomainError.from_status(status)`: a
downstream service's answer (mesh.resilience) or an outcome the idempotency guard stored. Its
parts read like those of a raised error, and it travels on as exactly the status it came as.

A handler's effects normally roll back with its error. `keep_effects=True` is "commit and fail":
the effects and the error commit together (the idempotency guard stores the error in the same
transaction), for a refusal that is itself a fact worth keeping, such as a declined card.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence
from typing import TypeVar

from google.protobuf import any_pb2, duration_pb2
from google.protobuf.internal import enum_type_wrapper
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2

from mesh.status_codes import Code, is_final

REASON_PREFIX = "ERROR_REASON_"
COMMON_DOMAIN = "commerce.type.v1"

__all__ = [
    "COMMON_DOMAIN",
    "NO_REASON",
    "REASON_PREFIX",
    "Code",
    "CommonReasons",
    "DomainError",
    "FieldViolation",
    "Reason",
    "common",
    "reason_of",
]

DetailT = TypeVar("DetailT", bound=Message)


@dataclasses.dataclass(frozen=True)
class Reason:
    """A stable error reason: `name` (UPPER_SNAKE) within `domain` (a proto package)."""

    name: str
    domain: str


# The reason of a status that came without ErrorInfo (a call no server answered): what proto
# reads for an absent ErrorInfo. Never raised by a service.
NO_REASON = Reason("", "")


def reason_of(enum: enum_type_wrapper.EnumTypeWrapper, value: int) -> Reason:
    """The Reason of an ErrorReason enum value, e.g. reason_of(payments ErrorReason, CARD_DECLINED),
    for code outside a domain that has the generated enum at hand."""
    name = enum.Name(value)
    if not name.startswith(REASON_PREFIX):
        raise ValueError(f"{name} is not an ErrorReason value")
    return Reason(name.removeprefix(REASON_PREFIX), enum.DESCRIPTOR.file.package)


class CommonReasons:
    """The shared reasons of commerce.type.v1.ErrorReason, read as common.NOT_FOUND, …"""

    VALIDATION_FAILED = Reason("VALIDATION_FAILED", COMMON_DOMAIN)
    IDEMPOTENCY_KEY_REUSED = Reason("IDEMPOTENCY_KEY_REUSED", COMMON_DOMAIN)
    REQUEST_IN_PROGRESS = Reason("REQUEST_IN_PROGRESS", COMMON_DOMAIN)
    IDEMPOTENCY_UNAVAILABLE = Reason("IDEMPOTENCY_UNAVAILABLE", COMMON_DOMAIN)
    UNAUTHENTICATED = Reason("UNAUTHENTICATED", COMMON_DOMAIN)
    TENANT_MISMATCH = Reason("TENANT_MISMATCH", COMMON_DOMAIN)
    NOT_FOUND = Reason("NOT_FOUND", COMMON_DOMAIN)
    INVALID_PAGE_TOKEN = Reason("INVALID_PAGE_TOKEN", COMMON_DOMAIN)
    CURRENCY_MISMATCH = Reason("CURRENCY_MISMATCH", COMMON_DOMAIN)
    DEPENDENCY_UNAVAILABLE = Reason("DEPENDENCY_UNAVAILABLE", COMMON_DOMAIN)
    DEADLINE_EXCEEDED = Reason("DEADLINE_EXCEEDED", COMMON_DOMAIN)
    RATE_LIMITED = Reason("RATE_LIMITED", COMMON_DOMAIN)
    INTERNAL = Reason("INTERNAL", COMMON_DOMAIN)


common = CommonReasons()


@dataclasses.dataclass(frozen=True)
class FieldViolation:
    """One bad field: its path ("amount.amount_minor") and what is wrong with it."""

    field: str
    description: str


class DomainError(Exception):
    """Raise this to fail a call with a stable reason; the runtime sends it as `status`.

    keep_effects=True: what the handler wrote commits with the error, which the guard stores and
    replays, because the refusal is itself an outcome to keep (a declined card leaves a FAILED
    intent). Only final codes qualify (a transient one raises ValueError here); calls without an
    idempotency guard (NO_SIDE_EFFECTS methods) ignore the flag.
    """

    def __init__(
        self,
        code: Code,
        reason: Reason,
        message: str,
        *,
        metadata: Mapping[str, str] | None = None,
        violations: Sequence[FieldViolation] = (),
        retry_after: datetime.timedelta | None = None,
        keep_effects: bool = False,
    ) -> None:
        if keep_effects:
            _require_final(code)
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message
        self.metadata = dict(metadata or {})
        self.violations = tuple(violations)
        self.retry_after = retry_after
        self.keep_effects = keep_effects
        self._formed: status_pb2.Status | None = None  # set by from_status

    @staticmethod
    def from_status(status: status_pb2.Status) -> DomainError:
        """The error a google.rpc.Status formed elsewhere stands for; it never keeps effects (a
        downstream's committed at the downstream, a replayed one long ago)."""
        info = _detail(status, error_details_pb2.ErrorInfo)
        bad_request = _detail(status, error_details_pb2.BadRequest)
        retry = _detail(status, error_details_pb2.RetryInfo)
        error = DomainError(
            Code(status.code),
            NO_REASON if info is None else Reason(info.reason, info.domain),
            status.message,
            metadata=None if info is None else info.metadata,
            violations=[]
            if bad_request is None
            else [FieldViolation(v.field, v.description) for v in bad_request.field_violations],
            retry_after=retry.retry_delay.ToTimedelta() if retry and retry.HasField("retry_delay") else None,
        )
        error._formed = status
        return error

    @property
    def status(self) -> status_pb2.Status:
        """What the caller gets: the status this error came as, or the one its parts make."""
        if self._formed is not None:
            return self._formed
        details = [
            _pack(
                error_details_pb2.ErrorInfo(reason=self.reason.name, domain=self.reason.domain, metadata=self.metadata)
            )
        ]
        if self.violations:
            details.append(
                _pack(
                    error_details_pb2.BadRequest(
                        field_violations=[
                            error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                            for v in self.violations
                        ]
                    )
                )
            )
        if self.retry_after is not None:
            delay = duration_pb2.Duration()
            delay.FromTimedelta(self.retry_after)
            details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
        return status_pb2.Status(code=self.code.value, message=self.message, details=details)

    def detail(self, kind: type[DetailT]) -> DetailT | None:
        """The status's first detail of type `kind` (ErrorInfo, RetryInfo, …), or None."""
        return _detail(self.status, kind)


def _require_final(code: Code) -> None:
    """Refuse keeping effects with a transient code: that code asks the caller to retry the same
    request_id, but once the effects and the error are committed a retry can only replay them."""
    if code is Code.OK or not is_final(code):
        raise ValueError(f"keep_effects needs a final error code, not {code.name}")


def _detail(status: status_pb2.Status, kind: type[DetailT]) -> DetailT | None:
    for packed in status.details:
        found = kind()
        if packed.Unpack(found):  # False for a detail of another type
            return found
    return None


def _pack(message: Message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed
