"""The crash drill, outside in: the payments process is SIGKILLed in the middle of a PSP call,
restarted on the same database, and the call retried under the same and under a new request_id.
Money must move once: one authorization, one capture (one refund) at the PSP, and one
PaymentAuthorized, one PaymentCaptured (one PaymentRefunded) in the outbox.

The sandbox PSPs run in a process of their own (services.payments.psp.sandbox_server), so they
outlive the payments process and the test can stop a call there, before or after the PSP
executes it, kill payments while the call is held, and ask the PSP afterwards what it did.
Two orders of recovery are drilled, because both happen: the retries resolve the abandoned
calls themselves (the janitor's status checks are held at the PSP meanwhile), or the janitor
settles them first and the retry of the same request_id comes after.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import dataclasses
import os
import pathlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Sequence

import grpc
import pytest
import sqlalchemy as sa

from commerce.payments.v1 import payment_intent_pb2 as pi
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import payment_service_pb2_grpc, vault_service_pb2_grpc
from commerce.payments.v1 import vault_service_pb2 as vs
from commerce.type.v1 import money_pb2
from mesh.context import CALLER_HEADER, TENANT_HEADER
from mesh.persistence import Database
from mesh.persistence.tables import outbox
from services.payments.psp.factory import SANDBOX_ALPHA
from services.payments.psp.sandbox_control import HeldCall, SandboxControl
from services.payments.psp.sandbox_holds import AFTER, BEFORE
from services.payments.store import refunds
from tests.fixtures.services import ServiceStack
from tests.integration.payments.service.drill_processes import ChildProcess, port_line, python_module, serving_port
from tests.waiting import eventually

pytestmark = pytest.mark.slow

APPROVE = "4242424242424242"
AMOUNT, REFUND = 1000, 400
LOCK_TTL = "PT2S"  # an abandoned lease and request_id are taken over 2 s after the holder died
HOLD_DEADLINE = 30.0
RETRY_DEADLINE = 60.0  # many lock TTLs: a retry that cannot get through by then never will
CALL_DEADLINE = 20.0
JANITOR_DEADLINE = 30.0  # the janitor passes every 5 s


@dataclasses.dataclass(frozen=True)
class KillPoint:
    """Where the payments process dies: in `operation` at the PSP, `when` it executes."""

    operation: str
    when: str
    capture_method: int = pi.CAPTURE_METHOD_AUTOMATIC

    @property
    def refunds(self) -> bool:
        return self.operation == "refund"

    def __str__(self) -> str:
        return f"{self.operation}-{self.when}"


KILL_POINTS = (
    KillPoint("authorize", BEFORE),
    KillPoint("authorize", AFTER),
    KillPoint("capture", BEFORE),
    KillPoint("capture", AFTER),
    KillPoint("refund", AFTER, pi.CAPTURE_METHOD_MANUAL),  # an intent captured first, then refunded in part
)
AUTHORIZATION = KILL_POINTS[0]  # as a call: AuthorizePaymentIntent


class Drill:
    """One PSP server, one payments process at a time on one database, and the calls of one tenant."""

    def __init__(self, env: dict[str, str], control: SandboxControl, logs: pathlib.Path) -> None:
        self.env, self.control, self._logs = env, control, logs
        self.tenant = f"t-{uuid.uuid4().hex[:10]}"
        self._payments: ChildProcess | None = None
        self._channel: grpc.aio.Channel | None = None

    # The payments process.

    async def start_payments(self) -> None:
        self._payments = ChildProcess(
            "payments", python_module("services.payments.main"), self.env, self._logs / "payments.log"
        )
        port = await self._payments.start(serving_port)
        self._channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")

    async def kill_payments(self, in_flight: Sequence[asyncio.Future] = ()) -> list[object]:
        """SIGKILL payments, then close the channel once the calls `in_flight` have ended (closing
        it first would cancel them before they learn the server died); what each call ended with."""
        await self._payments.kill()
        outcomes = await asyncio.gather(*in_flight, return_exceptions=True)
        await self._channel.close()
        return outcomes

    async def close(self) -> None:
        if self._payments is not None:
            await self.kill_payments()

    # The calls, as a client makes them.

    async def intent_ready_for(self, point: KillPoint) -> str:
        """A new intent on an approving card, in the state the call of `point` starts from."""
        token = (
            await self._vault.TokenizeCard(
                vs.TokenizeCardRequest(
                    parent=f"tenants/{self.tenant}",
                    request_id=str(uuid.uuid4()),
                    card_number=APPROVE,
                    exp_month=12,
                    exp_year=2099,
                    cvc="737",
                    cardholder_name="Ada Lovelace",
                ),
                metadata=self._md(),
            )
        ).token
        created = await self._api.CreatePaymentIntent(
            ps.CreatePaymentIntentRequest(
                parent=f"tenants/{self.tenant}",
                request_id=str(uuid.uuid4()),
                amount=eur(AMOUNT),
                payment_method=token,
                capture_method=point.capture_method,
            ),
            metadata=self._md(),
        )
        name = created.payment_intent.name
        if point.refunds:
            await self.call(AUTHORIZATION, name, str(uuid.uuid4()))
            await self._api.CapturePaymentIntent(
                ps.CapturePaymentIntentRequest(name=name, request_id=str(uuid.uuid4())),
                metadata=self._md(),
                timeout=CALL_DEADLINE,
            )
        return name

    def call(self, point: KillPoint, name: str, request_id: str) -> Awaitable:
        """The call that dies at `point`: AuthorizePaymentIntent (which captures an AUTOMATIC
        intent), or RefundPayment."""
        if point.refunds:
            return self._api.RefundPayment(
                ps.RefundPaymentRequest(parent=name, request_id=request_id, amount=eur(REFUND)),
                metadata=self._md(),
                timeout=CALL_DEADLINE,
            )
        return self._api.AuthorizePaymentIntent(
            ps.AuthorizePaymentIntentRequest(name=name, request_id=request_id),
            metadata=self._md(),
            timeout=CALL_DEADLINE,
        )

    async def killed_mid_call(self, point: KillPoint, names: list[str]) -> list[str]:
        """Make the call of `point` for each intent, kill payments while the PSP holds them all,
        then let the PSP finish them; the request_ids the calls were made with."""
        holds = [await self.control.hold(SANDBOX_ALPHA, point.operation, point.when) for _ in names]
        request_ids = [str(uuid.uuid4()) for _ in names]
        calls = [
            asyncio.ensure_future(self.call(point, name, rid)) for name, rid in zip(names, request_ids, strict=True)
        ]
        for hold in holds:
            await hold.held(timeout=HOLD_DEADLINE)
        for died in await self.kill_payments(calls):
            assert isinstance(died, grpc.aio.AioRpcError), died
            assert died.code() is grpc.StatusCode.UNAVAILABLE  # the caller never got an answer
        for hold in holds:
            await hold.release(timeout=HOLD_DEADLINE)  # BEFORE: the PSP executes it now, for nobody
        return request_ids

    async def retried(self, point: KillPoint, name: str, request_id: str):
        """The call again until it gets through: ABORTED while the dead holder's lease and
        request_id are still locked, UNAVAILABLE while anything is not up yet."""
        delay, last = 0.05, None
        try:
            async with asyncio.timeout(RETRY_DEADLINE):
                while True:
                    try:
                        return await self.call(point, name, request_id)
                    except grpc.aio.AioRpcError as err:
                        if err.code() not in (grpc.StatusCode.ABORTED, grpc.StatusCode.UNAVAILABLE):
                            raise
                        last = err
                    await asyncio.sleep(delay)  # backoff between attempts, not a wait for anything
                    delay = min(delay * 2, 0.5)
        except TimeoutError:
            raise AssertionError(f"no retry got through within {RETRY_DEADLINE}s; the last answer: {last}") from None

    async def settled_by_janitor(self, point: KillPoint, name: str) -> None:
        """Wait until the janitor has recorded what the PSP did with the abandoned call."""

        async def settled() -> bool:  # the janitor's progress shows only in the intent
            return _settled(point, await self.intent(name))

        await eventually(settled, f"the janitor settling {name}", within=JANITOR_DEADLINE)

    async def intent(self, name: str) -> pi.PaymentIntent:
        return (
            await self._api.GetPaymentIntent(
                ps.GetPaymentIntentRequest(name=name), metadata=self._md(), timeout=CALL_DEADLINE
            )
        ).payment_intent

    # What happened: at the PSP and in the outbox.

    async def money_events(self, name: str) -> collections.Counter[str]:
        """The outbox's money events of the intent, by type (its state changes aside)."""
        rows = await self._rows(sa.select(outbox.c.event_type).where(outbox.c.ordering_key == name))
        kinds = [row.event_type.rsplit(".", 1)[-1] for row in rows]
        return collections.Counter(kind for kind in kinds if kind != "PaymentIntentStateChanged")

    async def refunds_recorded(self, name: str) -> int:
        rows = await self._rows(sa.select(refunds.c.id).where(refunds.c.intent_id == name.rsplit("/", 1)[-1]))
        return len(rows)

    async def assert_money_moved_once(self, point: KillPoint, name: str) -> None:
        intent = await self.intent(name)
        assert (intent.state, intent.amount_captured.amount_minor) == (pi.PAYMENT_INTENT_STATE_SUCCEEDED, AMOUNT)
        assert intent.amount_refunded.amount_minor == (REFUND if point.refunds else 0)
        [payment] = await self.control.payments(name)  # one authorization, at one PSP
        refunded = REFUND if point.refunds else 0
        assert (payment["captures"], payment["captured"]["amount_minor"]) == (1, AMOUNT)
        assert (payment["refunds"], payment["refunded"]["amount_minor"]) == (int(point.refunds), refunded)
        expected = {"PaymentAuthorized": 1, "PaymentCaptured": 1} | ({"PaymentRefunded": 1} if point.refunds else {})
        assert await self.money_events(name) == expected
        assert await self.refunds_recorded(name) == int(point.refunds)

    async def _rows(self, query) -> list:
        database = Database.from_url(self.env["DATABASE_URL"])
        try:
            async with database.read() as conn:
                return list(await conn.execute(query))
        finally:
            await database.dispose()

    @property
    def _api(self) -> payment_service_pb2_grpc.PaymentServiceStub:
        return payment_service_pb2_grpc.PaymentServiceStub(self._channel)

    @property
    def _vault(self) -> vault_service_pb2_grpc.VaultServiceStub:
        return vault_service_pb2_grpc.VaultServiceStub(self._channel)

    def _md(self) -> tuple[tuple[str, str], ...]:
        return ((TENANT_HEADER, self.tenant), (CALLER_HEADER, "crash-drill"))


