"""Layer 4: request_id keyed methods run through the idempotency guard; reads pass straight on."""

from __future__ import annotations

from google.protobuf.message import Message

from mesh import context as request_context
from mesh.idempotency import IdempotencyGuard, IdempotencyKey
from mesh.interceptors.chain import Call, Layer, Next


def idempotency_layer(guard: IdempotencyGuard) -> Layer:
    async def layer(call: Call, following: Next) -> Message:
        if not call.info.is_mutation:
            return await following(call)
        ctx = request_context.current()
        key = IdempotencyKey(ctx.tenant, call.info.path, call.request.request_id)
        return await guard.run(key, call.request, call.info.response_class, lambda: following(call))

    return layer
