"""The gRPC adapters of the invoicing service: proto in, use cases, proto out. Validation,
tenancy (every "tenants/…" name is the caller's), idempotency and error mapping already
happened in the runtime's interceptors."""

from __future__ import annotations

from commerce.invoicing.v1 import account_pb2, ledger_service_pb2_grpc
from commerce.invoicing.v1 import ledger_service_pb2 as ls
from mesh.context import current_tenant
from mesh.money import Money
from mesh.pagination import PageRequest
from mesh.resources import ResourceName
from services.invoicing.app import EntryFilter, InvoicingApp, Totals
from services.invoicing.domain.accounts import NormalSide

ACCOUNT = ResourceName("tenants/{tenant}/accounts/{account}")


class LedgerApi(ledger_service_pb2_grpc.LedgerServiceServicer):
    def __init__(self, app: InvoicingApp) -> None:
        self._app = app

    async def GetAccountBalance(self, request, context):
        account_id = ACCOUNT.parse(request.account, field="account")["account"]
        found = await self._app.balances(current_tenant(), account_id, request.currency_code)
        return ls.GetAccountBalanceResponse(
            account=request.account, account_type=found.account.type, as_of_sequence=found.as_of_sequence,
            balances=[_balance(totals, found.account.normal) for totals in found.totals])

    async def ListJournalEntries(self, request, context):
        account_id = ACCOUNT.parse(request.account, field="account")["account"] if request.account else ""
        where = EntryFilter(account=account_id, source_resource=request.source_resource,
                            source_event_id=request.source_event_id)
        page = PageRequest.of(request.page_size, request.page_token, request.parent, request.account,
                              request.source_resource, request.source_event_id)
        entries = await self._app.entries_page(current_tenant(), where, page)
        return ls.ListJournalEntriesResponse(journal_entries=entries.items, next_page_token=entries.next_page_token)

    async def VerifyLedger(self, request, context):
        result = await self._app.verify(current_tenant(), request.start_sequence, request.end_sequence)
        return ls.VerifyLedgerResponse(
            ok=result.ok, entries_checked=result.entries_checked, first_broken_entry=result.first_broken_entry,
            first_broken_sequence=result.first_broken_sequence, violation=result.violation, detail=result.detail,
            head_sequence=result.head_sequence, head_hash=result.head_hash)


def _balance(totals: Totals, normal: NormalSide) -> account_pb2.AccountBalance:
    debits = Money(totals.currency_code, totals.debits_minor)
    credits = Money(totals.currency_code, totals.credits_minor)
    balance = debits - credits if normal is NormalSide.DEBIT else credits - debits
    return account_pb2.AccountBalance(balance=balance.to_proto(), debits_total=debits.to_proto(),
                                      credits_total=credits.to_proto(), posting_count=totals.posting_count)
