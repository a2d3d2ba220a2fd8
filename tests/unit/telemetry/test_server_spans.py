"""SERVER spans from the runtime's telemetry layer: the caller's trace continued, rpc.* attributes,
status codes, methods decided once, and, with no exporter, ids in logs but nothing recorded."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import payment_service_pb2_grpc
from mesh.errors import DomainError, common
from mesh.grpc_codes import from_grpc
from mesh.interceptors import Call, MeshInterceptor
from mesh.interceptors.telemetry import telemetry_layer
from mesh.rpc import methods_of
from mesh.telemetry import MeshTracerProvider, ServerSpans, build_tracer_provider
from tests.fixtures.telemetry import telemetry_settings

SERVICE = "commerce.payments.v1.PaymentService"
GET = f"/{SERVICE}/GetPaymentIntent"
TRACE_ID = "0af7651916cd43dd8448eb211c80319c"
PARENT_SPAN_ID = "b7ad6b7169203331"
TRACEPARENT = f"00-{TRACE_ID}-{PARENT_SPAN_ID}-01"


@pytest.fixture
def quiet_provider() -> Iterator[MeshTracerProvider]:
    """What a service gets with no exporter configured."""
    provider = build_tracer_provider(telemetry_settings())
    yield provider
    provider.shutdown()


@pytest.fixture
def exporting() -> Iterator[tuple[MeshTracerProvider, InMemorySpanExporter]]:
    memory = InMemorySpanExporter()
    provider = build_tracer_provider(telemetry_settings())
    provider.add_span_processor(SimpleSpanProcessor(memory))
    yield provider, memory
    provider.shutdown()


class Recorded:
    """A RED-metrics recorder that keeps what it was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, grpc.StatusCode]] = []

    def __call__(self, method: str, code: grpc.StatusCode, seconds: float) -> None:
        self.calls.append((method, code))


def incoming(path: str = GET, traceparent: str | None = TRACEPARENT) -> Call:
    info = methods_of(SERVICE)[path]
    metadata = {"traceparent": traceparent} if traceparent else {}
    return Call(info, ps.GetPaymentIntentRequest(), None, metadata, tuple(metadata.items()))


async def answer(call: Call) -> ps.GetPaymentIntentResponse:
    return ps.GetPaymentIntentResponse()


async def test_span_continues_the_callers_trace_with_rpc_attributes(exporting):
    provider, memory = exporting

    await telemetry_layer(Recorded(), ServerSpans(provider))(incoming(), answer)

    [span] = memory.get_finished_spans()
    assert span.name == GET
    assert span.kind is trace.SpanKind.SERVER
    assert trace.format_trace_id(span.context.trace_id) == TRACE_ID
    assert trace.format_span_id(span.parent.span_id) == PARENT_SPAN_ID
    assert span.parent.is_remote
    assert dict(span.attributes) == {
        "rpc.system": "grpc",
        "rpc.service": SERVICE,
        "rpc.method": "GetPaymentIntent",
        "rpc.grpc.status_code": 0,
    }
    assert span.status.status_code is trace.StatusCode.UNSET


async def test_call_without_traceparent_starts_a_new_trace(exporting):
    provider, memory = exporting

    await telemetry_layer(Recorded(), ServerSpans(provider))(incoming(traceparent=None), answer)

    [span] = memory.get_finished_spans()
    assert span.parent is None
    assert span.context.is_valid


@pytest.mark.parametrize(
    ("code", "span_status"),
    [
        (grpc.StatusCode.INVALID_ARGUMENT, trace.StatusCode.UNSET),
        (grpc.StatusCode.NOT_FOUND, trace.StatusCode.UNSET),
        (grpc.StatusCode.INTERNAL, trace.StatusCode.ERROR),
        (grpc.StatusCode.UNAVAILABLE, trace.StatusCode.ERROR),
    ],
)
async def test_mapped_status_sets_the_code_and_only_server_faults_are_errors(exporting, code, span_status):
    provider, memory = exporting
    recorded = Recorded()

    async def refuse(call: Call):
        raise DomainError(from_grpc(code), common.INTERNAL, "scripted refusal")

    with pytest.raises(DomainError):
        await telemetry_layer(recorded, ServerSpans(provider))(incoming(), refuse)

    [span] = memory.get_finished_spans()
    assert span.attributes["rpc.grpc.status_code"] == code.value[0]
    assert span.status.status_code is span_status
    assert recorded.calls == [(GET, code)]
    assert not span.events  # a mapped status is an answer, not an escaped exception


