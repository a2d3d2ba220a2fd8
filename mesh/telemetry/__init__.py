"""Telemetry every service gets: traces across gRPC hops and Pub/Sub, RED metrics, JSON logs
joined to traces, and redaction so no card number or secret is ever logged or exported.

A service's entry point calls, in this order and before creating any server or channel:
`configure_logging(settings)`, `configure_tracing(settings)`, `configure_metrics(settings)`,
`instrument_grpc()`. Served calls get their SERVER span from the runtime's telemetry layer
(`ServerSpans`); with no exporter configured, spans carry ids only (`MeshTracerProvider`).
"""

from mesh.telemetry.grpc_client import client_interceptors
from mesh.telemetry.logging import MeshLogHandler, TraceContextFilter, configure_logging
from mesh.telemetry.methods import is_traced_method
from mesh.telemetry.metrics import (
    ConsumerMetrics,
    ConsumerOutcome,
    RpcMetrics,
    build_meter_provider,
    configure_metrics,
    metric_exporter_for,
)
from mesh.telemetry.redaction import (
    REDACTED,
    REDACTED_PAN,
    SENSITIVE_KEYS,
    RedactionFilter,
    is_sensitive_key,
    redact,
    redact_mapping,
)
from mesh.telemetry.server_spans import ServerSpans
from mesh.telemetry.span_redaction import RedactingSpanExporter, redacted_span
from mesh.telemetry.tracer_provider import MeshTracerProvider
from mesh.telemetry.tracing import (
    build_tracer_provider,
    configure_tracing,
    extract_context,
    inject_traceparent,
    instrument_grpc,
    sampler_for,
    span_exporter_for,
)

__all__ = [
    "REDACTED",
    "REDACTED_PAN",
    "SENSITIVE_KEYS",
    "ConsumerMetrics",
    "ConsumerOutcome",
    "MeshLogHandler",
    "MeshTracerProvider",
    "RedactingSpanExporter",
    "RedactionFilter",
    "RpcMetrics",
    "ServerSpans",
    "TraceContextFilter",
    "build_meter_provider",
    "build_tracer_provider",
    "client_interceptors",
    "configure_logging",
    "configure_metrics",
    "configure_tracing",
    "extract_context",
    "inject_traceparent",
    "instrument_grpc",
    "is_sensitive_key",
    "is_traced_method",
    "metric_exporter_for",
    "redact",
    "redact_mapping",
    "redacted_span",
    "sampler_for",
    "span_exporter_for",
]
