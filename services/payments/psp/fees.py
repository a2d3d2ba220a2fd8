"""PSP fees: a rate in basis points plus a fixed amount, in integer minor units.

fee = round_half_up(amount × rate_bps / 10 000) + fixed_minor, in the currency of the amount.
Half-up on exact halves (0.5 → 1), computed with integers only, so every fee is the same on
every machine and a settlement reconciles to the cent. The fixed part is the same number of
minor units in every currency (30 means 0.30 EUR, 0.30 USD, 30 JPY).
"""

from __future__ import annotations

import dataclasses

from mesh.money import Money

__all__ = ["FeeSchedule"]

_BPS_PER_UNIT = 10_000


@dataclasses.dataclass(frozen=True)
class FeeSchedule:
    """What a PSP charges per capture: `rate_bps` basis points (290 = 2.9 %) + `fixed_minor`."""

    rate_bps: int
    fixed_minor: int

    def __post_init__(self) -> None:
        for name in ("rate_bps", "fixed_minor"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative int, not {value!r}")

    def fee_for(self, amount: Money) -> Money:
        """The fee on capturing `amount` (a positive amount), in its currency."""
        if amount.amount_minor <= 0:
            raise ValueError("fees are charged on positive amounts only")
        scaled = amount.amount_minor * self.rate_bps
        # floor(x + 1/2) with x = scaled / 10 000, in integers: half-up for positive amounts.
        variable = (2 * scaled + _BPS_PER_UNIT) // (2 * _BPS_PER_UNIT)
        return Money(amount.currency_code, variable + self.fixed_minor)
