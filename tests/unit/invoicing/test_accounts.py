"""The chart of accounts: every AccountType is reachable, sides and memo flags as account.proto says.
The domain's types are the proto's by name (the API maps them so)."""

from __future__ import annotations

import pytest

from commerce.invoicing.v1 import account_pb2
from mesh.errors import Code
from services.invoicing.domain import accounts
from services.invoicing.domain.accounts import AccountType, NormalSide
from services.invoicing.domain.errors import AccountNotFound

T = account_pb2.AccountType

# One example id per AccountType value name. A new enum value without an entry here fails
# test_every_account_type_is_reachable: the chart and this table must grow together.
EXAMPLES = {
    "ACCOUNT_TYPE_ACCOUNTS_RECEIVABLE": "accounts-receivable",
    "ACCOUNT_TYPE_CASH_AT_PSP": "cash-at-psp-sandbox-alpha",
    "ACCOUNT_TYPE_PSP_FEES": "psp-fees-sandbox-alpha",
    "ACCOUNT_TYPE_REVENUE": "revenue",
    "ACCOUNT_TYPE_TAX_PAYABLE": "tax-payable",
    "ACCOUNT_TYPE_REFUNDS": "refunds",
    "ACCOUNT_TYPE_BAD_DEBT": "bad-debt",
    "ACCOUNT_TYPE_DISCOUNTS": "discounts",
    "ACCOUNT_TYPE_AUTHORIZATION_HOLDS": "authorization-holds-sandbox-alpha",
    "ACCOUNT_TYPE_AUTHORIZATION_HOLDS_OFFSET": "authorization-holds-offset",
}

# (normal side, memo) per type, from the comments of account.proto.
SIDES = {
    T.ACCOUNT_TYPE_ACCOUNTS_RECEIVABLE: (NormalSide.DEBIT, False),
    T.ACCOUNT_TYPE_CASH_AT_PSP: (NormalSide.DEBIT, False),
    T.ACCOUNT_TYPE_PSP_FEES: (NormalSide.DEBIT, False),
    T.ACCOUNT_TYPE_REVENUE: (NormalSide.CREDIT, False),
    T.ACCOUNT_TYPE_TAX_PAYABLE: (NormalSide.CREDIT, False),
    T.ACCOUNT_TYPE_REFUNDS: (NormalSide.DEBIT, False),
    T.ACCOUNT_TYPE_BAD_DEBT: (NormalSide.DEBIT, False),
    T.ACCOUNT_TYPE_DISCOUNTS: (NormalSide.DEBIT, False),
    T.ACCOUNT_TYPE_AUTHORIZATION_HOLDS: (NormalSide.DEBIT, True),
    T.ACCOUNT_TYPE_AUTHORIZATION_HOLDS_OFFSET: (NormalSide.CREDIT, True),
}

ACCOUNT_TYPES = [value for value in T.values() if value != T.ACCOUNT_TYPE_UNSPECIFIED]


def domain_type(account_type: int) -> AccountType:
    return AccountType[T.Name(account_type).removeprefix("ACCOUNT_TYPE_")]


def test_the_domain_types_are_the_enums_values() -> None:
    assert {domain_type(value) for value in ACCOUNT_TYPES} == set(AccountType)


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES, ids=T.Name)
def test_every_account_type_is_reachable(account_type: int) -> None:
    name = T.Name(account_type)
    assert name in EXAMPLES, f"{name} has no example account id: add one and its classify mapping"

    account = accounts.classify(EXAMPLES[name])

    assert account.type is domain_type(account_type)
    assert account.id == EXAMPLES[name]


def test_the_examples_cover_exactly_the_enum() -> None:
    assert {T.Value(name) for name in EXAMPLES} == set(ACCOUNT_TYPES)
    assert set(SIDES) == set(ACCOUNT_TYPES)


