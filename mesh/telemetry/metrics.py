"""RED metrics: rate, errors and duration per RPC method and per event consumer.

Each RPC adds one to `rpc.server.requests` {rpc.method, rpc.grpc.status_code} and one
observation, in seconds, to `rpc.server.duration` with the same attributes; the error rate is
the share of requests whose status code is not OK, so no separate error counter exists.
Consumers do the same with `messaging.consumer.messages` / `messaging.consumer.duration`
{messaging.destination, outcome}.

The counts are kept here and read by observable counters when the SDK collects (`_Tally`): a
synchronous counter's `add` cost the call as much as the histogram's `record` (8-9 µs each with
one reader, for attribute cleaning and hashing), so each call now pays one SDK operation, not
two. The histogram stays synchronous: the SDK has no asynchronous one.

Instruments come from the global meter provider unless one is given: instruments made before
`configure_metrics` start recording once it runs; tests pass a provider with an
`InMemoryMetricReader` to read what was recorded.
"""

from __future__ import annotations

import collections
import enum
import threading
import weakref
from collections.abc import Iterable

import grpc
from opentelemetry import metrics
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.metrics import CallbackOptions, Observation
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
_tallies: weakref.WeakKeyDictionary[metrics.Meter, dict[str, _Tally]] = weakref.WeakKeyDictionary()


class ConsumerOutcome(enum.StrEnum):
    """What became of a consumed message."""

    ACKED = "acked"  # handled, effects committed
    DUPLICATE = "duplicate"  # already seen: acked without effects
    RETRIED = "retried"  # retryable failure: nacked for redelivery
    DEAD_LETTERED = "dead_lettered"  # permanent failure: acked and set aside
    IGNORED = "ignored"  # a type this consumer does not handle: acked without effects


class _Tally:
    """Counts per attribute set, reported by an observable counter: a dict increment per call
    instead of a synchronous counter's SDK path. Cumulative and monotonic, as the counter was.

    One per meter and name (`of`): the SDK keeps the callbacks of the first observable counter
    of a name and drops a later one's, so every recorder of a meter must share that one."""

    def __init__(self, meter: metrics.Meter, name: str, unit: str, description: str, keys: tuple[str, str]) -> None:
        self._keys = keys
        self._counts: collections.Counter[tuple[str, str]] = collections.Counter()
        self._attributes: dict[tuple[str, str], dict[str, str]] = {}
        meter.create_observable_counter(name, callbacks=[self._observe], unit=unit, description=description)

    @classmethod
    def of(cls, meter: metrics.Meter, name: str, unit: str, description: str, keys: tuple[str, str]) -> _Tally:
        with _lock:
            by_name = _tallies.setdefault(meter, {})
            if name not in by_name:
                by_name[name] = cls(meter, name, unit, description, keys)
            return by_name[name]

    def add(self, values: tuple[str, str]) -> dict[str, str]:
        """Count one for `values` (one per key); returns their attributes, built once per set."""
        attributes = self._attributes.get(values)
        if attributes is None:  # before the count: the exporter's thread looks a counted set up
            attributes = self._attributes[values] = dict(zip(self._keys, values, strict=True))
        self._counts[values] += 1
        return attributes

    def _observe(self, options: CallbackOptions) -> Iterable[Observation]:
        # Called on the exporter's thread: copy first (one C call under the GIL), then read.
        return [Observation(count, self._attributes[values]) for values, count in list(self._counts.items())]


class RpcMetrics:
    """Requests and their durations, per RPC method and status code."""

    def __init__(self, meter_provider: metrics.MeterProvider | None = None) -> None:
        meter = metrics.get_meter(_SCOPE, meter_provider=meter_provider)
        self._requests = _Tally.of(
            meter, "rpc.server.requests", "{request}", "RPCs served", ("rpc.method", "rpc.grpc.status_code")
        )
        self._duration = meter.create_histogram(
            "rpc.server.duration", "s", "time to serve an RPC", explicit_bucket_boundaries_advisory=_DURATION_BUCKETS
        )

    def record(self, method: str, code: grpc.StatusCode | str, seconds: float) -> None:
        """Count one served call of `method` (e.g. "/commerce.payments.v1.PaymentService/Capture")
        that ended with `code` after `seconds`."""
        code_name = code.name if isinstance(code, grpc.StatusCode) else code.upper()
        self._duration.record(seconds, self._requests.add((method, code_name)))


class ConsumerMetrics:
    """Consumed messages and their handling durations, per destination and outcome."""

    def __init__(self, meter_provider: metrics.MeterProvider | None = None) -> None:
        meter = metrics.get_meter(_SCOPE, meter_provider=meter_provider)
        self._messages = _Tally.of(
            meter, "messaging.consumer.messages", "{message}", "messages consumed", ("messaging.destination", "outcome")
        )
        self._duration = meter.create_histogram(
            "messaging.consumer.duration",
            "s",
            "time to handle a message",
            explicit_bucket_boundaries_advisory=_DURATION_BUCKETS,
        )

    def record(self, destination: str, outcome: ConsumerOutcome | str, seconds: float) -> None:
        """Count one message from `destination` (a subscription) handled with `outcome` in `seconds`."""
        self._duration.record(seconds, self._messages.add((destination, str(outcome))))


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
