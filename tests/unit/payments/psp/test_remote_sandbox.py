"""The out-of-process sandbox: RemoteSandboxPsp behaves as the sandbox it talks to, maps every
failure to what it means (certainly not sent, or unknown), and the test's holds and inspection
work. The server runs in this process here, on a free port; the crash drill runs it for real."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import inspect
import json
import logging
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from mesh.errors import DomainError
from mesh.money import Money
from services.payments.main import PaymentsSettings, build_app
from services.payments.psp import (
    Outcome,
    PspConnector,
    PspIdempotencyConflict,
    PspRequestRejected,
    PspTimeout,
    PspUnavailable,
    SandboxPsp,
)
from services.payments.psp.factory import SANDBOX_NAMES, remote_sandbox_psps
from services.payments.psp.remote import RemoteSandboxPsp, parse_address
from services.payments.psp.sandbox_control import SandboxControl
from services.payments.psp.sandbox_server import SandboxServer
from services.payments.psp.wire import LINE_LIMIT
from tests.unit.payments.psp.support import TIMEOUT_AFTER_EXECUTION, VISA_OK, authorize_request

PSP = "sandbox-test"
WAIT = 5.0
EUR = lambda minor: Money("EUR", minor)  # noqa: E731


@contextlib.asynccontextmanager
async def listening(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> AsyncIterator[int]:
    """A server on a free port; on exit it hangs up on every connection and waits for its handlers
    (asyncio's own server does not, and a handler outliving the test's loop leaks its socket)."""
    connections: dict[asyncio.Task, asyncio.StreamWriter] = {}

    async def tracked(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        connections[asyncio.current_task()] = writer
        try:
            await handler(reader, writer)
        finally:
            writer.close()

    server = await asyncio.start_server(tracked, "127.0.0.1", 0, limit=LINE_LIMIT)
    async with server:
        yield server.sockets[0].getsockname()[1]
        for writer in connections.values():
            writer.close()
        await asyncio.gather(*connections, return_exceptions=True)


@pytest.fixture
def sandbox_server(psp: SandboxPsp) -> SandboxServer:
    return SandboxServer({PSP: psp})


@pytest.fixture
async def port(sandbox_server: SandboxServer) -> AsyncIterator[int]:
    async with listening(sandbox_server.serve_connection) as bound:
        yield bound
        await sandbox_server.close()  # held calls go, so their handlers can end


@pytest.fixture
def remote(port: int) -> RemoteSandboxPsp:
    return RemoteSandboxPsp(PSP, "127.0.0.1", port)


@pytest.fixture
def control(port: int) -> SandboxControl:
    return SandboxControl("127.0.0.1", port, timeout=WAIT)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def raw_exchange(port: int, line: bytes) -> dict:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(line)
    await writer.drain()
    try:
        return json.loads(await asyncio.wait_for(reader.readline(), WAIT))
    finally:
        writer.close()


# The connector over the wire.


def test_the_remote_connector_has_exactly_the_connector_interface() -> None:
    for name, member in inspect.getmembers(PspConnector, inspect.isfunction):
        if not name.startswith("_"):
            assert inspect.signature(getattr(RemoteSandboxPsp, name)) == inspect.signature(member), name


async def test_authorize_capture_refund_and_void_answer_what_the_sandbox_answers(
    remote: RemoteSandboxPsp, psp: SandboxPsp
) -> None:
    request = authorize_request(amount=EUR(10_000))
    authorized = await remote.authorize(request)
    captured = await remote.capture("cap-1", authorized.psp_reference, EUR(6_000))
    refunded = await remote.refund("ref-1", authorized.psp_reference, EUR(1_000))
    other = await remote.authorize(authorize_request())
    voided = await remote.void("void-1", other.psp_reference)

    assert (authorized.outcome, voided.outcome) == (Outcome.APPROVED, Outcome.APPROVED)
    assert captured == await psp.status("cap-1") and captured.fee == EUR(204)
    assert refunded == await psp.status("ref-1")
    [payment] = psp.payments_for(request.reference)
    assert (payment.captured, payment.refunded) == (EUR(6_000), EUR(1_000))


async def test_a_decline_travels_with_its_code_and_hardness(remote: RemoteSandboxPsp) -> None:
    declined = await remote.authorize(authorize_request("4000000000009979"))

    assert (declined.outcome, declined.decline_code, declined.hard_decline) == (Outcome.DECLINED, "stolen_card", True)


async def test_the_same_key_replays_the_first_answer_and_charges_once(
    remote: RemoteSandboxPsp, psp: SandboxPsp
) -> None:
    request = authorize_request()

    first, second = await remote.authorize(request), await remote.authorize(request)

    assert first == second and len(psp.payments_for(request.reference)) == 1


async def test_a_key_reused_with_other_parameters_is_an_idempotency_conflict(remote: RemoteSandboxPsp) -> None:
    request = authorize_request(key="reused")
    await remote.authorize(request)

    with pytest.raises(PspIdempotencyConflict) as raised:
        await remote.authorize(authorize_request(key="reused", amount=EUR(1)))

    assert (raised.value.psp, raised.value.idempotency_key, raised.value.reason.name) == (
        PSP,
        "reused",
        "IDEMPOTENCY_KEY_REUSED",
    )


async def test_a_refused_request_keeps_its_code_reason_and_metadata(remote: RemoteSandboxPsp) -> None:
    authorized = await remote.authorize(authorize_request(amount=EUR(100)))

    with pytest.raises(PspRequestRejected) as raised:
        await remote.capture("too-much", authorized.psp_reference, EUR(101))

    error = raised.value
    assert (error.code.name, error.reason.name, error.reason.domain) == (
        "FAILED_PRECONDITION",
        "AMOUNT_EXCEEDS_CAPTURABLE",
        "commerce.payments.v1",
    )
    assert error.metadata == {"psp": PSP, "idempotency_key": "too-much", "psp_reference": authorized.psp_reference}


async def test_a_refusal_that_is_not_a_psp_error_stays_a_domain_error(remote: RemoteSandboxPsp) -> None:
    authorized = await remote.authorize(authorize_request(amount=EUR(100)))

    with pytest.raises(DomainError) as raised:
        await remote.capture("other-currency", authorized.psp_reference, Money("USD", 50))

    assert not isinstance(raised.value, PspRequestRejected) and raised.value.reason.name == "CURRENCY_MISMATCH"


async def test_a_lost_answer_is_a_timeout_and_status_finds_the_executed_call(remote: RemoteSandboxPsp) -> None:
    request = authorize_request(TIMEOUT_AFTER_EXECUTION)

    with pytest.raises(PspTimeout) as raised:
        await remote.authorize(request)

    assert (raised.value.psp, raised.value.idempotency_key) == (PSP, request.idempotency_key)
    found = await remote.status(request.idempotency_key)
    assert found is not None and found.approved
    assert await remote.status("never-used") is None


async def test_the_settlement_report_comes_back_as_csv(remote: RemoteSandboxPsp, psp: SandboxPsp) -> None:
    authorized = await remote.authorize(authorize_request())
    await remote.capture("cap-report", authorized.psp_reference, EUR(10_000))
    today = datetime.datetime.now(datetime.UTC).date()

    assert await remote.settlement_report(today) == await psp.settlement_report(today)


# Failures of the connection: certainly not sent, or unknown.


async def test_a_refused_connection_is_unavailable_the_request_was_never_sent() -> None:
    remote = RemoteSandboxPsp(PSP, "127.0.0.1", closed_port())

    with pytest.raises(PspUnavailable) as raised:
        await remote.capture("k-refused", "pay_x", EUR(1))

    assert (raised.value.psp, raised.value.idempotency_key) == (PSP, "k-refused")


async def test_a_connection_that_dies_after_the_request_is_a_timeout() -> None:
    received: list[bytes] = []

    async def read_then_hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        received.append(await reader.readline())
        writer.close()

    async with listening(read_then_hang_up) as bound:
        with pytest.raises(PspTimeout) as raised:
            await RemoteSandboxPsp(PSP, "127.0.0.1", bound).capture("k-died", "pay_x", EUR(1))

    assert raised.value.idempotency_key == "k-died" and received and received[0].endswith(b"\n")


async def test_an_answer_cut_short_is_a_timeout() -> None:
    async def half_an_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readline()
        writer.write(b'{"ok": {"outcome": "appro')
        writer.close()

    async with listening(half_an_answer) as bound:
        with pytest.raises(PspTimeout):
            await RemoteSandboxPsp(PSP, "127.0.0.1", bound).capture("k-half", "pay_x", EUR(1))


async def test_no_answer_in_time_is_a_timeout() -> None:
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()
        writer.close()

    async with listening(never_answer) as bound:
        remote = RemoteSandboxPsp(PSP, "127.0.0.1", bound, answer_timeout_seconds=0.05)
        with pytest.raises(PspTimeout):
            await remote.status("k-slow")


async def test_a_malformed_request_executes_nothing_and_is_refused(port: int, psp: SandboxPsp) -> None:
    not_json = await raw_exchange(port, b"{not json\n")
    missing = await raw_exchange(port, b'{"op": "authorize", "psp": "sandbox-test", "args": {"key": "k"}}\n')
    unknown = await raw_exchange(port, b'{"op": "capture", "psp": "nobody", "args": {}}\n')

    assert {not_json["error"]["kind"], missing["error"]["kind"], unknown["error"]["kind"]} == {"bad_request"}
    assert await psp.status("k") is None


# Holds and inspection: what the crash drill steers the PSP with.


async def test_a_hold_before_executing_stops_the_call_until_released(
    remote: RemoteSandboxPsp, control: SandboxControl, psp: SandboxPsp
) -> None:
    hold = await control.hold(PSP, "authorize", "before")
    request = authorize_request()
    call = asyncio.ensure_future(remote.authorize(request))

    held = await hold.held(timeout=WAIT)
    assert held == {
        "hold": hold.id,
        "psp": PSP,
        "operation": "authorize",
        "when": "before",
        "key": request.idempotency_key,
    }
    assert psp.payments_for(request.reference) == () and not call.done()

    await hold.release(timeout=WAIT)
    assert len(psp.payments_for(request.reference)) == 1  # released means executed
    assert (await asyncio.wait_for(call, WAIT)).approved


async def test_a_hold_after_executing_keeps_the_answer_of_an_executed_call(
    remote: RemoteSandboxPsp, control: SandboxControl, psp: SandboxPsp
) -> None:
    authorized = await remote.authorize(authorize_request())
    hold = await control.hold(PSP, "capture", "after")
    call = asyncio.ensure_future(remote.capture("cap-held", authorized.psp_reference, EUR(10_000)))

    await hold.held(timeout=WAIT)
    assert await psp.status("cap-held") is not None and not call.done()

    await hold.release(timeout=WAIT)
    assert (await asyncio.wait_for(call, WAIT)).approved


async def test_a_hold_takes_only_the_next_matching_call(remote: RemoteSandboxPsp, control: SandboxControl) -> None:
    hold = await control.hold(PSP, "capture", "before")
    await remote.authorize(authorize_request())  # another operation: not held
    authorized = await remote.authorize(authorize_request())
    first = asyncio.ensure_future(remote.capture("c-first", authorized.psp_reference, EUR(100)))
    await hold.held(timeout=WAIT)

    second = await remote.capture("c-second", authorized.psp_reference, EUR(100))  # not held

    await hold.release(timeout=WAIT)
    assert second.approved and (await asyncio.wait_for(first, WAIT)).approved


async def test_a_hold_whose_test_hangs_up_lets_its_call_go(remote: RemoteSandboxPsp, control: SandboxControl) -> None:
    hold = await control.hold(PSP, "authorize", "before")
    call = asyncio.ensure_future(remote.authorize(authorize_request()))
    await hold.held(timeout=WAIT)

    hold.close()

    assert (await asyncio.wait_for(call, WAIT)).approved


async def test_a_gate_stops_every_matching_call_until_released(
    remote: RemoteSandboxPsp, control: SandboxControl
) -> None:
    gate = await control.hold(PSP, "status", "before", every=True)
    calls = [asyncio.ensure_future(remote.status(f"k-{n}")) for n in range(3)]
    await gate.held(timeout=WAIT)
    await asyncio.wait(calls, timeout=0.1)
    assert not any(call.done() for call in calls)

    await gate.release(timeout=WAIT)

    assert await asyncio.wait_for(asyncio.gather(*calls), WAIT) == [None, None, None]


async def test_releasing_a_hold_no_call_took_disarms_it(remote: RemoteSandboxPsp, control: SandboxControl) -> None:
    hold = await control.hold(PSP, "authorize", "before")

    await hold.release(timeout=WAIT)

    assert (await asyncio.wait_for(remote.authorize(authorize_request()), WAIT)).approved


async def test_the_server_refuses_a_hold_on_an_unknown_psp_or_point(control: SandboxControl) -> None:
    for psp, operation, when in (
        (PSP, "authorize", "during"),
        ("nobody", "authorize", "before"),
        (PSP, "teleport", "before"),
    ):
        with pytest.raises(Exception, match="bad_request"):
            await control.hold(psp, operation, when)


async def test_inspection_counts_authorizations_captures_and_refunds_per_reference(
    remote: RemoteSandboxPsp, control: SandboxControl
) -> None:
    request = authorize_request(amount=EUR(1_000))
    authorized = await remote.authorize(request)
    await remote.authorize(request)  # a replay: no second authorization
    await remote.capture("c-1", authorized.psp_reference, EUR(1_000))
    await remote.capture("c-1", authorized.psp_reference, EUR(1_000))  # a replay: no second capture
    await remote.refund("r-1", authorized.psp_reference, EUR(300))

    [payment] = await control.payments(request.reference)

    assert payment == {
        "psp": PSP,
        "psp_reference": authorized.psp_reference,
        "state": "captured",
        "authorized": {"currency_code": "EUR", "amount_minor": 1_000},
        "captured": {"currency_code": "EUR", "amount_minor": 1_000},
        "refunded": {"currency_code": "EUR", "amount_minor": 300},
        "captures": 1,
        "refunds": 1,
    }
    assert await control.payments("tenants/t/paymentIntents/none") == []


async def test_the_server_never_logs_the_card_number(
    remote: RemoteSandboxPsp, port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await remote.authorize(authorize_request(VISA_OK))
    with contextlib.suppress(PspTimeout):
        await remote.authorize(authorize_request(TIMEOUT_AFTER_EXECUTION))
    await raw_exchange(
        port, json.dumps({"op": "authorize", "psp": PSP, "args": {"card": {"pan": VISA_OK}}}).encode() + b"\n"
    )

    assert caplog.records and VISA_OK not in caplog.text and TIMEOUT_AFTER_EXECUTION not in caplog.text


# Wiring.


def test_remote_sandboxes_are_every_built_in_one_at_one_address() -> None:
    psps = remote_sandbox_psps("127.0.0.1:7000")

    assert sorted(psps) == sorted(SANDBOX_NAMES)
    assert all(isinstance(p, RemoteSandboxPsp) and p.name == name for name, p in psps.items())
    assert parse_address("psp.internal:443") == ("psp.internal", 443)
    with pytest.raises(ValueError):
        parse_address("no-port")


def test_the_payments_service_uses_the_remote_sandboxes_when_an_address_is_set(monkeypatch) -> None:
    captured: dict = {}
    monkeypatch.setattr("services.payments.main.PspRouter", lambda psps, policy: captured.setdefault("psps", psps))

    build_app(None, PaymentsSettings(sandbox_psp_addr="127.0.0.1:7000"))

    assert all(isinstance(p, RemoteSandboxPsp) for p in captured["psps"].values())
