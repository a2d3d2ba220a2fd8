"""Layer 1: the call's SERVER span (mesh.telemetry.server_spans) and its RED metrics."""

from __future__ import annotations

import time
from collections.abc import Callable

import grpc
from google.protobuf.message import Message

from mesh.errors import DomainError
from mesh.grpc_codes import to_grpc
from mesh.interceptors.chain import Call, Layer, Next
from mesh.telemetry.server_spans import ServerSpans

Recorder = Callable[[str, grpc.StatusCode, float], None]


def telemetry_layer(record: Recorder, spans: ServerSpans | None = None) -> Layer:
    """Traces every call under the caller's trace context and counts it with its final status
    code and duration, refused calls included. `spans`: the global tracer provider's by default."""
    spans = spans or ServerSpans()

    async def layer(call: Call, following: Next) -> Message:
        started = time.perf_counter()
        code = grpc.StatusCode.INTERNAL
        with spans.serving(call.info.path, call.metadata) as span:
            try:
                response = await following(call)
                code = grpc.StatusCode.OK
                return response
            except DomainError as err:
                code = to_grpc(err.code)
                span.answered(code, err.message)
                raise
            finally:
                record(call.info.path, code, time.perf_counter() - started)

    return layer
