"""Rounding: the one place where an exact amount becomes whole minor units.

The rule, stated once: **round half to even, to the minor unit, per line.**

- Where: a prorated line's price (quantity × unit_amount × billed share of the period); a line's
  tax (exclusive: amount × rate; inclusive: price × rate / (1 + rate)); a credit note line's
  tax (the line's tax in proportion to what has been credited of it, cumulatively); and the
  split of one amount over several lines (cumulative, see `split`). Nothing else rounds.
- Never a total: subtotals, tax, totals, amounts due are integer sums of rounded lines, which
  is why `subtotal − discounts + tax = total` holds to the minor unit by construction.
- Why half to even: it is unbiased over many lines (exact halves go up as often as down, so a
  month of invoices does not drift a cent per line towards the tax office or the customer);
  it is symmetric around zero, so a credit line's tax is exactly the negation of the same
  charge's tax; and the contract already promises it (invoice.proto's proration,
  credit_note.proto's tax). PSP fees round half up (services/payments/psp/fees.py), but that is
  the PSP's rule, which reconciliation compares and never recomputes.

Exact amounts are `fractions.Fraction`s built from integers only; a float never gets here.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

__all__ = ["round_half_even", "scale", "split"]


def round_half_even(exact: Fraction | int) -> int:
    """`exact` rounded to the nearest integer, exact halves to the even neighbour (−2.5 → −2)."""
    if isinstance(exact, bool) or not isinstance(exact, Fraction | int):
        raise TypeError(f"only exact amounts are rounded, not {type(exact).__name__}")
    exact = Fraction(exact)
    floor, remainder = divmod(exact.numerator, exact.denominator)  # remainder in [0, denominator)
    twice = 2 * remainder
    if twice > exact.denominator or (twice == exact.denominator and floor % 2 == 1):
        return floor + 1
    return floor


def scale(amount_minor: int, numerator: int, denominator: int) -> int:
    """amount × numerator / denominator, rounded by the rule."""
    if denominator <= 0:
        raise ValueError(f"denominator must be positive, not {denominator}")
    return round_half_even(Fraction(amount_minor * numerator, denominator))


def split(amount_minor: int, weights: Sequence[int]) -> list[int]:
    """Split `amount_minor` in proportion to `weights`, the parts summing exactly to it.

    Cumulative rounding: part i is round(amount × (w0 + … + wi) / W) − round(amount × (w0 + … +
    w(i−1)) / W). The last cumulative share is the whole amount, so nothing is lost or
    invented; each part lies within one minor unit of its exact share, a zero weight gets zero,
    parts of a non-negative amount are non-negative, and when 0 ≤ amount ≤ W no part exceeds
    its weight (what credit notes rely on: a line's share never exceeds its remainder).
    """
    if not weights or any(weight < 0 for weight in weights) or sum(weights) == 0:
        raise ValueError(f"weights must be non-negative with a positive sum, not {list(weights)}")
    whole, running, previous, parts = sum(weights), 0, 0, []
    for weight in weights:
        running += weight
        upto = scale(amount_minor, running, whole)
        parts.append(upto - previous)
        previous = upto
    return parts
