"""A tracer provider that records spans only once something will export them.

Until its first span processor is added, its tracers hand out non-recording spans that still
carry real ids: the upstream trace id (or a new one), a fresh span id, and the sampled flag the
sampler decided. So log lines join the caller's trace and the next hop inherits the decision,
while no span object, attribute or processor call is paid for. A sampler answering DROP
would be as cheap but would tell every downstream service the trace is unsampled: the SDK
ties the sampled flag to recording.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.trace import SpanProcessor, Tracer, TracerProvider
from opentelemetry.util.types import Attributes

if TYPE_CHECKING:
    from opentelemetry.util._decorator import _AgnosticContextManager  # what Tracer.start_as_current_span returns

__all__ = ["MeshTracerProvider"]


class MeshTracerProvider(TracerProvider):
    """An SDK TracerProvider that records from its first span processor on."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._records = False

    @property
    def records_spans(self) -> bool:
        """Whether spans are recorded: only once a span processor (an exporter) is attached."""
        return self._records

    def add_span_processor(self, span_processor: SpanProcessor) -> None:
        super().add_span_processor(span_processor)
        self._records = True

    def get_tracer(self, *args: Any, **kwargs: Any) -> trace.Tracer:
        tracer = super().get_tracer(*args, **kwargs)
        return _TracerUntilExported(tracer, self) if isinstance(tracer, Tracer) else tracer  # else: SDK disabled

    def unrecorded_span(
        self,
        name: str,
        context: Context | None,
        kind: trace.SpanKind,
        attributes: Attributes,
        links: Sequence[trace.Link] | None,
    ) -> trace.NonRecordingSpan:
        """A span with ids and the sampler's decision, and nothing else; both are worked out
        when first asked for (a call that logs nothing and calls no one never needs them)."""
        parent = trace.get_current_span(context).get_span_context()

        def span_context() -> trace.SpanContext:
            trace_id = parent.trace_id if parent.is_valid else self.id_generator.generate_trace_id()
            sampled = self.sampler.should_sample(context, trace_id, name, kind, attributes, links)
            flags = trace.TraceFlags.SAMPLED if sampled.decision.is_sampled() else trace.TraceFlags.DEFAULT
            return trace.SpanContext(
                trace_id,
                self.id_generator.generate_span_id(),
                is_remote=False,
                trace_flags=trace.TraceFlags(flags),
                trace_state=sampled.trace_state,
            )

        return _IdsOnDemand(span_context)


class _IdsOnDemand(trace.NonRecordingSpan):
    """A non-recording span whose SpanContext is made on its first use, then kept."""

    def __init__(self, make: Callable[[], trace.SpanContext]) -> None:
        super().__init__(trace.INVALID_SPAN_CONTEXT)
        self._make: Callable[[], trace.SpanContext] | None = make

    def get_span_context(self) -> trace.SpanContext:
        if self._make is not None:
            self._context, self._make = self._make(), None
        return self._context


class _TracerUntilExported(trace.Tracer):
    """The SDK tracer once the provider records; unrecorded spans before."""

    def __init__(self, tracer: Tracer, provider: MeshTracerProvider) -> None:
        self._tracer = tracer
        self._provider = provider

    def start_span(
        self,
        name: str,
        context: Context | None = None,
        kind: trace.SpanKind = trace.SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[trace.Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
    ) -> trace.Span:
        if self._provider.records_spans:
            return self._tracer.start_span(
                name, context, kind, attributes, links, start_time, record_exception, set_status_on_exception
            )
        return self._provider.unrecorded_span(name, context, kind, attributes, links)

    def start_as_current_span(
        self,
        name: str,
        context: Context | None = None,
        kind: trace.SpanKind = trace.SpanKind.INTERNAL,
        attributes: Attributes = None,
        links: Sequence[trace.Link] | None = None,
        start_time: int | None = None,
        record_exception: bool = True,
        set_status_on_exception: bool = True,
        end_on_exit: bool = True,
    ) -> _AgnosticContextManager[trace.Span]:
        if self._provider.records_spans:
            return self._tracer.start_as_current_span(
                name,
                context,
                kind,
                attributes,
                links,
                start_time,
                record_exception,
                set_status_on_exception,
                end_on_exit,
            )
        span = self._provider.unrecorded_span(name, context, kind, attributes, links)
        return trace.use_span(span, end_on_exit=end_on_exit)
