"""Client tracing interceptors: a span per call, trace context in metadata, the call handed back at once."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from mesh.telemetry import client_interceptors, extract_context
from tests.waiting import eventually

METHOD = "/commerce.payments.v1.PaymentService/GetPaymentIntent"


class PendingCall:
    """A call that completes only when the test says so."""

    def __init__(self) -> None:
        self._callbacks: list = []
        self._code: grpc.StatusCode | None = None

    def add_done_callback(self, callback) -> None:
        self._callbacks.append(callback)

    def complete(self, code: grpc.StatusCode) -> None:
        self._code = code
        for callback in self._callbacks:
            callback(self)

    async def code(self) -> grpc.StatusCode:
        return self._code

    async def details(self) -> str:
        return "scripted"


@pytest.fixture
def tracing() -> Iterator[tuple[TracerProvider, InMemorySpanExporter]]:
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    yield provider, memory
    provider.shutdown()


def _unary_unary(provider: TracerProvider, call_filter=None) -> grpc.aio.UnaryUnaryClientInterceptor:
    return client_interceptors(provider, call_filter)[0]


def _details(metadata=None) -> grpc.aio.ClientCallDetails:
    return grpc.aio.ClientCallDetails(METHOD, 5.0, metadata, None, None)


async def _wait_for_spans(memory: InMemorySpanExporter, count: int) -> None:
    """The span ends from a task started by the call's done callback: wait for it, boundedly."""
    await eventually(lambda: len(memory.get_finished_spans()) >= count, f"{count} client spans ending")


async def test_interceptor_hands_back_the_call_before_it_completes(tracing):
    provider, memory = tracing
    call, sent = PendingCall(), {}

    async def continuation(details, request):
        sent["metadata"] = details.metadata
        return call

    returned = await _unary_unary(provider).intercept_unary_unary(continuation, _details(), b"request")

    assert returned is call  # so cancelling the caller cancels the RPC itself
    assert memory.get_finished_spans() == ()
    assert "traceparent" in dict(sent["metadata"])


async def test_span_ends_with_call_status_and_names_the_sent_trace_context(tracing):
    provider, memory = tracing
    call, sent = PendingCall(), {}

    async def continuation(details, request):
        sent["metadata"] = dict(details.metadata)
        return call

    with provider.get_tracer(__name__).start_as_current_span("checkout") as parent:
        details = _details((("x-commerce-tenant", "acme"),))
        await _unary_unary(provider).intercept_unary_unary(continuation, details, b"")
    call.complete(grpc.StatusCode.NOT_FOUND)
    await _wait_for_spans(memory, 2)

    client = next(span for span in memory.get_finished_spans() if span.kind is trace.SpanKind.CLIENT)
    remote = trace.get_current_span(extract_context(sent["metadata"])).get_span_context()
    assert sent["metadata"]["x-commerce-tenant"] == "acme"
    assert (remote.trace_id, remote.span_id) == (parent.get_span_context().trace_id, client.context.span_id)
    assert client.attributes["rpc.method"] == "GetPaymentIntent"
    assert client.attributes["rpc.grpc.status_code"] == grpc.StatusCode.NOT_FOUND.value[0]
    assert client.status.status_code is trace.StatusCode.ERROR


async def test_span_ends_when_the_call_cannot_start(tracing):
    provider, memory = tracing

    async def continuation(details, request):
        raise grpc.aio.UsageError("channel closed")

    with pytest.raises(grpc.aio.UsageError):
        await _unary_unary(provider).intercept_unary_unary(continuation, _details(), b"")

    [span] = memory.get_finished_spans()
    assert span.status.status_code is trace.StatusCode.ERROR


async def test_filtered_out_call_gets_no_span_and_no_trace_context(tracing):
    provider, memory = tracing
    call, sent = PendingCall(), {}

    async def continuation(details, request):
        sent["metadata"] = details.metadata
        return call

    untraced = _unary_unary(provider, call_filter=lambda details: False)
    await untraced.intercept_unary_unary(continuation, _details(), b"")
    call.complete(grpc.StatusCode.OK)

    assert sent["metadata"] is None
    assert memory.get_finished_spans() == ()


async def test_call_filter_is_asked_once_per_method_not_per_call(tracing):
    provider, memory = tracing
    asked: list[str] = []

    def traced(method: str) -> bool:
        asked.append(method)
        return True

    interceptor = _unary_unary(provider, call_filter=traced)
    for _ in range(4):
        call = PendingCall()

        async def continuation(details, request, call=call):
            return call

        await interceptor.intercept_unary_unary(continuation, _details(), b"")
        call.complete(grpc.StatusCode.OK)
    await _wait_for_spans(memory, 4)

    assert asked == [METHOD]


async def test_span_ends_at_once_when_a_later_interceptor_answered_itself(tracing):
    provider, memory = tracing

    class AnsweredCall(PendingCall):
        def add_done_callback(self, callback) -> None:
            raise NotImplementedError  # what grpc.aio's UnaryUnaryCallResponse does

    answered = AnsweredCall()
    answered.complete(grpc.StatusCode.OK)

    async def continuation(details, request):
        return answered

    await _unary_unary(provider).intercept_unary_unary(continuation, _details(), b"")
    await _wait_for_spans(memory, 1)

    [span] = memory.get_finished_spans()
    assert span.attributes["rpc.grpc.status_code"] == grpc.StatusCode.OK.value[0]
    assert span.status.status_code is trace.StatusCode.UNSET


def test_client_interceptors_cover_every_arity():
    kinds = (
        grpc.aio.UnaryUnaryClientInterceptor,
        grpc.aio.UnaryStreamClientInterceptor,
        grpc.aio.StreamUnaryClientInterceptor,
        grpc.aio.StreamStreamClientInterceptor,
    )

    interceptors = client_interceptors()

    assert len(interceptors) == len(kinds)
    assert all(isinstance(interceptor, kind) for interceptor, kind in zip(interceptors, kinds, strict=True))