async def test_escaped_exception_is_recorded_as_internal(exporting):
    provider, memory = exporting

    async def crash(call: Call):
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await telemetry_layer(Recorded(), ServerSpans(provider))(incoming(), crash)

    [span] = memory.get_finished_spans()
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.INTERNAL.value[0]
    assert span.status.status_code is trace.StatusCode.ERROR
    assert [event.name for event in span.events] == ["exception"]


async def test_untraced_method_gets_no_span_but_is_still_counted(exporting):
    provider, memory = exporting
    recorded = Recorded()

    await telemetry_layer(recorded, ServerSpans(provider, traced=lambda path: False))(incoming(), answer)

    assert memory.get_finished_spans() == ()
    assert recorded.calls == [(GET, grpc.StatusCode.OK)]


async def test_whether_a_method_is_traced_is_decided_once_per_method_not_per_call(exporting):
    provider, memory = exporting
    asked: list[str] = []

    def traced(path: str) -> bool:
        asked.append(path)
        return True

    layer = telemetry_layer(Recorded(), ServerSpans(provider, traced=traced))
    create = f"/{SERVICE}/CreatePaymentIntent"
    for path in (GET, GET, GET, create, GET, create):
        await layer(incoming(path), answer)

    assert asked == [GET, create]
    assert len(memory.get_finished_spans()) == 6


async def test_without_exporter_the_span_carries_the_callers_ids_but_records_nothing(quiet_provider):
    seen: list[trace.Span] = []

    async def look(call: Call):
        seen.append(trace.get_current_span())
        return ps.GetPaymentIntentResponse()

    await telemetry_layer(Recorded(), ServerSpans(quiet_provider))(incoming(), look)

    [span] = seen
    assert not span.is_recording()
    assert trace.format_trace_id(span.get_span_context().trace_id) == TRACE_ID
    assert trace.format_span_id(span.get_span_context().span_id) != PARENT_SPAN_ID  # its own span id
    assert span.get_span_context().trace_flags.sampled  # the caller's decision travels on


async def test_without_exporter_log_lines_of_a_served_call_carry_the_incoming_trace_id(quiet_provider, captured_logs):
    """Over a real server: the caller's traceparent reaches the handler's log line."""

    class Logging(payment_service_pb2_grpc.PaymentServiceServicer):
        async def GetPaymentIntent(self, request, context):
            logging.getLogger("mesh.tests.server_spans").info("reading %s", request.name)
            return ps.GetPaymentIntentResponse()

    layers = [telemetry_layer(Recorded(), ServerSpans(quiet_provider))]
    server = grpc.aio.server(interceptors=[MeshInterceptor(methods_of(SERVICE), layers)])
    payment_service_pb2_grpc.add_PaymentServiceServicer_to_server(Logging(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    # A plain channel: an instrumented one would send its own client span's traceparent instead.
    plain_channel = getattr(grpc.aio.insecure_channel, "__wrapped__", grpc.aio.insecure_channel)
    try:
        async with plain_channel(f"127.0.0.1:{port}") as channel:
            await payment_service_pb2_grpc.PaymentServiceStub(channel).GetPaymentIntent(
                ps.GetPaymentIntentRequest(name="tenants/t-1/paymentIntents/pi_1"),
                metadata=(("traceparent", TRACEPARENT),),
                timeout=10,
            )
    finally:
        await server.stop(grace=None)

    [line] = [entry for entry in captured_logs.lines() if entry["message"].startswith("reading")]
    assert line["trace_id"] == TRACE_ID
    assert line["span_id"] and line["span_id"] != PARENT_SPAN_ID
