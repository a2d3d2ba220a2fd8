"""Telemetry through a real server: RED metrics per method, and no card number in logs or errors."""

from __future__ import annotations

import re

import grpc
import pytest

from mesh.config import MeshSettings
from mesh.runtime import Runtime
from mesh.telemetry import RpcMetrics
from tests.integration.runtime.conftest import start_mesh, stop_mesh

PAN = "4111111111111111"
PAN_DIGITS = re.compile(r"4111[ -]?1111[ -]?1111[ -]?1111")
CREATE = "/commerce.payments.v1.PaymentService/CreatePaymentIntent"


@pytest.fixture
async def metered_mesh(tmp_path, captured_metrics, monkeypatch):
    original_open = Runtime.open

    async def open_with_metrics(settings, **kwargs):
        return await original_open(settings, record_rpc=RpcMetrics(captured_metrics.provider).record, **kwargs)

    monkeypatch.setattr(Runtime, "open", open_with_metrics)
    running = await start_mesh(
        MeshSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db", shutdown_drain_seconds=0)
    )
    yield running
    await stop_mesh(running)


async def test_red_metrics_count_each_method_by_status(metered_mesh, captured_metrics) -> None:
    await metered_mesh.stub.CreatePaymentIntent(metered_mesh.create_request(), metadata=metered_mesh.metadata())
    with pytest.raises(grpc.aio.AioRpcError):
        await metered_mesh.stub.CreatePaymentIntent(
            metered_mesh.create_request(amount=0), metadata=metered_mesh.metadata()
        )

    counts = {
        (p.attributes["rpc.method"], p.attributes["rpc.grpc.status_code"]): p.value
        for p in captured_metrics.points("rpc.server.requests")
    }
    assert counts == {(CREATE, "OK"): 1, (CREATE, "INVALID_ARGUMENT"): 1}
    assert sum(p.count for p in captured_metrics.points("rpc.server.duration")) == 2


async def test_card_number_in_a_failing_request_reaches_no_log_line_nor_error(
    tmp_path, captured_logs, captured_spans
) -> None:
    mesh = await start_mesh(MeshSettings(database_url=f"sqlite+aiosqlite:///{tmp_path}/m.db", shutdown_drain_seconds=0))
    try:
        errors = []
        for description in ("boom", f"card {PAN} " + "x" * 600):  # an internal failure; a validation failure
            with pytest.raises(grpc.aio.AioRpcError) as raised:
                await mesh.stub.CreatePaymentIntent(
                    mesh.create_request(description=description), metadata=mesh.metadata()
                )
            errors.append(raised.value)
    finally:
        await stop_mesh(mesh)

    assert [e.code() for e in errors] == [grpc.StatusCode.INTERNAL, grpc.StatusCode.INVALID_ARGUMENT]
    for err in errors:
        assert not PAN_DIGITS.search(err.details() + repr(err.trailing_metadata()))
    logged = captured_logs.text
    assert "unhandled error" in logged  # the failure was logged, with its trace id...
    assert not PAN_DIGITS.search(logged)  # ...and without the card number in its exception text
    [line] = [entry for entry in captured_logs.lines() if entry["message"].startswith("unhandled error")]
    assert re.fullmatch(r"[0-9a-f]{32}", line["trace_id"])
    assert line["trace_id"] in errors[0].details()
