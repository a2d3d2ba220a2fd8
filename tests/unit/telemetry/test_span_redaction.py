"""RedactingSpanExporter: spans leave the process without card numbers or secrets."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from mesh.telemetry import REDACTED, REDACTED_PAN, RedactingSpanExporter
from tests.unit.telemetry.cards import ORDER_NUMBER, VISA, carries, grouped


@pytest.fixture
def exported() -> Iterator[tuple[trace.Tracer, InMemorySpanExporter]]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(RedactingSpanExporter(memory)))
    yield provider.get_tracer(__name__), memory
    provider.shutdown()


def test_pan_and_secrets_are_stripped_from_span_attributes(exported):
    tracer, memory = exported
    with tracer.start_as_current_span("authorize") as span:
        span.set_attribute("payment.card", grouped(VISA, " "))
        span.set_attribute("payment.cards", (f"card {VISA}", "none"))
        span.set_attribute("http.request.header.authorization", "Bearer abc")
        span.set_attribute("order.number", ORDER_NUMBER)

    [exported_span] = memory.get_finished_spans()
    assert dict(exported_span.attributes) == {
        "payment.card": REDACTED_PAN,
        "payment.cards": (f"card {REDACTED_PAN}", "none"),
        "http.request.header.authorization": REDACTED,
        "order.number": ORDER_NUMBER,
    }


def test_pan_is_stripped_from_events_status_and_name(exported):
    tracer, memory = exported
    with tracer.start_as_current_span(f"charge {VISA}") as span:
        span.record_exception(ValueError(f"card {VISA} declined"))
        span.set_status(trace.Status(trace.StatusCode.ERROR, f"card {VISA} declined"))
        span.add_event("retry", {"detail": f"card={VISA}"})

    [exported_span] = memory.get_finished_spans()
    assert not carries(exported_span.to_json(), VISA)
    assert exported_span.status.description == f"card {REDACTED_PAN} declined"
    assert [event.name for event in exported_span.events] == ["exception", "retry"]


def test_redacted_span_keeps_identity_timing_and_scope(exported):
    tracer, memory = exported
    with tracer.start_as_current_span("parent") as parent:
        with tracer.start_as_current_span("child", kind=trace.SpanKind.SERVER) as child:
            pass

    exported_child = next(span for span in memory.get_finished_spans() if span.name == "child")
    assert exported_child.context == child.get_span_context()
    assert exported_child.parent.span_id == parent.get_span_context().span_id
    assert exported_child.kind is trace.SpanKind.SERVER
    assert (exported_child.start_time, exported_child.end_time) == (child.start_time, child.end_time)
    assert exported_child.instrumentation_scope.name == __name__


def test_exporter_reports_delegate_result_and_forwards_shutdown():
    memory = InMemorySpanExporter()
    exporter = RedactingSpanExporter(memory)

    exporter.shutdown()

    assert exporter.export([]) is SpanExportResult.FAILURE  # the in-memory exporter refuses once shut down