def eur(minor: int) -> money_pb2.Money:
    return money_pb2.Money(currency_code="EUR", amount_minor=minor)


def assert_answered_in_full(point: KillPoint, response) -> None:
    """The retry's own answer: the payment done, or the refund made."""
    if point.refunds:
        assert (response.refund.amount.amount_minor, response.refund.psp_reference != "") == (REFUND, True)
    assert response.payment_intent.state == pi.PAYMENT_INTENT_STATE_SUCCEEDED


def _settled(point: KillPoint, intent: pi.PaymentIntent) -> bool:
    if point.refunds:
        return intent.amount_refunded.amount_minor == REFUND
    return intent.state == pi.PAYMENT_INTENT_STATE_SUCCEEDED


# Fixtures: the two processes, on SQLite and on PostgreSQL + Redis.


@pytest.fixture
def database_env(service_stack: ServiceStack) -> dict[str, str]:
    return service_stack.environment("payments")


@pytest.fixture
async def psp_port(tmp_path: pathlib.Path) -> AsyncIterator[int]:
    server = ChildProcess(
        "sandbox PSP server",
        python_module("services.payments.psp.sandbox_server", "--port", "0"),
        os.environ,
        tmp_path / "psp.log",
    )
    try:
        yield int(await server.start(port_line))
    finally:
        await server.kill()


