"""The gRPC adapters of the invoicing service: proto in, use cases, proto out. Validation,
tenancy (every "tenants/…" name is the caller's), idempotency and error mapping already
happened in the runtime's interceptors."""

from __future__ import annotations

from commerce.invoicing.v1 import account_pb2, ledger_service_pb2 as ls, ledger_service_pb2_grpc
from mesh import context as request_context
from mesh.money import Money
from mesh.pagination import issue_token, position_of
from services.invoicing import store
from services.invoicing.app import InvoicingApp
from services.invoicing.domain.accounts import NormalSide

DEFAULT_PAGE_SIZE = 50


class LedgerApi(ledger_service_pb2_grpc.LedgerServiceServicer):
    def __init__(self, app: InvoicingApp) -> None:
        self._app = app

    async def GetAccountBalance(self, request, context):
        account_id = request.account.split("/")[3]
        found = await self._app.balances(_tenant(), account_id, request.currency_code)
        return ls.GetAccountBalanceResponse(
            account=request.account, account_type=found.account.type, as_of_sequence=found.as_of_sequence,
            balances=[_balance(totals, found.account.normal) for totals in found.totals])

    async def ListJournalEntries(self, request, context):
        size = request.page_size or DEFAULT_PAGE_SIZE
        where = store.EntryFilter(account=request.account.split("/")[3] if request.account else "",
                                  source_resource=request.source_resource, source_event_id=request.source_event_id)
        query = (request.parent, request.account, request.source_resource, request.source_event_id)
        after = position_of(request.page_token, *query)
        entries = await self._app.entries(_tenant(), after_sequence=after, limit=size + 1, where=where)
        token = issue_token(entries[size - 1].sequence, *query) if len(entries) > size else ""
        return ls.ListJournalEntriesResponse(journal_entries=entries[:size], next_page_token=token)

    async def VerifyLedger(self, request, context):
        result = await self._app.verify(_tenant(), request.start_sequence, request.end_sequence)
        return ls.VerifyLedgerResponse(
            ok=result.ok, entries_checked=result.entries_checked, first_broken_entry=result.first_broken_entry,
            first_broken_sequence=result.first_broken_sequence, violation=result.violation, detail=result.detail,
            head_sequence=result.head_sequence, head_hash=result.head_hash)


def _balance(totals: store.Totals, normal: NormalSide) -> account_pb2.AccountBalance:
    debits = Money(totals.currency_code, totals.debits_minor)
    credits = Money(totals.currency_code, totals.credits_minor)
    balance = debits - credits if normal is NormalSide.DEBIT else credits - debits
    return account_pb2.AccountBalance(balance=balance.to_proto(), debits_total=debits.to_proto(),
                                      credits_total=credits.to_proto(), posting_count=totals.posting_count)


def _tenant() -> str:
    return request_context.current().tenant
