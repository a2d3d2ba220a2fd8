"""The reasons the code writes out are values of the contract's ErrorReason enums.

A domain declares its reasons as plain Reason(name, domain) constants, so that it needs no
generated module; the shared ones are mesh.errors.common. Here they are held to the generated
enums, so a typo or a renamed value fails a test instead of reaching a caller: each name is a
value without its ERROR_REASON_ prefix, and each domain the proto package of its enum.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Iterator

import pytest
from google.protobuf.internal.enum_type_wrapper import EnumTypeWrapper

from commerce.invoicing.v1 import error_reason_pb2 as invoicing_reasons
from commerce.payments.v1 import error_reason_pb2 as payments_reasons
from commerce.type.v1 import error_reason_pb2 as common_reasons
from mesh.errors import COMMON_DOMAIN, REASON_PREFIX, Code, CommonReasons, Reason, common
from services.invoicing.domain.billing_errors import BillingError

ENUMS: dict[str, EnumTypeWrapper] = {
    enum.DESCRIPTOR.file.package: enum
    for enum in (common_reasons.ErrorReason, payments_reasons.ErrorReason, invoicing_reasons.ErrorReason)
}
DOMAINS = {"payments": "commerce.payments.v1", "invoicing": "commerce.invoicing.v1"}


def unknown(reasons: Iterable[Reason]) -> list[Reason]:
    """The reasons that are no value of their domain's ErrorReason enum."""
    return [r for r in reasons if r.domain not in ENUMS or REASON_PREFIX + r.name not in ENUMS[r.domain].keys()]


def declared_in(package: str) -> Iterator[Reason]:
    """Every Reason a module of `package` (a domain, its subpackages included) holds as a name."""
    root = importlib.import_module(package)
    modules = [root] + [
        importlib.import_module(info.name) for info in pkgutil.walk_packages(root.__path__, prefix=f"{package}.")
    ]
    for module in modules:
        yield from (value for value in vars(module).values() if isinstance(value, Reason))


@pytest.mark.parametrize("service", sorted(DOMAINS))
def test_every_reason_a_domain_declares_is_a_value_of_its_enum(service: str) -> None:
    declared = set(declared_in(f"services.{service}.domain"))

    assert declared  # a walk that finds nothing would pass too
    assert unknown(declared) == []
    assert {r.domain for r in declared} <= {DOMAINS[service], COMMON_DOMAIN}


def test_the_common_reasons_are_exactly_the_shared_enum() -> None:
    named = {value for value in vars(CommonReasons).values() if isinstance(value, Reason)}

    assert unknown(named) == []
    assert {r.domain for r in named} == {COMMON_DOMAIN}
    assert {REASON_PREFIX + r.name for r in named} == set(common_reasons.ErrorReason.keys()) - {
        "ERROR_REASON_UNSPECIFIED"
    }
    assert common.NOT_FOUND == Reason("NOT_FOUND", "commerce.type.v1")


def billing_errors() -> Iterator[type[BillingError]]:
    importlib.import_module("services.invoicing.invoices")  # where the use cases add their own
    importlib.import_module("services.invoicing.reconciling")
    pending = list(BillingError.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        yield cls


def test_every_billing_error_names_an_invoicing_or_common_reason_and_a_code() -> None:
    # Billing errors name their reason without its domain (services.invoicing.refusals looks in
    # invoicing's enum first, then the shared one) and their code by name.
    classes = list(billing_errors())

    assert len(classes) > 10
    assert [
        cls.__name__
        for cls in classes
        if unknown([Reason(cls.reason, DOMAINS["invoicing"])]) and unknown([Reason(cls.reason, COMMON_DOMAIN)])
    ] == []
    assert [cls.__name__ for cls in classes if cls.code not in Code.__members__] == []


@pytest.mark.parametrize(
    "reason",
    [
        Reason("CARD_DECLINDE", "commerce.payments.v1"),  # a typo
        Reason("CARD_DECLINED", "commerce.invoicing.v1"),  # a value of another domain's enum
        Reason("NOT_FOUND", "commerce.shop.v1"),  # a domain without an enum
        Reason("ERROR_REASON_NOT_FOUND", COMMON_DOMAIN),  # the prefix left on
    ],
)
def test_a_reason_the_contract_does_not_have_is_found(reason: Reason) -> None:
    assert unknown([reason]) == [reason]