@pytest.fixture
async def drill(database_env: dict[str, str], psp_port: int, tmp_path: pathlib.Path) -> AsyncIterator[Drill]:
    env = {
        **os.environ,
        **database_env,
        "GRPC_HOST": "127.0.0.1",
        "GRPC_PORT": "0",
        "IDEMPOTENCY_LOCK_TTL": LOCK_TTL,
        "VAULT_KEYS": f"k1:{base64.b64encode(b'd' * 32).decode()}",  # fixed: tokens survive the restart
        "VAULT_FINGERPRINT_KEY": base64.b64encode(b"f" * 32).decode(),
        "SANDBOX_PSP_ADDR": f"127.0.0.1:{psp_port}",
        "SHUTDOWN_DRAIN_SECONDS": "0",
    }
    drill = Drill(env, SandboxControl("127.0.0.1", psp_port, timeout=HOLD_DEADLINE), tmp_path)
    await drill.start_payments()
    try:
        yield drill
    finally:
        await drill.close()


@pytest.fixture
async def janitor_held(drill: Drill) -> AsyncIterator[HeldCall]:
    """Every status check at the PSP held: the janitor learns nothing, so the retries must settle."""
    gate = await drill.control.hold(SANDBOX_ALPHA, "status", BEFORE, every=True)
    try:
        yield gate
    finally:
        gate.close()


