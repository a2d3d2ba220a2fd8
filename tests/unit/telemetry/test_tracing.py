"""Tracing configuration, W3C propagation through message attributes, gRPC instrumentation."""

from __future__ import annotations

import socket

import grpc
import pytest
from opentelemetry import propagate, trace
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from mesh.config import MeshSettings
from mesh.telemetry import (
    MeshTracerProvider,
    RedactingSpanExporter,
    build_tracer_provider,
    configure_tracing,
    extract_context,
    inject_traceparent,
    instrument_grpc,
    sampler_for,
    span_exporter_for,
)
from tests.fixtures.telemetry import telemetry_settings
from tests.waiting import eventually

SAMPLED_PARENT = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"}
UNSAMPLED_PARENT = {"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"}


def test_span_exporter_for_no_collector_and_no_console_is_none():
    assert span_exporter_for(telemetry_settings()) is None


def test_span_exporter_for_console_is_redacting_console_exporter():
    exporter = span_exporter_for(telemetry_settings(otel_console=True))

    assert isinstance(exporter, RedactingSpanExporter)
    assert isinstance(exporter.delegate, ConsoleSpanExporter)


@pytest.mark.parametrize("console", [False, True])
def test_span_exporter_for_collector_is_redacting_otlp_exporter(console):
    # Port 9 (discard) on loopback: nothing listens, and building the exporter must not care.
    settings = telemetry_settings(otel_exporter_otlp_endpoint="http://127.0.0.1:9", otel_console=console)

    exporter = span_exporter_for(settings)
    try:
        assert isinstance(exporter, RedactingSpanExporter)
        assert isinstance(exporter.delegate, OTLPSpanExporter)
    finally:
        exporter.shutdown()


def test_build_tracer_provider_names_service_and_creates_valid_spans_without_exporter():
    provider = build_tracer_provider(telemetry_settings(service_name="tracing-svc"))
    try:
        span = provider.get_tracer(__name__).start_span("work")
        span.end()

        assert provider.resource.attributes["service.name"] == "tracing-svc"
        assert span.get_span_context().is_valid
    finally:
        provider.shutdown()


def test_sampler_from_settings_is_parent_based_ratio():
    sampler = sampler_for(telemetry_settings(otel_traces_sampler_ratio=0.25))

    assert sampler.get_description().startswith("ParentBased{root:TraceIdRatioBased{0.25}")


def test_sampler_ratio_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_RATIO", "0.1")

    assert MeshSettings().otel_traces_sampler_ratio == 0.1


@pytest.mark.parametrize("ratio", [-0.1, 1.5])
def test_sampler_ratio_outside_zero_to_one_is_refused(ratio):
    with pytest.raises(ValueError):
        telemetry_settings(otel_traces_sampler_ratio=ratio)


@pytest.mark.parametrize(
    ("ratio", "parent", "sampled"),
    [(0.0, None, False), (1.0, None, True), (0.0, SAMPLED_PARENT, True), (1.0, UNSAMPLED_PARENT, False)],
)
def test_root_spans_follow_the_ratio_and_children_their_parent(ratio, parent, sampled):
    provider = build_tracer_provider(telemetry_settings(otel_traces_sampler_ratio=ratio))
    provider.add_span_processor(SimpleSpanProcessor(InMemorySpanExporter()))
    try:
        context = extract_context(parent) if parent else None
        span = provider.get_tracer(__name__).start_span("work", context=context)

        assert span.get_span_context().trace_flags.sampled is sampled
        assert span.is_recording() is sampled
    finally:
        provider.shutdown()


def test_without_exporter_no_span_is_recorded_yet_ids_are_real():
    provider = build_tracer_provider(telemetry_settings())
    try:
        tracer = provider.get_tracer(__name__)
        root = tracer.start_span("root")
        child = tracer.start_span("child", context=extract_context(SAMPLED_PARENT))

        assert isinstance(provider, MeshTracerProvider) and not provider.records_spans
        assert not root.is_recording() and root.get_span_context().is_valid
        assert not child.is_recording()
        assert f"{child.get_span_context().trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"
        assert child.get_span_context().trace_flags.sampled  # the caller's decision, for the next hop
    finally:
        provider.shutdown()


