"""The payments service over real gRPC, on SQLite + memory and on PostgreSQL + Redis, with
sandbox PSPs the tests can reach into (and make time out)."""

from __future__ import annotations

import base64
import collections
import dataclasses
import uuid

import grpc
import pytest
import sqlalchemy as sa

from commerce.payments.v1 import payment_intent_pb2 as pi
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import payment_service_pb2_grpc, vault_service_pb2_grpc
from commerce.payments.v1 import vault_service_pb2 as vs
from commerce.type.v1 import money_pb2
from mesh.context import CALLER_HEADER, TENANT_HEADER
from mesh.runtime import Runtime
from services.payments.app import PaymentsApp
from services.payments.janitor import VerificationJanitor
from services.payments.main import UNFINGERPRINTED, bindings
from services.payments.migrations import PAYMENTS_MIGRATIONS
from services.payments.psp.connector import PspResult, PspTimeout
from services.payments.psp.factory import SANDBOX_ALPHA, SANDBOX_BETA, sandbox_psp
from services.payments.routing import PspRouter, RoutingPolicy
from services.payments.vault import KeyRing, Vault

KEYS = f"k1:{base64.b64encode(b'k' * 32).decode()}"


class ProcessDied(Exception):
    """Stands for the payments process dying right after a PSP executed a call: nothing of the
    request commits, and the caller sees an error."""


class FlakySandbox:
    """A sandbox PSP whose answers can be lost after it executed the call (a timeout), or whose
    caller can die right after it executed the call (`die_after`: operation → how many times)."""

    def __init__(self, name: str) -> None:
        self.psp = sandbox_psp(name)
        self.name = name
        self.lose_authorizations = 0  # how many authorize answers to lose
        self.lose_captures = 0
        self.lose_voids = 0
        self.die_after: collections.Counter[str] = collections.Counter()
        self.authorize_calls: list[str] = []  # the idempotency key of every authorize that reached us

    def __getattr__(self, attribute):
        return getattr(self.psp, attribute)

    async def authorize(self, request):
        self.authorize_calls.append(request.idempotency_key)
        result = await self.psp.authorize(request)
        self._maybe_die("authorize")
        if self.lose_authorizations:
            self.lose_authorizations -= 1
            raise PspTimeout(psp=self.name, idempotency_key=request.idempotency_key)
        return result

    async def capture(self, key, reference, amount):
        result = await self.psp.capture(key, reference, amount)
        self._maybe_die("capture")
        if self.lose_captures:
            self.lose_captures -= 1
            raise PspTimeout(psp=self.name, idempotency_key=key)
        return result

    async def void(self, key: str, reference: str) -> PspResult:
        result = await self.psp.void(key, reference)
        self._maybe_die("void")
        if self.lose_voids:
            self.lose_voids -= 1
            raise PspTimeout(psp=self.name, idempotency_key=key)
        return result

    async def refund(self, key, reference, amount):
        result = await self.psp.refund(key, reference, amount)
        self._maybe_die("refund")
        return result

    def _maybe_die(self, operation: str) -> None:
        if self.die_after[operation]:
            self.die_after[operation] -= 1
            raise ProcessDied(f"died after the PSP's {operation}")


@dataclasses.dataclass
class PaymentsUnderTest:
    runtime: Runtime
    app: PaymentsApp
    psps: dict[str, FlakySandbox]
    channel: grpc.aio.Channel
    tenant: str

    @property
    def payments(self):
        return payment_service_pb2_grpc.PaymentServiceStub(self.channel)

    @property
    def vault(self):
        return vault_service_pb2_grpc.VaultServiceStub(self.channel)

    @property
    def janitor(self) -> VerificationJanitor:
        return VerificationJanitor(self.app)

    def md(self):
        return ((TENANT_HEADER, self.tenant), (CALLER_HEADER, "tests"))

    async def tokenize(self, pan: str, cvc: str = "737") -> str:
        response = await self.vault.TokenizeCard(
            vs.TokenizeCardRequest(
                parent=f"tenants/{self.tenant}",
                request_id=str(uuid.uuid4()),
                card_number=pan,
                exp_month=12,
                exp_year=2099,
                cvc=cvc,
                cardholder_name="Ada Lovelace",
            ),
            metadata=self.md(),
        )
        return response.token

    async def created_intent(
        self, pan: str, amount: int = 1000, cvc: str = "737", *, capture_method: int = pi.CAPTURE_METHOD_MANUAL
    ) -> pi.PaymentIntent:
        token = await self.tokenize(pan, cvc)
        created = await self.payments.CreatePaymentIntent(
            ps.CreatePaymentIntentRequest(
                parent=f"tenants/{self.tenant}",
                request_id=str(uuid.uuid4()),
                amount=money_pb2.Money(currency_code="EUR", amount_minor=amount),
                payment_method=token,
                capture_method=capture_method,
            ),
            metadata=self.md(),
        )
        return created.payment_intent

    async def authorize(self, name: str, request_id: str | None = None) -> pi.PaymentIntent:
        """AuthorizePaymentIntent; a decline raises its CARD_DECLINED AioRpcError."""
        response = await self.payments.AuthorizePaymentIntent(
            ps.AuthorizePaymentIntentRequest(name=name, request_id=request_id or str(uuid.uuid4())), metadata=self.md()
        )
        return response.payment_intent

    async def authorized_intent(self, pan: str, amount: int = 1000, cvc: str = "737") -> pi.PaymentIntent:
        """An intent for `pan`, created and authorized (a declined card raises CARD_DECLINED)."""
        return await self.authorize((await self.created_intent(pan, amount, cvc)).name)

    async def get(self, name: str) -> pi.PaymentIntent:
        return (
            await self.payments.GetPaymentIntent(ps.GetPaymentIntentRequest(name=name), metadata=self.md())
        ).payment_intent

    async def table_rows(self, *names: str) -> list[str]:
        async with self.runtime.database.transaction() as conn:
            rows = []
            for name in names:
                rows += [repr(tuple(row)) for row in await conn.execute(sa.text(f"SELECT * FROM {name}"))]
            return rows


@pytest.fixture
async def payments(service_stack):
    runtime = await Runtime.open(
        service_stack.settings("payments"), migrations=[PAYMENTS_MIGRATIONS], unfingerprinted=UNFINGERPRINTED
    )
    psps = {SANDBOX_ALPHA: FlakySandbox(SANDBOX_ALPHA), SANDBOX_BETA: FlakySandbox(SANDBOX_BETA)}
    router = PspRouter(
        psps,
        RoutingPolicy(
            rules=(),
            default=(SANDBOX_ALPHA, SANDBOX_BETA),
            backoff_base=0.001,
            backoff_max=0.002,
            status_hedge_after=0.05,
        ),
    )
    app = PaymentsApp(runtime.database, Vault(KeyRing.from_setting(KEYS), b"f" * 32), router)
    server = runtime.server(bindings(app))
    port = await server.start()
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{port}")
    yield PaymentsUnderTest(runtime, app, psps, channel, tenant=f"t-{uuid.uuid4().hex[:10]}")
    await channel.close()
    await server.shutdown()
    await runtime.close()
