"""Traces: one tracer provider per process, gRPC instrumented, W3C trace context everywhere.

OpenTelemetry lets the global tracer provider be set once per process, so `configure_tracing`
installs one the first time and hands back that same provider afterwards. New traces are
sampled at `otel_traces_sampler_ratio`; a call with a parent follows the parent's decision.
With no exporter, spans carry ids but are not recorded (`MeshTracerProvider`), so logs still
carry the caller's trace id at almost no cost. Whatever does export spans (an OTLP/gRPC
collector or the console) gets them through `RedactingSpanExporter`.

Across Pub/Sub, trace context travels as W3C `traceparent`/`tracestate` message attributes
(`inject_traceparent`, `extract_context`), which any consumer can read, unlike a client
library's private attribute.
"""

from __future__ import annotations

import functools
import inspect
import threading
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any

import grpc
from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import ParentBased, Sampler, TraceIdRatioBased
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from mesh.config import MeshSettings
from mesh.telemetry.grpc_client import client_interceptors
from mesh.telemetry.methods import MethodFilter, is_traced_method
from mesh.telemetry.span_redaction import RedactingSpanExporter
from mesh.telemetry.tracer_provider import MeshTracerProvider

__all__ = [
    "build_tracer_provider",
    "configure_tracing",
    "extract_context",
    "inject_traceparent",
    "instrument_grpc",
    "sampler_for",
    "span_exporter_for",
]

_W3C = TraceContextTextMapPropagator()
_lock = threading.Lock()
_grpc_instrumented = False


def span_exporter_for(settings: MeshSettings) -> RedactingSpanExporter | None:
    """The redacting exporter the settings ask for: OTLP/gRPC when a collector is named, else the
    console when asked, else none. Building it opens no connection."""
    exporter: SpanExporter
    if settings.otel_exporter_otlp_endpoint:
        endpoint = settings.otel_exporter_otlp_endpoint
        # In-cluster collectors speak plaintext; only an explicit https:// endpoint means TLS.
        exporter = OTLPSpanExporter(endpoint=endpoint, insecure=not endpoint.startswith("https://"))
    elif settings.otel_console:
        exporter = ConsoleSpanExporter(service_name=settings.service_name)
    else:
        return None
    return RedactingSpanExporter(exporter)


def sampler_for(settings: MeshSettings) -> Sampler:
    """New traces sampled at the configured ratio; a span with a parent follows the parent."""
    return ParentBased(TraceIdRatioBased(settings.otel_traces_sampler_ratio))


def build_tracer_provider(settings: MeshSettings) -> MeshTracerProvider:
    """A tracer provider for the service, exporting as `span_exporter_for` decides.

    The collector gets batches off the request path; the console, a development aid, prints
    each span as it ends. No exporter: no span processor, so spans carry ids and nothing more.
    """
    provider = MeshTracerProvider(
        sampler=sampler_for(settings), resource=Resource.create({SERVICE_NAME: settings.service_name})
    )
    exporter = span_exporter_for(settings)
    if exporter is not None:
        batched = isinstance(exporter.delegate, OTLPSpanExporter)
        provider.add_span_processor(BatchSpanProcessor(exporter) if batched else SimpleSpanProcessor(exporter))
    return provider


def configure_tracing(settings: MeshSettings) -> TracerProvider:
    """The process's tracer provider, installed globally with the W3C trace-context propagator.

    The first call decides: later calls (whatever their settings) return the same provider,
    as does a call after someone else installed an SDK provider.
    """
    with _lock:
        provider = trace.get_tracer_provider()
        if not isinstance(provider, TracerProvider):
            provider = build_tracer_provider(settings)
            trace.set_tracer_provider(provider)
        propagate.set_global_textmap(_W3C)
        return provider


def instrument_grpc() -> None:
    """Trace every grpc.aio channel created from now on, once per process.

    Call it before creating channels: it replaces the `insecure_channel` and `secure_channel`
    factories, and only channels created through them afterwards are traced. They get
    `client_interceptors`, not OpenTelemetry's client interceptor, which breaks cancellation.
    Servers are not touched: their SERVER spans come from the runtime's telemetry layer
    (mesh.telemetry.server_spans), at a fraction of OpenTelemetry's server interceptor's cost.
    Health checks and reflection are left out (`is_traced_method`).
    """
    global _grpc_instrumented
    with _lock:
        if _grpc_instrumented:
            return
        grpc.aio.insecure_channel = _with_client_tracing(grpc.aio.insecure_channel, is_traced_method)
        grpc.aio.secure_channel = _with_client_tracing(grpc.aio.secure_channel, is_traced_method)
        _grpc_instrumented = True


def _with_client_tracing(
    factory: Callable[..., grpc.aio.Channel], traced: MethodFilter
) -> Callable[..., grpc.aio.Channel]:
    """`factory` with the tracing interceptors put first, however the caller passes its own."""
    signature = inspect.signature(factory)

    @functools.wraps(factory)
    def traced_factory(*args: Any, **kwargs: Any) -> grpc.aio.Channel:
        bound = signature.bind(*args, **kwargs)
        bound.arguments["interceptors"] = [
            *client_interceptors(call_filter=traced),
            *(bound.arguments.get("interceptors") or ()),
        ]
        return factory(*bound.args, **bound.kwargs)

    return traced_factory


def inject_traceparent(carrier: MutableMapping[str, str], context: Context | None = None) -> MutableMapping[str, str]:
    """Write the W3C `traceparent` (and `tracestate`, if any) of `context` (default: the current
    one) into `carrier`, e.g. Pub/Sub message attributes; returns the carrier."""
    _W3C.inject(carrier, context=context)
    return carrier


def extract_context(carrier: Mapping[str, str]) -> Context:
    """The context whose remote parent is the span named by the carrier's W3C `traceparent`;
    an empty context when it has none or it is malformed."""
    return _W3C.extract(carrier)
