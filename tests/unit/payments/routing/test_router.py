"""Routing between the built-in sandbox PSPs: fallback, declines, unknown outcomes, breakers."""

from __future__ import annotations

import dataclasses

import pytest

from mesh.errors import Code, DomainError
from mesh.money import Money
from mesh.resilience import BreakerRegistry, BreakerSettings, BreakerState
from services.payments.psp.connector import AuthorizeRequest, Outcome, PspTimeout, PspUnavailable
from services.payments.psp.factory import SANDBOX_ALPHA, SANDBOX_BETA, sandbox_psp
from services.payments.routing import OutcomeUnknown, PspRouter, Routed, RoutingPolicy, RoutingRule
from tests.waiting import eventually

APPROVE = "4242424242424242"
INSUFFICIENT_FUNDS = "4000000000009995"
STOLEN = "4000000000009979"
AMEX = "378282246310005"
TIMEOUT_AFTER_EXECUTION = "4000000000000259"


@dataclasses.dataclass(frozen=True)
class Card:
    pan: str = dataclasses.field(repr=False)
    exp_month: int = 12
    exp_year: int = 2099


class Switchable:
    """A sandbox PSP that can be taken down (calls refused before executing) and counts calls."""

    def __init__(self, name: str) -> None:
        self._psp = sandbox_psp(name)
        self.name = name
        self.down = False
        self.timing_out = False  # executes, then the answer is lost
        self.calls = 0

    def __getattr__(self, attribute):
        return getattr(self._psp, attribute)

    async def authorize(self, request):
        self.calls += 1
        if self.down:
            raise PspUnavailable(psp=self.name, idempotency_key=request.idempotency_key)
        result = await self._psp.authorize(request)
        if self.timing_out:
            raise PspTimeout(psp=self.name, idempotency_key=request.idempotency_key)
        return result


def router(*, rules=(), breakers=None) -> tuple[PspRouter, Switchable, Switchable]:
    alpha, beta = Switchable(SANDBOX_ALPHA), Switchable(SANDBOX_BETA)
    policy = RoutingPolicy(
        rules=tuple(rules),
        default=(SANDBOX_ALPHA, SANDBOX_BETA),
        backoff_base=0.001,
        backoff_max=0.002,
        status_hedge_after=0.05,
    )
    return PspRouter({SANDBOX_ALPHA: alpha, SANDBOX_BETA: beta}, policy, breakers), alpha, beta


def request(pan: str, amount: int = 1000, currency: str = "EUR") -> AuthorizeRequest:
    return AuthorizeRequest(idempotency_key="k", amount=Money(currency, amount), card=Card(pan), reference="pi_1")


async def test_primary_down_falls_back_to_the_next_psp() -> None:
    routing, alpha, beta = router()
    alpha.down = True

    routed = await routing.authorize("key-1", request(APPROVE), tenant="acme", brand="visa")

    assert isinstance(routed, Routed) and routed.psp == SANDBOX_BETA and routed.result.approved
    assert alpha.calls == 3  # the same key, retried with backoff, before moving on
    assert routed.idempotency_key == "key-1:sandbox-beta"


@pytest.mark.parametrize(
    "pan, code, hard", [(STOLEN, "stolen_card", True), (INSUFFICIENT_FUNDS, "insufficient_funds", False)]
)
async def test_a_decline_is_never_routed_to_another_psp(pan: str, code: str, hard: bool) -> None:
    routing, alpha, beta = router()

    routed = await routing.authorize("key-2", request(pan), tenant="acme", brand="visa")

    assert routed.psp == SANDBOX_ALPHA and routed.result.outcome is Outcome.DECLINED
    assert (routed.result.decline_code, routed.result.hard_decline) == (code, hard)
    assert beta.calls == 0


async def test_a_psp_that_does_not_take_the_brand_is_skipped() -> None:
    amex_to_beta_first = RoutingRule(psps=(SANDBOX_BETA, SANDBOX_ALPHA), brands=frozenset({"amex"}))
    routing, alpha, beta = router(rules=[amex_to_beta_first])

    routed = await routing.authorize("key-3", request(AMEX), tenant="acme", brand="amex")

    assert (beta.calls, routed.psp, routed.skipped) == (1, SANDBOX_ALPHA, ("sandbox-beta: unsupported",))


async def test_rules_choose_by_currency_and_tenant() -> None:
    rules = [
        RoutingRule(psps=(SANDBOX_BETA,), currencies=frozenset({"GBP"})),
        RoutingRule(psps=(SANDBOX_BETA, SANDBOX_ALPHA), tenants=frozenset({"big-tenant"})),
    ]
    routing, alpha, beta = router(rules=rules)

    gbp = await routing.authorize("key-4", request(APPROVE, currency="GBP"), tenant="acme", brand="visa")
    tenant = await routing.authorize("key-5", request(APPROVE), tenant="big-tenant", brand="visa")
    other = await routing.authorize("key-6", request(APPROVE), tenant="acme", brand="visa")

    assert [gbp.psp, tenant.psp, other.psp] == [SANDBOX_BETA, SANDBOX_BETA, SANDBOX_ALPHA]


