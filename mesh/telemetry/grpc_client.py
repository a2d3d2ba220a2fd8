"""Client spans for grpc.aio calls that never stand in the way of cancellation.

OpenTelemetry's aio client interceptor awaits the call's status inside the interceptor, so
cancelling the caller cancels only the interceptor and the RPC runs on until its deadline
(open-telemetry/opentelemetry-python-contrib#3271): a hedged read's losing attempt, or a call
whose caller gave up, would keep holding the server. These interceptors start the CLIENT span,
put its W3C trace context in the metadata, and hand the call back at once; the span ends when
the call does, from the call's done callback.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import grpc
from opentelemetry import propagate, trace

from mesh.telemetry.methods import MethodFilter, once_per_method
from mesh.telemetry.redaction import redact

__all__ = ["client_interceptors"]

_TRACER = "mesh.telemetry.grpc_client"
_finishing: set[asyncio.Task[None]] = set()  # status readers, held until they end the span


class _ClientTracing:
    """The span-per-call logic shared by the four arities."""

    def __init__(self, tracer_provider: trace.TracerProvider | None, call_filter: MethodFilter | None) -> None:
        self._tracer = trace.get_tracer(_TRACER, tracer_provider=tracer_provider)
        self._traced = once_per_method(call_filter) if call_filter is not None else None

    async def _intercept(self, continuation: Any, details: grpc.aio.ClientCallDetails, request: Any) -> Any:
        method = details.method.decode() if isinstance(details.method, bytes) else details.method
        if self._traced is not None and not self._traced(method):
            return await continuation(details, request)
        span = self._tracer.start_span(method, kind=trace.SpanKind.CLIENT, attributes=_rpc_attributes(method))
        try:
            call = await continuation(_with_trace_context(details, span), request)
        except BaseException as error:
            span.record_exception(error)
            span.set_status(trace.Status(trace.StatusCode.ERROR, redact(f"{type(error).__name__}: {error}")))
            span.end()
            raise
        try:
            call.add_done_callback(lambda done: _finish_span(span, done))
        except NotImplementedError:  # a response a later interceptor made itself: already complete
            _finish_span(span, call)
        return call


class _UnaryUnary(_ClientTracing, grpc.aio.UnaryUnaryClientInterceptor):
    async def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return await self._intercept(continuation, details, request)


class _UnaryStream(_ClientTracing, grpc.aio.UnaryStreamClientInterceptor):
    async def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return await self._intercept(continuation, details, request)


class _StreamUnary(_ClientTracing, grpc.aio.StreamUnaryClientInterceptor):
    async def intercept_stream_unary(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return await self._intercept(continuation, details, request_iterator)


class _StreamStream(_ClientTracing, grpc.aio.StreamStreamClientInterceptor):
    async def intercept_stream_stream(self, continuation: Any, details: Any, request_iterator: Any) -> Any:
        return await self._intercept(continuation, details, request_iterator)


def client_interceptors(
    tracer_provider: trace.TracerProvider | None = None, call_filter: MethodFilter | None = None
) -> list[grpc.aio.ClientInterceptor]:
    """One tracing interceptor per call arity (grpc.aio files each under one arity only).
    `call_filter` gets a method path ("/package.Service/Method") and returns False for methods
    whose calls get no span; it is asked once per method, not per call."""
    return [arity(tracer_provider, call_filter) for arity in (_UnaryUnary, _UnaryStream, _StreamUnary, _StreamStream)]


def _rpc_attributes(method: str) -> dict[str, str]:
    service, _, name = method.lstrip("/").partition("/")
    return {"rpc.system": "grpc", "rpc.service": service, "rpc.method": name}


def _with_trace_context(details: grpc.aio.ClientCallDetails, span: trace.Span) -> grpc.aio.ClientCallDetails:
    metadata = grpc.aio.Metadata(*tuple(details.metadata or ()))
    propagate.inject(metadata, context=trace.set_span_in_context(span))
    # A namedtuple at run time; types-grpcio declares ClientCallDetails a plain ABC.
    replaced: grpc.aio.ClientCallDetails = details._replace(metadata=metadata)  # type: ignore[attr-defined]
    return replaced


def _finish_span(span: trace.Span, call: grpc.aio.Call) -> None:
    """The status is only readable by awaiting; the call is done, so a task reads it at once."""
    ended_at = time.time_ns()
    try:
        task = asyncio.get_running_loop().create_task(_end_with_status(span, call, ended_at))
    except RuntimeError:  # the loop is gone: end the span without its status
        span.end(end_time=ended_at)
        return
    _finishing.add(task)
    task.add_done_callback(_finishing.discard)


async def _end_with_status(span: trace.Span, call: grpc.aio.Call, ended_at: int) -> None:
    try:
        code = await call.code()
        span.set_attribute("rpc.grpc.status_code", code.value[0])
        if code is not grpc.StatusCode.OK:
            span.set_status(trace.Status(trace.StatusCode.ERROR, redact(f"{code.name}: {await call.details()}")))
    finally:
        span.end(end_time=ended_at)
