"""The chart of accounts: which account ids exist, their type and the side their balance is kept
on. The types are commerce.invoicing.v1.AccountType's, by name (the API maps them).

Accounts exist implicitly: an id is valid when it is one of the fixed ids or a per-PSP id
("cash-at-psp-sandbox-alpha") with a well-formed connector name. Memo accounts book what moves
no money (authorization holds); they balance among themselves and never mix with the others.

"discounts" (contra-revenue, debit-normal) takes an issued invoice's credit lines, so revenue
keeps the charges and the ledger shows subtotal − discounts + tax = total as it was invoiced.
"""

from __future__ import annotations

import dataclasses
import enum
import re

from services.invoicing.domain.errors import AccountNotFound

__all__ = [
    "ACCOUNTS_RECEIVABLE",
    "AUTHORIZATION_HOLDS_OFFSET",
    "BAD_DEBT",
    "DISCOUNTS",
    "REFUNDS",
    "REVENUE",
    "TAX_PAYABLE",
    "Account",
    "AccountType",
    "NormalSide",
    "authorization_holds",
    "cash_at_psp",
    "classify",
    "psp_fees",
]

# A PSP connector's name as it appears in account ids; the longest prefix ("authorization-holds-",
# 20 characters) plus 44 stays within the API's 64-character account id.
_PSP = re.compile(r"[a-z0-9][a-z0-9-]{0,43}")


class AccountType(enum.Enum):
    """What an account is for; the names are AccountType's without its prefix."""

    ACCOUNTS_RECEIVABLE = "accounts_receivable"
    CASH_AT_PSP = "cash_at_psp"
    PSP_FEES = "psp_fees"
    REVENUE = "revenue"
    TAX_PAYABLE = "tax_payable"
    REFUNDS = "refunds"
    BAD_DEBT = "bad_debt"
    DISCOUNTS = "discounts"
    AUTHORIZATION_HOLDS = "authorization_holds"  # memo
    AUTHORIZATION_HOLDS_OFFSET = "authorization_holds_offset"  # memo


class NormalSide(enum.Enum):
    """The side that raises the account's balance."""

    DEBIT = "debit"
    CREDIT = "credit"


@dataclasses.dataclass(frozen=True)
class Account:
    id: str
    type: AccountType
    normal: NormalSide
    memo: bool = False


ACCOUNTS_RECEIVABLE = "accounts-receivable"
REVENUE = "revenue"
TAX_PAYABLE = "tax-payable"
REFUNDS = "refunds"
BAD_DEBT = "bad-debt"
DISCOUNTS = "discounts"
AUTHORIZATION_HOLDS_OFFSET = "authorization-holds-offset"

_FIXED = {
    ACCOUNTS_RECEIVABLE: Account(ACCOUNTS_RECEIVABLE, AccountType.ACCOUNTS_RECEIVABLE, NormalSide.DEBIT),
    REVENUE: Account(REVENUE, AccountType.REVENUE, NormalSide.CREDIT),
    TAX_PAYABLE: Account(TAX_PAYABLE, AccountType.TAX_PAYABLE, NormalSide.CREDIT),
    REFUNDS: Account(REFUNDS, AccountType.REFUNDS, NormalSide.DEBIT),
    BAD_DEBT: Account(BAD_DEBT, AccountType.BAD_DEBT, NormalSide.DEBIT),
    DISCOUNTS: Account(DISCOUNTS, AccountType.DISCOUNTS, NormalSide.DEBIT),
    AUTHORIZATION_HOLDS_OFFSET: Account(
        AUTHORIZATION_HOLDS_OFFSET, AccountType.AUTHORIZATION_HOLDS_OFFSET, NormalSide.CREDIT, memo=True
    ),
}

# Per-PSP accounts, by id prefix. "authorization-holds-offset" is fixed and matched first.
_PER_PSP = (
    ("cash-at-psp-", AccountType.CASH_AT_PSP, NormalSide.DEBIT, False),
    ("psp-fees-", AccountType.PSP_FEES, NormalSide.DEBIT, False),
    ("authorization-holds-", AccountType.AUTHORIZATION_HOLDS, NormalSide.DEBIT, True),
)


def classify(account_id: str) -> Account:
    """The account with this id; AccountNotFound when the chart has none."""
    if account_id in _FIXED:
        return _FIXED[account_id]
    for prefix, account_type, normal, memo in _PER_PSP:
        if account_id.startswith(prefix) and _PSP.fullmatch(account_id.removeprefix(prefix)):
            return Account(account_id, account_type, normal, memo)
    raise AccountNotFound(account_id)


def cash_at_psp(psp: str) -> str:
    return _per_psp("cash-at-psp-", psp)


def psp_fees(psp: str) -> str:
    return _per_psp("psp-fees-", psp)


def authorization_holds(psp: str) -> str:
    return _per_psp("authorization-holds-", psp)


def _per_psp(prefix: str, psp: str) -> str:
    # "offset" would make authorization-holds-offset, the fixed offset account, a PSP's holds.
    if not _PSP.fullmatch(psp) or prefix + psp in _FIXED:
        raise ValueError(f"{psp!r} is not a PSP connector name")
    return prefix + psp
