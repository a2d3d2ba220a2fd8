"""RED metrics: rate, errors and duration per RPC method and per event consumer.

Each RPC adds one to `rpc.server.requests` {rpc.method, rpc.grpc.status_code} and one
observation, in seconds, to `rpc.server.duration` with the same attributes; the error rate is
the share of requests whose status code is not OK, so no separate error counter exists.
Consumers do the same with `messaging.consumer.messages` / `messaging.consumer.duration`
{messaging.destination, outcome}.

Instruments come from the global meter provider unless one is given: instruments made before
`configure_metrics` start recording once it runs; tests pass a provider with an
`InMemoryMetricReader` to read what was recorded.
"""

from __future__ import annotations

import enum
import threading

import grpc
from opentelemetry import metrics
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import MetricExporter, MetricReader, PeriodicExportingMetricReader
from opentelemetry.sdk.resources import SERVICE_NAME, Resource

from mesh.config import MeshSettings

__all__ = [
    "ConsumerMetrics",
    "ConsumerOutcome",
    "RpcMetrics",
    "build_meter_provider",
    "configure_metrics",
    "metric_exporter_for",
]

_SCOPE = "mesh.telemetry"
# Seconds, from 5 ms to 10 s: the SDK's default buckets are sized for milliseconds.
_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
_lock = threading.Lock()


class ConsumerOutcome(enum.StrEnum):
    """What became of a consumed message."""

    ACKED = "acked"  # handled, effects committed
    DUPLICATE = "duplicate"  # already seen: acked without effects
    RETRIED = "retried"  # retryable failure: nacked for redelivery
    DEAD_LETTERED = "dead_lettered"  # permanent failure: acked and set aside
    IGNORED = "ignored"  # a type this consumer does not handle: acked without effects


class RpcMetrics:
    """Requests and their durations, per RPC method and status code."""

    def __init__(self, meter_provider: metrics.MeterProvider | None = None) -> None:
        meter = metrics.get_meter(_SCOPE, meter_provider=meter_provider)
        self._requests = meter.create_counter("rpc.server.requests", "{request}", "RPCs served")
        self._duration = meter.create_histogram(
            "rpc.server.duration", "s", "time to serve an RPC", explicit_bucket_boundaries_advisory=_DURATION_BUCKETS
        )

    def record(self, method: str, code: grpc.StatusCode | str, seconds: float) -> None:
        """Count one served call of `method` (e.g. "/commerce.payments.v1.PaymentService/Capture")
        that ended with `code` after `seconds`."""
        code_name = code.name if isinstance(code, grpc.StatusCode) else code.upper()
        attributes = {"rpc.method": method, "rpc.grpc.status_code": code_name}
        self._requests.add(1, attributes)
        self._duration.record(seconds, attributes)


class ConsumerMetrics:
    """Consumed messages and their handling durations, per destination and outcome."""

    def __init__(self, meter_provider: metrics.MeterProvider | None = None) -> None:
        meter = metrics.get_meter(_SCOPE, meter_provider=meter_provider)
        self._messages = meter.create_counter("messaging.consumer.messages", "{message}", "messages consumed")
        self._duration = meter.create_histogram(
            "messaging.consumer.duration",
            "s",
            "time to handle a message",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )

    def record(self, destination: str, outcome: ConsumerOutcome | str, seconds: float) -> None:
        """Count one message from `destination` (a subscription) handled with `outcome` in `seconds`."""
        attributes = {"messaging.destination": destination, "outcome": str(outcome)}
        self._messages.add(1, attributes)
        self._duration.record(seconds, attributes)


def metric_exporter_for(settings: MeshSettings) -> MetricExporter | None:
    """OTLP/gRPC to the collector the settings name, or None. Building it opens no connection."""
    endpoint = settings.otel_exporter_otlp_endpoint
    if not endpoint:
        return None
    return OTLPMetricExporter(endpoint=endpoint, insecure=not endpoint.startswith("https://"))


def build_meter_provider(settings: MeshSettings, readers: tuple[MetricReader, ...] = ()) -> MeterProvider:
    """A meter provider for the service: the given readers, plus periodic export when a collector is set."""
    exporter = metric_exporter_for(settings)
    exporting = (PeriodicExportingMetricReader(exporter),) if exporter is not None else ()
    return MeterProvider(
        metric_readers=[*readers, *exporting], resource=Resource.create({SERVICE_NAME: settings.service_name})
    )


def configure_metrics(settings: MeshSettings) -> MeterProvider:
    """The process's meter provider, installed globally on the first call; later calls (whatever
    their settings) return it, as does a call after someone else installed an SDK provider."""
    with _lock:
        current = metrics.get_meter_provider()
        if isinstance(current, MeterProvider):
            return current
        provider = build_meter_provider(settings)
        metrics.set_meter_provider(provider)
        return provider
