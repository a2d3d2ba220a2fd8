"""Layer 4: request_id keyed methods run through the idempotency guard; reads pass straight on."""

from __future__ import annotations

import grpc
from google.protobuf.message import Message

from mesh import context as request_context
from mesh.errors import DomainError
from mesh.idempotency import IdempotencyGuard, IdempotencyKey
from mesh.interceptors.chain import Call, Layer, Next
from mesh.interceptors.error_mapping import contract_error


def idempotency_layer(guard: IdempotencyGuard) -> Layer:
    async def layer(call: Call, following: Next) -> Message:
        if not call.info.is_mutation:
            return await following(call)
        # The auth layer, ahead of this one, bound the context: current_tenant() never guesses.
        request = call.message
        key = IdempotencyKey(request_context.current_tenant(), call.info.path, _request_id(request))
        try:
            return await guard.run(key, request, call.info.response_class, lambda: following(call))
        except (DomainError, grpc.aio.AbortError):
            raise
        except Exception as err:
            # The guard's own failure (its durable record, its fast path): the handler's were
            # mapped already, inside it. Without this the caller got UNKNOWN and the exception's text.
            raise contract_error(call, err) from err

    return layer


def _request_id(request: Message) -> str:
    """The request's request_id: the contract gives one to the request of every IDEMPOTENT method."""
    request_id = getattr(request, "request_id", None)
    if not isinstance(request_id, str):
        raise TypeError(f"{request.DESCRIPTOR.full_name} is a mutation's request without a request_id")
    return request_id
