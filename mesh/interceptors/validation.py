"""Layer 3: protovalidate on every request, before any handler or idempotency key is touched."""

from __future__ import annotations

import grpc
import protovalidate
from google.protobuf.message import Message

from mesh.errors import DomainError, FieldViolation, common
from mesh.interceptors.chain import Call, Layer, Next


def validation_layer(validator: protovalidate.Validator | None = None) -> Layer:
    checker = validator or protovalidate.Validator()  # compiled rules are cached per message type

    async def layer(call: Call, following: Next) -> Message:
        try:
            checker.validate(call.request)
        except protovalidate.ValidationError as err:
            violations = [FieldViolation(field_path(v.proto.field), v.proto.message) for v in err.violations]
            raise DomainError(grpc.StatusCode.INVALID_ARGUMENT, common.VALIDATION_FAILED,
                              f"the request is invalid ({len(violations)} field violation(s))",
                              violations=violations).to_status_error() from None
        return await following(call)

    return layer


def field_path(path) -> str:
    """protovalidate's FieldPath as "items[2].unit_price.amount_minor" (AIP-193 style); "" for a
    rule on the request message itself (a message-level CEL rule), which has no path."""
    parts: list[str] = []
    for element in path.elements if path is not None else ():
        parts.append(("." if parts else "") + element.field_name + _subscript(element))
    return "".join(parts)


def _subscript(element) -> str:
    kind = element.which_oneof("subscript") if hasattr(element, "which_oneof") else None
    if kind is None:
        return ""
    value = getattr(element, kind)
    return f'["{value}"]' if kind == "string_key" else f"[{value}]"