async def test_a_timeout_after_execution_is_resolved_by_the_same_key_retry_without_a_second_charge() -> None:
    routing, alpha, beta = router()

    routed = await routing.authorize("key-7", request(TIMEOUT_AFTER_EXECUTION), tenant="acme", brand="visa")

    assert routed.psp == SANDBOX_ALPHA and routed.result.approved  # the PSP's idempotency answered the retry
    assert beta.calls == 0
    stored = await routing.status(SANDBOX_ALPHA, "key-7:sandbox-alpha")
    assert stored.psp_reference == routed.result.psp_reference  # one authorization, not two


async def test_a_psp_that_keeps_timing_out_leaves_an_unknown_outcome_not_a_fallback() -> None:
    routing, alpha, beta = router()
    alpha.timing_out = True

    routed = await routing.authorize("key-12", request(APPROVE), tenant="acme", brand="visa")

    assert routed == OutcomeUnknown(SANDBOX_ALPHA, "key-12:sandbox-alpha")
    assert beta.calls == 0  # routing on could charge the customer twice
    resolved = await routing.status(routed.psp, routed.idempotency_key)
    assert resolved is not None and resolved.approved  # what the janitor learns: it did execute


async def test_every_psp_down_is_psp_unavailable_and_nothing_charged() -> None:
    routing, alpha, beta = router()
    alpha.down = beta.down = True

    with pytest.raises(DomainError) as raised:
        await routing.authorize("key-8", request(APPROVE), tenant="acme", brand="visa")

    assert raised.value.code is Code.UNAVAILABLE and raised.value.reason.name == "PSP_UNAVAILABLE"
    assert await routing.status(SANDBOX_ALPHA, "key-8:sandbox-alpha") is None


async def test_breaker_opens_skips_the_psp_then_half_opens_and_closes() -> None:
    breakers = BreakerRegistry(BreakerSettings(failure_threshold=3, recovery_timeout=0.2))
    routing, alpha, beta = router(breakers=breakers)
    alpha.down = True

    await routing.authorize("key-9", request(APPROVE), tenant="acme", brand="visa")  # 3 failures: opens
    assert breakers.state(SANDBOX_ALPHA) is BreakerState.OPEN
    calls_when_opened = alpha.calls
    skipped = await routing.authorize("key-10", request(APPROVE), tenant="acme", brand="visa")
    assert alpha.calls == calls_when_opened  # open: not even attempted
    assert skipped.psp == SANDBOX_BETA and "sandbox-alpha: circuit open" in skipped.skipped

    alpha.down = False
    # purgatory half-opens on the wall clock, after recovery_timeout: state only polling can see.
    await eventually(lambda: breakers.state(SANDBOX_ALPHA) is BreakerState.HALF_OPEN, "the breaker half-opening")
    recovered = await routing.authorize("key-11", request(APPROVE), tenant="acme", brand="visa")

    assert recovered.psp == SANDBOX_ALPHA
    assert breakers.state(SANDBOX_ALPHA) is BreakerState.CLOSED


class TimeoutThenOpenCircuit(Switchable):
    """Executes the first authorization and loses its answer; the circuit opens before the retry."""

    def __init__(self, name: str, breakers: BreakerRegistry) -> None:
        super().__init__(name)
        self._breakers = breakers

    async def authorize(self, request):
        self.calls += 1
        await self._psp.authorize(request)
        while self._breakers.state(self.name) is not BreakerState.OPEN:  # other calls fail meanwhile
            with pytest.raises(PspUnavailable):
                async with self._breakers.guard(self.name):
                    raise PspUnavailable(psp=self.name, idempotency_key="other")
        raise PspTimeout(psp=self.name, idempotency_key=request.idempotency_key)


async def test_a_timeout_followed_by_an_open_circuit_is_unknown_never_a_fallback() -> None:
    breakers = BreakerRegistry(BreakerSettings(failure_threshold=3, recovery_timeout=60))
    alpha = TimeoutThenOpenCircuit(SANDBOX_ALPHA, breakers)
    beta = Switchable(SANDBOX_BETA)
    policy = RoutingPolicy(rules=(), default=(SANDBOX_ALPHA, SANDBOX_BETA), backoff_base=0.001, backoff_max=0.002)
    routing = PspRouter({SANDBOX_ALPHA: alpha, SANDBOX_BETA: beta}, policy, breakers)

    routed = await routing.authorize("pi_1:v2", request(APPROVE), tenant="acme", brand="VISA")

    assert breakers.state(SANDBOX_ALPHA) is BreakerState.OPEN  # the retry met the open circuit
    assert routed == OutcomeUnknown(SANDBOX_ALPHA, f"pi_1:v2:{SANDBOX_ALPHA}")
    assert beta.calls == 0  # the hold at alpha may exist: never a second one elsewhere


async def test_a_timeout_followed_by_unavailable_is_unknown_never_a_fallback() -> None:
    routing, alpha, beta = router()
    original = alpha.authorize

    async def timeout_then_down(req):
        alpha.timing_out, alpha.down = alpha.calls == 0, alpha.calls > 0
        return await original(req)

    alpha.authorize = timeout_then_down
    routed = await routing.authorize("pi_2:v2", request(APPROVE), tenant="acme", brand="VISA")

    assert isinstance(routed, OutcomeUnknown) and routed.psp == SANDBOX_ALPHA
    assert (alpha.calls, beta.calls) == (3, 0)
