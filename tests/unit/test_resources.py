"""Resource names are parsed and formatted by pattern, never by position."""

from __future__ import annotations

import pytest

from mesh.errors import Code, DomainError
from mesh.resources import ResourceName

REFUND = ResourceName("tenants/{tenant}/paymentIntents/{payment_intent}/refunds/{refund}")


def test_parse_names_every_variable_of_the_pattern() -> None:
    assert REFUND.parse("tenants/acme/paymentIntents/pi_1/refunds/re_2") == {
        "tenant": "acme",
        "payment_intent": "pi_1",
        "refund": "re_2",
    }


def test_format_is_the_inverse_of_parse() -> None:
    name = REFUND.format(tenant="acme", payment_intent="pi_1", refund="re_2")

    assert name == "tenants/acme/paymentIntents/pi_1/refunds/re_2"
    assert REFUND.format(**REFUND.parse(name)) == name


@pytest.mark.parametrize(
    "name",
    [
        "tenants/acme/paymentIntents/pi_1",  # the parent, not a refund
        "tenants/acme/invoices/pi_1/refunds/re_2",  # another collection
        "tenants/acme/paymentIntents/pi_1/refunds/re_2/extra",
        "tenants/acme/paymentIntents//refunds/re_2",  # an empty segment
        "",
    ],
)
def test_a_name_of_another_shape_is_invalid_argument_naming_the_field(name: str) -> None:
    with pytest.raises(DomainError) as raised:
        REFUND.parse(name, field="parent")

    assert raised.value.code is Code.INVALID_ARGUMENT
    assert raised.value.reason.name == "VALIDATION_FAILED"
    assert [violation.field for violation in raised.value.violations] == ["parent"]


@pytest.mark.parametrize(
    "parts",
    [
        {"tenant": "acme", "payment_intent": "pi_1"},  # one missing
        {"tenant": "acme", "payment_intent": "pi_1", "refund": "re_2", "extra": "x"},
        {"tenant": "acme", "payment_intent": "pi_1/refunds/re_9", "refund": "re_2"},  # would add segments
        {"tenant": "", "payment_intent": "pi_1", "refund": "re_2"},
    ],
)
def test_format_refuses_parts_that_do_not_make_one_name(parts: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        REFUND.format(**parts)


@pytest.mark.parametrize("pattern", ["tenants/{tenant}/x/{tenant}", "tenants//x", "tenants/{Tenant}"])
def test_a_malformed_pattern_is_refused_when_declared(pattern: str) -> None:
    with pytest.raises(ValueError):
        ResourceName(pattern)
