"""Money: integer minor units, one currency, no float ever, allocation to the cent."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commerce.type.v1 import money_pb2
from mesh.errors import COMMON_DOMAIN, Code
from mesh.money import KNOWN_CURRENCIES, CurrencyMismatch, Money

currencies = st.sampled_from(sorted(KNOWN_CURRENCIES))  # Money refuses any other code
amounts = st.integers(min_value=-(10**15), max_value=10**15)
ratios = st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=12).filter(lambda r: sum(r) > 0)


@st.composite
def money(draw: st.DrawFn, currency: str | None = None) -> Money:
    return Money(currency or draw(currencies), draw(amounts))


@st.composite
def two_currencies(draw: st.DrawFn) -> tuple[str, str]:
    first = draw(currencies)
    return first, draw(currencies.filter(lambda code: code != first))


@pytest.mark.parametrize("amount", [10.0, 1.5, True, False, "100", None])
def test_money_refuses_non_integer_amount(amount: object) -> None:
    with pytest.raises(TypeError, match="amount_minor must be an int"):
        Money("EUR", amount)


@pytest.mark.parametrize("code", ["eur", "EU", "EURO", "E1R", "", " EUR", None])
def test_money_refuses_malformed_currency_code(code: object) -> None:
    with pytest.raises(ValueError, match="three upper-case letters"):
        Money(code, 100)


@pytest.mark.parametrize("code", ["ZZZ", "XAU", "XTS", "XXX"])
def test_money_refuses_a_currency_iso_4217_does_not_list_with_a_minor_unit(code: str) -> None:
    with pytest.raises(ValueError, match="must be an ISO 4217 currency"):
        Money(code, 100)


@pytest.mark.parametrize("amount", [2**63, -(2**63) - 1])
def test_money_refuses_amount_outside_int64(amount: int) -> None:
    with pytest.raises(ValueError, match="int64"):
        Money("EUR", amount)


def test_money_is_immutable() -> None:
    price = Money("EUR", 1050)

    with pytest.raises(AttributeError):
        price.amount_minor = 1  # type: ignore[misc]


def test_zero_is_nothing_of_that_currency() -> None:
    assert Money.zero("JPY") == Money("JPY", 0)


@given(money(), money())
def test_add_then_subtract_gives_back_the_original(first: Money, second: Money) -> None:
    second = Money(first.currency_code, second.amount_minor)

    assert (first + second) - second == first
    assert first - second + second == first


@given(money())
def test_negation_is_its_own_inverse_and_sums_to_zero(amount: Money) -> None:
    negated = -amount
    assert -negated == amount
    assert amount + -amount == Money.zero(amount.currency_code)


@given(two_currencies(), amounts, amounts)
def test_combining_different_currencies_raises_currency_mismatch(codes: tuple[str, str], left: int, right: int) -> None:
    a, b = Money(codes[0], left), Money(codes[1], right)

    for combine in (lambda: a + b, lambda: a - b, lambda: a < b, lambda: a <= b, lambda: a > b, lambda: a >= b):
        with pytest.raises(CurrencyMismatch):
            combine()


def test_currency_mismatch_is_invalid_argument_with_common_reason() -> None:
    with pytest.raises(CurrencyMismatch) as raised:
        Money("EUR", 1) + Money("USD", 1)

    error = raised.value
    assert (error.code, error.reason.name, error.reason.domain) == (
        Code.INVALID_ARGUMENT,
        "CURRENCY_MISMATCH",
        COMMON_DOMAIN,
    )
    assert error.metadata == {"left_currency": "EUR", "right_currency": "USD"}


def test_equality_across_currencies_is_false_not_an_error() -> None:
    assert Money("EUR", 100) != Money("USD", 100)


@given(money(currency="EUR"), money(currency="EUR"))
def test_comparison_orders_by_amount_within_a_currency(first: Money, second: Money) -> None:
    assert (first < second) == (first.amount_minor < second.amount_minor)
    assert (first >= second) == (first.amount_minor >= second.amount_minor)


@pytest.mark.parametrize("other", [100, 1.0, None])
def test_arithmetic_with_a_non_money_raises_type_error(other: object) -> None:
    with pytest.raises(TypeError):
        Money("EUR", 100) + other
    with pytest.raises(TypeError):
        Money("EUR", 100) < other  # noqa: B015 - evaluated only for the TypeError it raises


@given(money(), st.integers(min_value=-1000, max_value=1000))
def test_multiplying_by_a_quantity_equals_repeated_addition(price: Money, quantity: int) -> None:
    repeated = Money.total(price.currency_code, [price] * abs(quantity))

    assert price * quantity == (repeated if quantity >= 0 else -repeated)
    assert quantity * price == price * quantity


@pytest.mark.parametrize("factor", [1.5, True])
def test_multiplying_by_a_non_integer_raises_type_error(factor: object) -> None:
    with pytest.raises(TypeError):
        Money("EUR", 100) * factor


def test_total_of_nothing_is_zero_and_checks_every_currency() -> None:
    assert Money.total("EUR", []) == Money.zero("EUR")
    with pytest.raises(CurrencyMismatch):
        Money.total("EUR", [Money("EUR", 1), Money("USD", 1)])


@given(money(), ratios)
def test_allocation_always_sums_exactly_to_the_amount(amount: Money, weights: list[int]) -> None:
    parts = amount.allocate(weights)

    assert len(parts) == len(weights)
    assert Money.total(amount.currency_code, parts) == amount


@given(money(), ratios)
def test_allocation_parts_are_within_one_cent_of_the_exact_share(amount: Money, weights: list[int]) -> None:
    parts = amount.allocate(weights)

    for part, weight in zip(parts, weights, strict=True):
        exact_times_whole = amount.amount_minor * weight
        assert abs(part.amount_minor * sum(weights) - exact_times_whole) < sum(weights)


@given(money(), ratios)
def test_allocation_gives_nothing_to_a_zero_ratio(amount: Money, weights: list[int]) -> None:
    parts = amount.allocate([*weights, 0])

    assert parts[-1] == Money.zero(amount.currency_code)


@given(money(), ratios)
def test_allocation_of_a_negative_amount_mirrors_the_positive(amount: Money, weights: list[int]) -> None:
    assert (-amount).allocate(weights) == [-part for part in amount.allocate(weights)]


def test_allocation_gives_leftover_cents_to_largest_remainders_first() -> None:
    assert Money("EUR", 100).allocate([1, 1, 1]) == [Money("EUR", 34), Money("EUR", 33), Money("EUR", 33)]
    assert Money("EUR", 5).allocate([1, 3]) == [Money("EUR", 1), Money("EUR", 4)]
    assert Money("EUR", 1001).allocate([70, 30]) == [Money("EUR", 701), Money("EUR", 300)]


@pytest.mark.parametrize("weights", [[], [0, 0], [1, -1], [0.5, 0.5], [True, 1]])
def test_allocation_refuses_ratios_that_cannot_split(weights: list[object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        Money("EUR", 100).allocate(weights)


@given(money())
def test_proto_round_trip_preserves_money(amount: Money) -> None:
    message = amount.to_proto()

    assert isinstance(message, money_pb2.Money)
    assert Money.from_proto(message) == amount


def test_from_proto_refuses_a_message_without_currency() -> None:
    with pytest.raises(ValueError, match="ISO 4217"):
        Money.from_proto(money_pb2.Money(amount_minor=100))


@pytest.mark.parametrize(
    ("amount", "shown"),
    [
        (Money("EUR", 1250), "EUR 12.50"),
        (Money("EUR", 5), "EUR 0.05"),
        (Money("EUR", -5), "EUR -0.05"),
        (Money("USD", 0), "USD 0.00"),
        (Money("JPY", 1250), "JPY 1250"),
        (Money("KWD", 1250), "KWD 1.250"),
    ],
)
def test_display_uses_the_currencys_minor_unit_digits(amount: Money, shown: str) -> None:
    assert amount.display() == shown
