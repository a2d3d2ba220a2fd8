"""The ways the ledger refuses, each with its stable invoicing reason.

An account id outside the chart of accounts is NOT_FOUND / ACCOUNT_NOT_FOUND (a caller's
mistake). An entry that does not balance is INTERNAL / LEDGER_UNBALANCED: the posting rules
are code, so an unbalanced entry is a bug, and the whole transaction, state change included,
rolls back instead of booking half of it.
"""

from __future__ import annotations

import grpc

from commerce.invoicing.v1 import error_reason_pb2
from mesh.errors import DomainError, reason_of

__all__ = ["ACCOUNT_NOT_FOUND", "LEDGER_UNBALANCED", "AccountNotFound", "UnbalancedEntry"]

ACCOUNT_NOT_FOUND = reason_of(error_reason_pb2.ErrorReason, error_reason_pb2.ERROR_REASON_ACCOUNT_NOT_FOUND)
LEDGER_UNBALANCED = reason_of(error_reason_pb2.ErrorReason, error_reason_pb2.ERROR_REASON_LEDGER_UNBALANCED)


class AccountNotFound(DomainError):
    """`account` is not an id of the chart of accounts."""

    def __init__(self, account: str) -> None:
        super().__init__(grpc.StatusCode.NOT_FOUND, ACCOUNT_NOT_FOUND,
                         "no such account in the chart of accounts", metadata={"account": account[:100]})


class UnbalancedEntry(DomainError):
    """A journal entry whose postings break the double-entry rules; `detail` says how."""

    def __init__(self, detail: str) -> None:
        super().__init__(grpc.StatusCode.INTERNAL, LEDGER_UNBALANCED, f"journal entry refused: {detail}")
        self.detail = detail