def test_without_exporter_a_parents_decision_travels_on_unchanged():
    provider = build_tracer_provider(telemetry_settings())
    try:
        tracer = provider.get_tracer(__name__)
        for parent in (SAMPLED_PARENT, UNSAMPLED_PARENT):
            with tracer.start_as_current_span("hop", context=extract_context(parent)):
                onward = inject_traceparent({})

            assert onward["traceparent"].endswith(parent["traceparent"][-3:])
            assert onward["traceparent"].split("-")[1] == parent["traceparent"].split("-")[1]
    finally:
        provider.shutdown()


def test_span_processor_added_later_starts_recording():
    provider = build_tracer_provider(telemetry_settings())
    memory = InMemorySpanExporter()
    try:
        tracer = provider.get_tracer(__name__)
        tracer.start_span("before").end()
        provider.add_span_processor(SimpleSpanProcessor(memory))
        tracer.start_span("after").end()

        assert provider.records_spans
        assert [span.name for span in memory.get_finished_spans()] == ["after"]
    finally:
        provider.shutdown()


def test_configure_tracing_twice_returns_the_global_provider(captured_spans):
    first = configure_tracing(telemetry_settings())
    second = configure_tracing(telemetry_settings(service_name="someone-else", otel_console=True))

    assert first is second is trace.get_tracer_provider()
    assert isinstance(first, TracerProvider)
    assert isinstance(propagate.get_global_textmap(), TraceContextTextMapPropagator)


def test_traceparent_round_trip_keeps_trace_and_span_ids(captured_spans):
    with trace.get_tracer(__name__).start_as_current_span("publish") as span:
        attributes = inject_traceparent({"event_type": "OrderPlaced"})

    remote = trace.get_current_span(extract_context(attributes)).get_span_context()
    assert attributes["traceparent"].startswith("00-")
    assert attributes["event_type"] == "OrderPlaced"
    assert remote.is_remote
    assert (remote.trace_id, remote.span_id) == (span.get_span_context().trace_id, span.get_span_context().span_id)


def test_consumer_span_continues_the_publisher_trace(captured_spans):
    tracer = trace.get_tracer(__name__)
    with tracer.start_as_current_span("publish") as publish:
        attributes = inject_traceparent({})

    with tracer.start_as_current_span("consume", context=extract_context(attributes)) as consume:
        pass

    assert consume.get_span_context().trace_id == publish.get_span_context().trace_id
    assert consume.parent.span_id == publish.get_span_context().span_id


@pytest.mark.parametrize("carrier", [{}, {"traceparent": "not-a-traceparent"}])
def test_extract_context_without_valid_traceparent_has_no_parent(carrier):
    assert not trace.get_current_span(extract_context(carrier)).get_span_context().is_valid


def test_inject_traceparent_outside_any_span_writes_nothing():
    assert inject_traceparent({}) == {}


def test_instrument_grpc_wraps_aio_channel_factories_once_and_leaves_servers_alone():
    instrument_grpc()
    factories = (grpc.aio.server, grpc.aio.insecure_channel, grpc.aio.secure_channel)

    instrument_grpc()

    # Server spans come from the runtime's telemetry layer; a server interceptor would double them.
    assert factories[0].__module__ == "grpc.aio._server"
    assert all(hasattr(factory, "__wrapped__") for factory in factories[1:])
    assert not hasattr(factories[1].__wrapped__, "__wrapped__")  # wrapped once, not twice
    assert (grpc.aio.server, grpc.aio.insecure_channel, grpc.aio.secure_channel) == factories


async def test_instrumented_channel_records_client_span_with_status(captured_spans):
    instrument_grpc()
    with socket.socket() as unused:  # bound, never listening: the call is refused at once
        unused.bind(("127.0.0.1", 0))
        async with grpc.aio.insecure_channel(f"127.0.0.1:{unused.getsockname()[1]}") as channel:
            with pytest.raises(grpc.aio.AioRpcError) as refused:
                await channel.unary_unary("/mesh.test.v1.Probe/Ping")(b"", timeout=10)

    # The span ends from the call's done callback, a loop turn later.
    await eventually(captured_spans.get_finished_spans, "the client span ending")
    [span] = captured_spans.get_finished_spans()
    assert span.kind is trace.SpanKind.CLIENT
    assert span.attributes["rpc.service"] == "mesh.test.v1.Probe"
    assert span.attributes["rpc.grpc.status_code"] == refused.value.code().value[0]
    assert span.status.status_code is trace.StatusCode.ERROR