@pytest.mark.parametrize("account_type", ACCOUNT_TYPES, ids=T.Name)
def test_normal_side_and_memo_flag_follow_account_proto(account_type: int) -> None:
    account = accounts.classify(EXAMPLES[T.Name(account_type)])

    assert (account.normal, account.memo) == SIDES[account_type]


@pytest.mark.parametrize(
    ("helper", "prefix", "account_type"),
    [
        (accounts.cash_at_psp, "cash-at-psp-", T.ACCOUNT_TYPE_CASH_AT_PSP),
        (accounts.psp_fees, "psp-fees-", T.ACCOUNT_TYPE_PSP_FEES),
        (accounts.authorization_holds, "authorization-holds-", T.ACCOUNT_TYPE_AUTHORIZATION_HOLDS),
    ],
)
@pytest.mark.parametrize("psp", ["sandbox-alpha", "sandbox-beta", "a", "0", "x" * 44])
def test_per_psp_ids_are_one_account_per_connector(helper, prefix: str, account_type: int, psp: str) -> None:
    account_id = helper(psp)
    account = accounts.classify(account_id)

    assert account_id == prefix + psp
    assert len(account_id) <= 64
    assert account.id == account_id
    assert account.type is domain_type(account_type)


def test_two_connectors_get_two_distinct_accounts() -> None:
    alpha, beta = accounts.classify("cash-at-psp-sandbox-alpha"), accounts.classify("cash-at-psp-sandbox-beta")

    assert alpha.type is beta.type is AccountType.CASH_AT_PSP
    assert alpha != beta


def test_the_offset_account_is_fixed_not_a_connector_named_offset() -> None:
    offset = accounts.classify("authorization-holds-offset")

    assert offset.type is AccountType.AUTHORIZATION_HOLDS_OFFSET
    assert offset.normal is NormalSide.CREDIT
    with pytest.raises(ValueError):
        accounts.authorization_holds("offset")  # its holds account would be the offset account


@pytest.mark.parametrize(
    "account_id",
    [
        "",
        "cash",
        "receivable",
        "Accounts-Receivable",
        "accounts-receivable ",
        " revenue",
        "revenue-x",
        "tenants/acme/accounts/revenue",
        "cash-at-psp",
        "cash-at-psp-",
        "psp-fees-",
        "authorization-holds-",
        "cash-at-psp-Sandbox",
        "cash-at-psp--sandbox",
        "cash-at-psp-sandbox_alpha",
        "cash-at-psp-sandbox alpha",
        "cash-at-psp-sandbox/alpha",
        "cash-at-psp-sandbox.alpha",
        "psp-fees-ä",
        "cash-at-psp-sandbox\n",
        "cash-at-psp-" + "x" * 45,
        "authorization-holds-" + "x" * 45,
        "cash-at-pspsandbox",
        "fees-sandbox-alpha",
    ],
)
def test_unknown_ids_and_malformed_psp_names_are_not_found(account_id: str) -> None:
    with pytest.raises(AccountNotFound) as raised:
        accounts.classify(account_id)

    error = raised.value
    assert error.code is Code.NOT_FOUND
    assert (error.reason.name, error.reason.domain) == ("ACCOUNT_NOT_FOUND", "commerce.invoicing.v1")
    assert error.metadata == {"account": account_id[:100]}


def test_account_not_found_metadata_is_bounded() -> None:
    with pytest.raises(AccountNotFound) as raised:
        accounts.classify("y" * 500)

    assert raised.value.metadata == {"account": "y" * 100}


@pytest.mark.parametrize("psp", ["", "Sandbox", "-sandbox", "sandbox_alpha", "sandbox alpha", "x" * 45])
@pytest.mark.parametrize("helper", [accounts.cash_at_psp, accounts.psp_fees, accounts.authorization_holds])
def test_helpers_refuse_malformed_connector_names(helper, psp: str) -> None:
    with pytest.raises(ValueError, match="not a PSP connector name"):
        helper(psp)
