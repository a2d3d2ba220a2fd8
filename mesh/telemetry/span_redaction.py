"""Spans leave the process redacted: no card number or secret in a trace backend.

A SpanProcessor cannot change a span once it has ended, and redacting while the span is live
would miss attributes set later, so redaction sits at the last step instead: an exporter that
wraps the real one and hands it scrubbed copies (name, attributes, event names and attributes,
link attributes, status description), leaving identity, timing and resource untouched.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from opentelemetry.trace import Link, Status
from opentelemetry.util.types import Attributes

from mesh.telemetry.redaction import redact, redact_mapping

__all__ = ["RedactingSpanExporter", "redacted_span"]


class RedactingSpanExporter(SpanExporter):
    """Delegates to `delegate` the redacted copies of the spans it is given."""

    def __init__(self, delegate: SpanExporter) -> None:
        self.delegate = delegate

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return self.delegate.export([redacted_span(span) for span in spans])

    def shutdown(self) -> None:
        self.delegate.shutdown()

    def force_flush(self, timeout_millis: int = 30_000) -> bool:
        return self.delegate.force_flush(timeout_millis)


class _RedactedSpan(ReadableSpan):
    """A copy that keeps the original's dropped counts, which the exporters report."""

    def __init__(self, original: ReadableSpan, **fields: Any) -> None:
        super().__init__(**fields)
        self._original = original

    @property
    def dropped_attributes(self) -> int:
        return self._original.dropped_attributes

    @property
    def dropped_events(self) -> int:
        return self._original.dropped_events

    @property
    def dropped_links(self) -> int:
        return self._original.dropped_links


def redacted_span(span: ReadableSpan) -> ReadableSpan:
    """A copy of `span` whose text can carry no card number or secret."""
    return _RedactedSpan(
        span,
        name=redact(span.name),
        context=span.context,
        parent=span.parent,
        resource=span.resource,
        attributes=_redacted_attributes(span.attributes),
        events=[Event(redact(e.name), _redacted_attributes(e.attributes), e.timestamp) for e in span.events],
        links=[Link(link.context, _redacted_attributes(link.attributes)) for link in span.links],
        kind=span.kind,
        status=_redacted_status(span.status),
        start_time=span.start_time,
        end_time=span.end_time,
        instrumentation_scope=span.instrumentation_scope,
    )


def _redacted_attributes(attributes: Attributes) -> Attributes:
    return redact_mapping(attributes) if attributes else attributes


def _redacted_status(status: Status) -> Status:
    if not status.description:
        return status
    return Status(status.status_code, redact(status.description))
