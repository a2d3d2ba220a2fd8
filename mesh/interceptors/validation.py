"""Layer 3: every request is validated before any handler or idempotency key is touched.

Two sources of rules, reported together so a caller sees every problem at once: the contract's
protovalidate rules, and the runtime's own (mesh.interceptors.request_checks: no card number in
free text, known ISO 4217 currencies, amounts within their ceiling). Either way the caller gets
INVALID_ARGUMENT / VALIDATION_FAILED with one BadRequest field violation per bad field.
"""

from __future__ import annotations

import protovalidate
from google.protobuf.message import Message

from mesh.errors import Code, DomainError, FieldViolation, common
from mesh.interceptors.chain import Call, Layer, Next
from mesh.interceptors.field_paths import field_path
from mesh.interceptors.request_checks import request_violations

__all__ = ["field_path", "validation_layer", "violations_of"]


def validation_layer(validator: protovalidate.Validator | None = None) -> Layer:
    checker = validator or protovalidate.Validator()  # compiled rules are cached per message type

    async def layer(call: Call, following: Next) -> Message:
        violations = violations_of(call.message, checker)
        if violations:
            raise DomainError(
                Code.INVALID_ARGUMENT,
                common.VALIDATION_FAILED,
                f"the request is invalid ({len(violations)} field violation(s))",
                violations=violations,
            )
        return await following(call)

    return layer


def violations_of(request: Message, checker: protovalidate.Validator) -> list[FieldViolation]:
    """Every rule `request` breaks: protovalidate's first, then the runtime's."""
    try:
        checker.validate(request)
        found = []
    except protovalidate.ValidationError as err:
        found = [FieldViolation(field_path(v.proto.field), v.proto.message) for v in err.violations]
    return found + request_violations(request)
