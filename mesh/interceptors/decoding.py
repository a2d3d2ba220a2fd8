"""Layer 3: a request whose bytes did not parse is refused with the error contract.

The chain's deserializer marks such a request UNDECODABLE instead of letting grpc.aio answer
UNKNOWN with the DecodeError's text. This layer runs after telemetry, so the refusal is counted,
and before every layer that reads the request.
"""

from __future__ import annotations

from google.protobuf.message import Message

from mesh.errors import Code, DomainError, FieldViolation, common
from mesh.interceptors.chain import UNDECODABLE, Call, Layer, Next


def decoding_layer() -> Layer:
    async def layer(call: Call, following: Next) -> Message:
        if call.request is UNDECODABLE:
            raise undecodable_error(call)
        return await following(call)

    return layer


def undecodable_error(call: Call) -> DomainError:
    """INVALID_ARGUMENT / VALIDATION_FAILED naming only the expected message type: the parser's
    own words describe our internals, not the caller's mistake."""
    expected = call.info.request_class.DESCRIPTOR.full_name
    return DomainError(
        Code.INVALID_ARGUMENT,
        common.VALIDATION_FAILED,
        f"the request body is not a valid {expected} message",
        violations=[FieldViolation("", f"not a valid protobuf encoding of {expected}")],
    )