# The drill.


@pytest.mark.parametrize("point", KILL_POINTS, ids=str)
async def test_a_call_killed_mid_psp_call_and_retried_under_any_request_id_moves_money_once(
    drill: Drill, janitor_held: HeldCall, point: KillPoint
) -> None:
    same_id, new_id = [await drill.intent_ready_for(point) for _ in range(2)]
    request_ids = await drill.killed_mid_call(point, [same_id, new_id])

    await drill.start_payments()
    assert_answered_in_full(point, await drill.retried(point, same_id, request_ids[0]))
    assert_answered_in_full(point, await drill.retried(point, new_id, str(uuid.uuid4())))

    await drill.assert_money_moved_once(point, same_id)
    await drill.assert_money_moved_once(point, new_id)


@pytest.mark.parametrize("point", KILL_POINTS, ids=str)
async def test_a_retry_after_the_janitor_settled_the_killed_call_answers_it_and_moves_no_money_again(
    drill: Drill, point: KillPoint
) -> None:
    name = await drill.intent_ready_for(point)
    [request_id] = await drill.killed_mid_call(point, [name])

    await drill.start_payments()
    await drill.settled_by_janitor(point, name)
    assert_answered_in_full(point, await drill.retried(point, name, request_id))

    await drill.assert_money_moved_once(point, name)


CONCURRENT_PAYMENTS = 24
ANSWERED_BEFORE_KILL = 8  # the kill lands with the rest in flight: mid-transaction, mid-group, mid-PSP call


async def test_a_kill_under_concurrent_payments_keeps_every_answered_payment_and_moves_money_once(
    drill: Drill,
) -> None:
    """SIGKILL while many payments are in flight. Those whose transactions commit together
    (SQLite's group commit), some acknowledged and some not, meet the kill at whatever point each
    has reached. Every payment a caller was told succeeded is still there after the restart, and
    every payment retried under its request_id ends captured once, with one authorization and one
    capture at the PSP and one of each event."""
    names = [await drill.intent_ready_for(AUTHORIZATION) for _ in range(CONCURRENT_PAYMENTS)]
    request_ids = [str(uuid.uuid4()) for _ in names]
    answered: dict[str, pi.PaymentIntent] = {}
    enough = asyncio.Event()

    async def pay(name: str, request_id: str) -> None:
        response = await drill.call(AUTHORIZATION, name, request_id)
        answered[name] = response.payment_intent
        if len(answered) >= ANSWERED_BEFORE_KILL:
            enough.set()

    calls = [asyncio.ensure_future(pay(n, r)) for n, r in zip(names, request_ids, strict=True)]
    await asyncio.wait_for(enough.wait(), CALL_DEADLINE)
    outcomes = await drill.kill_payments(calls)
    unanswered = [name for name in names if name not in answered]
    died = [outcome for outcome in outcomes if outcome is not None]
    assert len(died) == len(unanswered)
    assert all(isinstance(o, grpc.aio.AioRpcError) and o.code() is grpc.StatusCode.UNAVAILABLE for o in died), died
    assert all(intent.state == pi.PAYMENT_INTENT_STATE_SUCCEEDED for intent in answered.values())

    await drill.start_payments()
    for name in answered:  # acknowledged before the kill: committed, whatever the kill cut short
        assert (await drill.intent(name)).state == pi.PAYMENT_INTENT_STATE_SUCCEEDED
    for name, request_id in zip(names, request_ids, strict=True):
        assert_answered_in_full(AUTHORIZATION, await drill.retried(AUTHORIZATION, name, request_id))
    for name in names:
        await drill.assert_money_moved_once(AUTHORIZATION, name)
    assert unanswered, "the kill came after every payment had been answered: nothing was drilled"
