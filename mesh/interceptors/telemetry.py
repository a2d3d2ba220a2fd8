"""Layer 1: RED metrics per method (spans come from opentelemetry-instrumentation-grpc)."""

from __future__ import annotations

import time
from collections.abc import Callable

import grpc
from google.protobuf.message import Message

from mesh.errors import StatusError
from mesh.interceptors.chain import Call, Layer, Next

Recorder = Callable[[str, grpc.StatusCode, float], None]


def telemetry_layer(record: Recorder) -> Layer:
    """Counts every call with its final status code and duration, refused calls included."""

    async def layer(call: Call, following: Next) -> Message:
        started = time.perf_counter()
        code = grpc.StatusCode.INTERNAL
        try:
            response = await following(call)
            code = grpc.StatusCode.OK
            return response
        except StatusError as err:
            code = err.code
            raise
        finally:
            record(call.info.path, code, time.perf_counter() - started)

    return layer
