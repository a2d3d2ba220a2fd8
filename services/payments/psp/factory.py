"""The built-in sandbox PSPs, by name: what `mesh up`, the demo and the tests route between.

- "sandbox-alpha": every card brand; 2.9 % + 30 minor units per capture.
- "sandbox-beta": no American Express (authorize answers UNSUPPORTED, so routing moves on);
  2.5 % + 25 minor units per capture.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from services.payments.psp.cards import CardBrand
from services.payments.psp.remote import RemoteSandboxPsp, parse_address
from services.payments.psp.sandbox import SandboxPsp

__all__ = ["SANDBOX_ALPHA", "SANDBOX_BETA", "SANDBOX_NAMES", "remote_sandbox_psps", "sandbox_psp", "sandbox_psps"]

SANDBOX_ALPHA = "sandbox-alpha"
SANDBOX_BETA = "sandbox-beta"


@dataclasses.dataclass(frozen=True)
class _Profile:
    fee_rate_bps: int
    fixed_fee_minor: int
    supported_brands: frozenset[CardBrand]


_PROFILES = {
    SANDBOX_ALPHA: _Profile(290, 30, frozenset(CardBrand)),
    SANDBOX_BETA: _Profile(250, 25, frozenset(CardBrand) - {CardBrand.AMEX}),
}

SANDBOX_NAMES: tuple[str, ...] = tuple(_PROFILES)


def sandbox_psp(name: str, **behaviour: Any) -> SandboxPsp:
    """The built-in sandbox `name`; `behaviour` takes SandboxPsp's latency, failure_rate,
    timeout_rate, clock, seed and sleep."""
    try:
        profile = _PROFILES[name]
    except KeyError:
        raise ValueError(f"no built-in sandbox PSP named {name!r}; known: {', '.join(SANDBOX_NAMES)}") from None
    return SandboxPsp(
        name,
        fee_rate_bps=profile.fee_rate_bps,
        fixed_fee_minor=profile.fixed_fee_minor,
        supported_brands=profile.supported_brands,
        **behaviour,
    )


def sandbox_psps(**behaviour: Any) -> dict[str, SandboxPsp]:
    """Every built-in sandbox, by name, each with the same `behaviour` (see sandbox_psp)."""
    return {name: sandbox_psp(name, **behaviour) for name in SANDBOX_NAMES}


def remote_sandbox_psps(address: str) -> dict[str, RemoteSandboxPsp]:
    """Every built-in sandbox, served out of process by sandbox_server at `address` ("host:port")."""
    host, port = parse_address(address)
    return {name: RemoteSandboxPsp(name, host, port) for name in SANDBOX_NAMES}
