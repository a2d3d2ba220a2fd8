"""SERVER spans for the RPCs the runtime serves, started by its telemetry layer.

Replaces opentelemetry-instrumentation-grpc's server interceptor, which cost about as much per
call as the rest of the interceptor chain together: an extra grpc.aio interceptor, a proxy
around every servicer context, the metadata copied twice, the peer address parsed, and its
method filter's Protocol `isinstance`. Here the caller's W3C trace context is read from the
metadata the chain already holds, everything per method (name, rpc.* attributes, whether it
is traced at all) is worked out on its first call, and a non-recording span skips the rest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import TracebackType

import grpc
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from mesh.telemetry.methods import MethodFilter, is_traced_method, once_per_method

__all__ = ["ServerSpan", "ServerSpans"]

_SCOPE = "mesh.telemetry.server"
_W3C = TraceContextTextMapPropagator()
_TRACEPARENT = "traceparent"
_NO_CALLER_TRACE = otel_context.Context()  # what the propagator extracts from metadata without one
# Server-side, only these mean the server failed (OpenTelemetry's semantic conventions); the
# others are the caller's mistake or a business answer, and leave the span's status unset.
_SERVER_FAULTS = frozenset(
    {
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.UNIMPLEMENTED,
        grpc.StatusCode.INTERNAL,
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DATA_LOSS,
    }
)


@dataclasses.dataclass(frozen=True)
class _Method:
    path: str
    attributes: Mapping[str, str]

    @classmethod
    def of(cls, path: str) -> _Method:
        service, _, name = path.lstrip("/").partition("/")
        return cls(path, {"rpc.system": "grpc", "rpc.service": service, "rpc.method": name})


class ServerSpans:
    """Starts a SERVER span per served call of a traced method, child of the caller's trace."""

    def __init__(
        self, tracer_provider: trace.TracerProvider | None = None, traced: MethodFilter = is_traced_method
    ) -> None:
        self._tracer = trace.get_tracer(_SCOPE, tracer_provider=tracer_provider)
        self._method = once_per_method(lambda path: _Method.of(path) if traced(path) else None)

    def serving(self, path: str, metadata: Mapping[str, str]) -> ServerSpan:
        """The span of one call of `path`, to enter for the call's duration."""
        method = self._method(path)
        if method is None:
            return _UNTRACED
        # The propagator costs more than the rest of the span when it finds nothing to extract.
        parent = _W3C.extract(metadata) if _TRACEPARENT in metadata else _NO_CALLER_TRACE
        span = self._tracer.start_span(path, context=parent, kind=trace.SpanKind.SERVER, attributes=method.attributes)
        return ServerSpan(span, parent)


class ServerSpan:
    """Current while entered. Ends on exit: OK, the status given to `answered`, or, when an
    exception nobody turned into a status escaped, INTERNAL with the exception recorded."""

    __slots__ = ("span", "_parent", "_token", "_code", "_message")

    def __init__(self, span: trace.Span, parent: otel_context.Context) -> None:
        self.span, self._parent = span, parent
        self._code: grpc.StatusCode | None = None
        self._message = ""

    def answered(self, code: grpc.StatusCode, message: str) -> None:
        self._code, self._message = code, message

    def __enter__(self) -> ServerSpan:
        self._token = otel_context.attach(trace.set_span_in_context(self.span, self._parent))
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        otel_context.detach(self._token)
        if self.span.is_recording():  # nothing to add to a span that only carries ids
            self._record(error)
        self.span.end()

    def _record(self, error: BaseException | None) -> None:
        code = self._code or (grpc.StatusCode.INTERNAL if error is not None else grpc.StatusCode.OK)
        self.span.set_attribute("rpc.grpc.status_code", code.value[0])
        if self._code is None and isinstance(error, Exception):
            self.span.record_exception(error)
        if code in _SERVER_FAULTS:
            message = self._message or f"{type(error).__name__}: {error}"
            self.span.set_status(trace.Status(trace.StatusCode.ERROR, f"{code.name}: {message}"))


class _Untraced(ServerSpan):
    """A method that gets no span: entering, answering and leaving do nothing."""

    def __init__(self) -> None:
        super().__init__(trace.INVALID_SPAN, otel_context.Context())

    def answered(self, code: grpc.StatusCode, message: str) -> None:
        return None

    def __enter__(self) -> ServerSpan:
        return self

    def __exit__(self, *exc_info: object) -> None:
        return None


_UNTRACED = _Untraced()
