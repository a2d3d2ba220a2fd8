"""The ways the ledger refuses, each with its stable invoicing reason.

An account id outside the chart of accounts is NOT_FOUND / ACCOUNT_NOT_FOUND (a caller's
mistake). An entry that does not balance is INTERNAL / LEDGER_UNBALANCED: the posting rules
are code, so an unbalanced entry is a bug, and the whole transaction, state change included,
rolls back instead of booking half of it.

The reasons are values of commerce.invoicing.v1.ErrorReason, written out so the domain needs no
generated module; tests/unit/test_error_reasons.py holds them to the enum.
"""

from __future__ import annotations

from mesh.errors import Code, DomainError, Reason

__all__ = ["ACCOUNT_NOT_FOUND", "DOMAIN", "LEDGER_UNBALANCED", "AccountNotFound", "UnbalancedEntry"]

DOMAIN = "commerce.invoicing.v1"
ACCOUNT_NOT_FOUND = Reason("ACCOUNT_NOT_FOUND", DOMAIN)
LEDGER_UNBALANCED = Reason("LEDGER_UNBALANCED", DOMAIN)


class AccountNotFound(DomainError):
    """`account` is not an id of the chart of accounts."""

    def __init__(self, account: str) -> None:
        super().__init__(
            Code.NOT_FOUND,
            ACCOUNT_NOT_FOUND,
            "no such account in the chart of accounts",
            metadata={"account": account[:100]},
        )


class UnbalancedEntry(DomainError):
    """A journal entry whose postings break the double-entry rules; `problem` says how (not
    `detail`: that is DomainError's reading of its status details)."""

    def __init__(self, problem: str) -> None:
        super().__init__(Code.INTERNAL, LEDGER_UNBALANCED, f"journal entry refused: {problem}")
        self.problem = problem
