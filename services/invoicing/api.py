"""The gRPC adapters of the invoicing service: proto in, use cases, proto out. Validation,
tenancy (every "tenants/…" name is the caller's), idempotency and error mapping already
happened in the runtime's interceptors."""

from __future__ import annotations

from commerce.invoicing.v1 import account_pb2, ledger_service_pb2_grpc
from commerce.invoicing.v1 import ledger_service_pb2 as ls
from mesh.context import current_tenant
from mesh.pagination import PageRequest
from mesh.resources import ResourceName
from services.invoicing.app import InvoicingApp
from services.invoicing.domain.accounts import AccountType, NormalSide
from services.invoicing.domain.chain import Violation
from services.invoicing.domain.journal import EntryFilter, Totals

ACCOUNT = ResourceName("tenants/{tenant}/accounts/{account}")
_ACCOUNT_TYPES: dict[AccountType, account_pb2.AccountType] = {
    AccountType.ACCOUNTS_RECEIVABLE: account_pb2.ACCOUNT_TYPE_ACCOUNTS_RECEIVABLE,
    AccountType.CASH_AT_PSP: account_pb2.ACCOUNT_TYPE_CASH_AT_PSP,
    AccountType.PSP_FEES: account_pb2.ACCOUNT_TYPE_PSP_FEES,
    AccountType.REVENUE: account_pb2.ACCOUNT_TYPE_REVENUE,
    AccountType.TAX_PAYABLE: account_pb2.ACCOUNT_TYPE_TAX_PAYABLE,
    AccountType.REFUNDS: account_pb2.ACCOUNT_TYPE_REFUNDS,
    AccountType.BAD_DEBT: account_pb2.ACCOUNT_TYPE_BAD_DEBT,
    AccountType.DISCOUNTS: account_pb2.ACCOUNT_TYPE_DISCOUNTS,
    AccountType.AUTHORIZATION_HOLDS: account_pb2.ACCOUNT_TYPE_AUTHORIZATION_HOLDS,
    AccountType.AUTHORIZATION_HOLDS_OFFSET: account_pb2.ACCOUNT_TYPE_AUTHORIZATION_HOLDS_OFFSET,
}
_VIOLATIONS: dict[Violation, ls.LedgerViolation] = {
    Violation.SEQUENCE_GAP: ls.LEDGER_VIOLATION_SEQUENCE_GAP,
    Violation.PREV_HASH_MISMATCH: ls.LEDGER_VIOLATION_PREV_HASH_MISMATCH,
    Violation.HASH_MISMATCH: ls.LEDGER_VIOLATION_HASH_MISMATCH,
    Violation.UNBALANCED: ls.LEDGER_VIOLATION_UNBALANCED,
    Violation.INVALID_POSTING: ls.LEDGER_VIOLATION_INVALID_POSTING,
}


class LedgerApi(ledger_service_pb2_grpc.LedgerServiceServicer):
    def __init__(self, app: InvoicingApp) -> None:
        self._app = app

    async def GetAccountBalance(self, request, context):
        account_id = ACCOUNT.parse(request.account, field="account")["account"]
        found = await self._app.balances(current_tenant(), account_id, request.currency_code)
        return ls.GetAccountBalanceResponse(
            account=request.account,
            account_type=account_type_number(found.account.type),
            as_of_sequence=found.as_of_sequence,
            balances=[_balance(totals, found.account.normal) for totals in found.totals],
        )

    async def ListJournalEntries(self, request, context):
        account_id = ACCOUNT.parse(request.account, field="account")["account"] if request.account else ""
        where = EntryFilter(
            account=account_id, source_resource=request.source_resource, source_event_id=request.source_event_id
        )
        page = PageRequest.of(
            request.page_size,
            request.page_token,
            request.parent,
            request.account,
            request.source_resource,
            request.source_event_id,
        )
        entries = await self._app.entries_page(current_tenant(), where, page)
        return ls.ListJournalEntriesResponse(journal_entries=entries.items, next_page_token=entries.next_page_token)

    async def VerifyLedger(self, request, context):
        result = await self._app.verify(current_tenant(), request.start_sequence, request.end_sequence)
        return ls.VerifyLedgerResponse(
            ok=result.ok,
            entries_checked=result.entries_checked,
            first_broken_entry=result.first_broken_entry,
            first_broken_sequence=result.first_broken_sequence,
            violation=violation_number(result.violation),
            detail=result.detail,
            head_sequence=result.head_sequence,
            head_hash=result.head_hash,
        )


def account_type_number(account_type: AccountType) -> account_pb2.AccountType:
    """The AccountType value of a domain account type."""
    return _ACCOUNT_TYPES[account_type]


def violation_number(violation: Violation | None) -> ls.LedgerViolation:
    """The LedgerViolation value of a domain violation; UNSPECIFIED for none."""
    return ls.LEDGER_VIOLATION_UNSPECIFIED if violation is None else _VIOLATIONS[violation]


def _balance(totals: Totals, normal: NormalSide) -> account_pb2.AccountBalance:
    return account_pb2.AccountBalance(
        balance=totals.balance(normal).to_proto(),
        debits_total=totals.debits.to_proto(),
        credits_total=totals.credits.to_proto(),
        posting_count=totals.posting_count,
    )
