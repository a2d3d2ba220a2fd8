"""RED metrics: one count and one duration per RPC and per consumed message, with their attributes."""

from __future__ import annotations

import grpc
import pytest
from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
from opentelemetry.sdk.metrics.export import InMemoryMetricReader

from mesh.telemetry import ConsumerMetrics, ConsumerOutcome, RpcMetrics, build_meter_provider, metric_exporter_for
from tests.fixtures.telemetry import CapturedMetrics, telemetry_settings

CAPTURE = "/commerce.payments.v1.PaymentService/CapturePayment"


def _by_attributes(points) -> dict[tuple, object]:
    return {tuple(sorted(point.attributes.items())): point for point in points}


def test_rpc_requests_counted_per_method_and_status(captured_metrics):
    rpc = RpcMetrics(captured_metrics.provider)

    rpc.record(CAPTURE, grpc.StatusCode.OK, 0.02)
    rpc.record(CAPTURE, grpc.StatusCode.OK, 0.03)
    rpc.record(CAPTURE, "unavailable", 0.5)

    counts = _by_attributes(captured_metrics.points("rpc.server.requests"))
    assert counts[(("rpc.grpc.status_code", "OK"), ("rpc.method", CAPTURE))].value == 2
    assert counts[(("rpc.grpc.status_code", "UNAVAILABLE"), ("rpc.method", CAPTURE))].value == 1


def test_rpc_duration_recorded_in_seconds_with_same_attributes(captured_metrics):
    rpc = RpcMetrics(captured_metrics.provider)

    rpc.record(CAPTURE, grpc.StatusCode.NOT_FOUND, 0.25)

    [point] = captured_metrics.points("rpc.server.duration")
    assert dict(point.attributes) == {"rpc.method": CAPTURE, "rpc.grpc.status_code": "NOT_FOUND"}
    assert (point.count, point.sum) == (1, 0.25)
    assert point.explicit_bounds[0] == 0.005  # second-sized buckets, not the SDK's millisecond ones


def test_consumer_messages_counted_per_destination_and_outcome(captured_metrics):
    consumer = ConsumerMetrics(captured_metrics.provider)

    consumer.record("invoicing.order-placed", ConsumerOutcome.ACKED, 0.01)
    consumer.record("invoicing.order-placed", ConsumerOutcome.DUPLICATE, 0.002)
    consumer.record("invoicing.order-placed", ConsumerOutcome.DUPLICATE, 0.003)

    counts = _by_attributes(captured_metrics.points("messaging.consumer.messages"))
    assert counts[(("messaging.destination", "invoicing.order-placed"), ("outcome", "acked"))].value == 1
    assert counts[(("messaging.destination", "invoicing.order-placed"), ("outcome", "duplicate"))].value == 2


def test_consumer_duration_recorded_with_same_attributes(captured_metrics):
    ConsumerMetrics(captured_metrics.provider).record("payments.renewals", "dead_lettered", 1.5)

    [point] = captured_metrics.points("messaging.consumer.duration")
    assert dict(point.attributes) == {"messaging.destination": "payments.renewals", "outcome": "dead_lettered"}
    assert (point.count, point.sum) == (1, 1.5)


def test_build_meter_provider_feeds_given_reader_with_service_resource():
    reader = InMemoryMetricReader()
    provider = build_meter_provider(telemetry_settings(service_name="metrics-svc"), readers=(reader,))
    try:
        RpcMetrics(provider).record(CAPTURE, grpc.StatusCode.OK, 0.1)

        [resource_metrics] = reader.get_metrics_data().resource_metrics
        assert resource_metrics.resource.attributes["service.name"] == "metrics-svc"
        [point] = CapturedMetrics(provider, reader).points("rpc.server.requests")
        assert point.value == 1
    finally:
        provider.shutdown()


def test_metric_exporter_for_without_collector_is_none():
    assert metric_exporter_for(telemetry_settings()) is None


@pytest.mark.parametrize("endpoint", ["http://127.0.0.1:4317", "otel-collector:4317"])
def test_metric_exporter_for_collector_is_otlp_grpc(endpoint):
    exporter = metric_exporter_for(telemetry_settings(otel_exporter_otlp_endpoint=endpoint))
    try:
        assert isinstance(exporter, OTLPMetricExporter)
    finally:
        exporter.shutdown()


def test_two_recorders_on_one_provider_are_both_counted(captured_metrics):
    # The SDK keeps only the first observable counter of a name: the recorders must share it.
    first, second = RpcMetrics(captured_metrics.provider), RpcMetrics(captured_metrics.provider)

    first.record(CAPTURE, grpc.StatusCode.OK, 0.01)
    second.record(CAPTURE, grpc.StatusCode.OK, 0.02)
    second.record(CAPTURE, grpc.StatusCode.INTERNAL, 0.03)

    counts = _by_attributes(captured_metrics.points("rpc.server.requests"))
    assert counts[(("rpc.grpc.status_code", "OK"), ("rpc.method", CAPTURE))].value == 2
    assert counts[(("rpc.grpc.status_code", "INTERNAL"), ("rpc.method", CAPTURE))].value == 1


def test_requests_are_cumulative_across_collections(captured_metrics):
    rpc = RpcMetrics(captured_metrics.provider)
    rpc.record(CAPTURE, grpc.StatusCode.OK, 0.01)
    assert [p.value for p in captured_metrics.points("rpc.server.requests")] == [1]

    rpc.record(CAPTURE, grpc.StatusCode.OK, 0.01)
    assert [p.value for p in captured_metrics.points("rpc.server.requests")] == [2]
