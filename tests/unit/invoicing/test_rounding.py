"""The domain's one rounding rule: half to even, exact inputs only; split loses no minor unit."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.invoicing.domain.rounding import round_half_even, scale, split


@pytest.mark.parametrize(
    ("exact", "rounded"),
    [
        (Fraction(5, 2), 2),
        (Fraction(7, 2), 4),
        (Fraction(-5, 2), -2),
        (Fraction(-7, 2), -4),
        (Fraction(1, 2), 0),
        (Fraction(3, 2), 2),
        (Fraction(-1, 2), 0),
        (Fraction(251, 100), 3),
        (Fraction(249, 100), 2),
        (Fraction(-251, 100), -3),
        (7, 7),
        (0, 0),
    ],
)
def test_halves_go_to_the_even_neighbour_and_everything_else_to_the_nearest(exact, rounded: int) -> None:
    assert round_half_even(exact) == rounded


@given(st.fractions(max_denominator=10_000))
def test_it_is_pythons_own_half_even_and_symmetric_around_zero(exact: Fraction) -> None:
    assert round_half_even(exact) == round(exact)
    assert round_half_even(-exact) == -round_half_even(exact)


@pytest.mark.parametrize("inexact", [0.5, 2.0, True, "1"])
def test_floats_and_other_inexact_values_are_refused(inexact) -> None:
    with pytest.raises(TypeError):
        round_half_even(inexact)


def test_scale_rounds_the_exact_product() -> None:
    assert scale(1999, 19, 100) == 380  # 379.81
    assert scale(250, 1, 100) == 2  # 2.5 → 2
    assert scale(350, 1, 100) == 4  # 3.5 → 4
    with pytest.raises(ValueError):
        scale(1, 1, 0)


@given(st.integers(-(10**12), 10**12), st.lists(st.integers(0, 10**6), min_size=1, max_size=12).filter(any))
def test_split_parts_sum_exactly_and_stay_within_a_minor_unit_of_their_share(amount: int, weights: list[int]) -> None:
    parts = split(amount, weights)

    assert sum(parts) == amount
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - Fraction(amount * weight, sum(weights))) <= 1
        if weight == 0:
            assert part == 0


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=12).filter(any), st.data())
def test_split_of_at_most_the_weights_never_gives_a_part_above_its_weight(weights: list[int], data) -> None:
    amount = data.draw(st.integers(0, sum(weights)))

    assert all(0 <= part <= weight for part, weight in zip(split(amount, weights), weights, strict=True))


def test_split_refuses_weights_that_cannot_share() -> None:
    for weights in ([], [0, 0], [1, -1]):
        with pytest.raises(ValueError):
            split(10, weights)
