"""The error contract: one way to fail, for every service.

A handler raises `DomainError(code, reason, message, …)`; the runtime turns it into a gRPC status
whose details hold `google.rpc.ErrorInfo{reason, domain, metadata}` and, where they apply,
`BadRequest` field violations and `RetryInfo`. `reason` is the name of a value of a domain's
`ErrorReason` enum without the `ERROR_REASON_` prefix; `domain` is that enum's proto package.
Messages travel to callers, so they never carry secrets, card numbers or internals.

A handler's effects normally roll back with its error. `keep_effects=True` is "commit and fail":
the effects and the error commit together (the idempotency guard stores the error in the same
transaction), for a refusal that is itself a fact worth keeping, such as a declined card.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping, Sequence

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.protobuf.internal import enum_type_wrapper
from google.rpc import code_pb2, error_details_pb2, status_pb2

from commerce.type.v1 import error_reason_pb2
from mesh.status_codes import is_final

REASON_PREFIX = "ERROR_REASON_"
COMMON_DOMAIN = "commerce.type.v1"

__all__ = [
    "COMMON_DOMAIN",
    "DomainError",
    "FieldViolation",
    "Reason",
    "StatusError",
    "common",
    "reason_of",
]


@dataclasses.dataclass(frozen=True)
class Reason:
    """A stable error reason: `name` (UPPER_SNAKE) within `domain` (a proto package)."""

    name: str
    domain: str


def reason_of(enum: enum_type_wrapper.EnumTypeWrapper, value: int) -> Reason:
    """The Reason of an ErrorReason enum value, e.g. reason_of(payments ErrorReason, CARD_DECLINED)."""
    name = enum.Name(value)
    if not name.startswith(REASON_PREFIX):
        raise ValueError(f"{name} is not an ErrorReason value")
    return Reason(name.removeprefix(REASON_PREFIX), enum.DESCRIPTOR.file.package)


class _Common:
    """The shared reasons of commerce.type.v1.ErrorReason, as attributes: common.NOT_FOUND, …"""

    def __getattr__(self, name: str) -> Reason:
        try:
            return reason_of(error_reason_pb2.ErrorReason, error_reason_pb2.ErrorReason.Value(REASON_PREFIX + name))
        except ValueError:
            raise AttributeError(name) from None


common = _Common()


@dataclasses.dataclass(frozen=True)
class FieldViolation:
    """One bad field: its path ("amount.amount_minor") and what is wrong with it."""

    field: str
    description: str


class StatusError(Exception):
    """A fully formed google.rpc.Status on its way to the caller.

    `keeps_effects`: the handler's effects commit with this error instead of rolling back
    (see DomainError's keep_effects); only the idempotency guard acts on it.
    """

    def __init__(self, status: status_pb2.Status, *, keeps_effects: bool = False) -> None:
        if keeps_effects:
            _require_final(_GRPC_CODES[status.code])
        super().__init__(status.message)
        self.status = status
        self.keeps_effects = keeps_effects

    @property
    def code(self) -> grpc.StatusCode:
        return _GRPC_CODES[self.status.code]

    @property
    def reason(self) -> str | None:
        info = self.detail(error_details_pb2.ErrorInfo)
        return info.reason if info else None

    def detail(self, cls):
        for packed in self.status.details:
            if packed.Is(cls.DESCRIPTOR):
                found = cls()
                packed.Unpack(found)
                return found
        return None

    def to_grpc_status(self) -> grpc.Status:
        from grpc_status import rpc_status

        return rpc_status.to_status(self.status)


class DomainError(Exception):
    """Raise this from a handler to fail a call with a stable reason.

    keep_effects=True: what the handler wrote commits with the error, which the guard stores and
    replays, because the refusal is itself an outcome to keep (a declined card leaves a FAILED
    intent). Only final codes qualify (a transient one raises ValueError here); calls without an
    idempotency guard (NO_SIDE_EFFECTS methods) ignore the flag.
    """

    def __init__(
        self,
        code: grpc.StatusCode,
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

    def to_status(self) -> status_pb2.Status:
        details = [_pack(error_details_pb2.ErrorInfo(reason=self.reason.name, domain=self.reason.domain,
                                                     metadata=self.metadata))]
        if self.violations:
            details.append(_pack(error_details_pb2.BadRequest(field_violations=[
                error_details_pb2.BadRequest.FieldViolation(field=v.field, description=v.description)
                for v in self.violations])))
        if self.retry_after is not None:
            delay = duration_pb2.Duration()
            delay.FromTimedelta(self.retry_after)
            details.append(_pack(error_details_pb2.RetryInfo(retry_delay=delay)))
        return status_pb2.Status(code=self.code.value[0], message=self.message, details=details)

    def to_status_error(self) -> StatusError:
        return StatusError(self.to_status(), keeps_effects=self.keep_effects)


def _require_final(code: grpc.StatusCode) -> None:
    """Refuse keeping effects with a transient code: that code asks the caller to retry the same
    request_id, but once the effects and the error are committed a retry can only replay them."""
    if code is grpc.StatusCode.OK or not is_final(code):
        raise ValueError(f"keep_effects needs a final error code, not {code.name}")


def _pack(message) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)
    return packed


_GRPC_CODES = {code.value[0]: code for code in grpc.StatusCode}
assert _GRPC_CODES[code_pb2.INTERNAL] is grpc.StatusCode.INTERNAL
