"""ReconciliationService over real gRPC on both stacks: captures and refunds booked from payment
events are the ledger side; each injected discrepancy is named, and nothing else."""

from __future__ import annotations

import argparse
import datetime
import uuid

import grpc
import pytest
from google.rpc import error_details_pb2

from commerce.invoicing.v1 import reconciliation_report_pb2 as rr
from commerce.invoicing.v1 import reconciliation_service_pb2 as rs
from commerce.payments.v1 import events_pb2
from mesh.resilience.rpc_errors import domain_error_of
from services.invoicing.cli import EXIT_UNMATCHED, _reconcile
from tests.integration.invoicing.conftest import PSP, BillingUnderTest, eur

K = rr.MismatchKind
HEADER = "psp_reference,type,currency,gross_minor,fee_minor,net_minor\r\n"


async def book_day(billing: BillingUnderTest) -> None:
    """Three captures and a refund at the PSP, as the payment events book them."""
    for n, (amount, fee) in enumerate([(10000, 320), (4000, 141), (2500, 98)], 1):
        await billing.book(
            events_pb2.PaymentCaptured(
                payment_intent=billing.intent(f"pi_{n}"),
                amount=eur(amount),
                fee=eur(fee),
                psp=PSP,
                psp_reference=f"cap-{n}",
            )
        )
    await billing.book(
        events_pb2.PaymentRefunded(
            payment_intent=billing.intent("pi_1"),
            amount=eur(1000),
            psp=PSP,
            refund=billing.intent("pi_1") + "/refunds/re_1",
            psp_reference="ref-1",
        )
    )


def settlement(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\r\n" for row in rows)).encode()


AGREEING = (
    "cap-1,capture,EUR,10000,320,9680",
    "cap-2,capture,EUR,4000,141,3859",
    "cap-3,capture,EUR,2500,98,2402",
    "ref-1,refund,EUR,-1000,0,-1000",
)


async def reconcile(billing: BillingUnderTest, content: bytes) -> rr.ReconciliationReport:
    now = datetime.datetime.now(datetime.UTC)
    request = rs.ReconcileSettlementRequest(
        parent=billing.parent,
        request_id=str(uuid.uuid4()),
        psp=PSP,
        settlement_date=now.date().isoformat(),
        format=rr.SETTLEMENT_REPORT_FORMAT_CSV,
        content=content,
    )
    request.period_start_time.FromDatetime(now - datetime.timedelta(hours=2))
    request.period_end_time.FromDatetime(now + datetime.timedelta(hours=2))
    response = await billing.reconciliation.ReconcileSettlement(request, metadata=billing.md())
    return response.reconciliation_report


def findings(report: rr.ReconciliationReport) -> set[tuple[str, str]]:
    return {(K.Name(m.kind).removeprefix("MISMATCH_KIND_"), m.psp_reference) for m in report.mismatches}


async def test_a_settlement_that_agrees_reconciles_every_line(billing: BillingUnderTest) -> None:
    await book_day(billing)

    report = await reconcile(billing, settlement(*AGREEING))

    assert (report.line_count, report.matched_count, report.mismatched_count) == (4, 4, 0)
    (total,) = report.totals
    assert total.settlement_net == total.ledger_net and total.ledger_net.amount_minor == 9680 + 3859 + 2402 - 1000


async def test_the_report_names_exactly_the_injected_discrepancies(billing: BillingUnderTest) -> None:
    await book_day(billing)

    report = await reconcile(
        billing,
        settlement(
            "cap-1,capture,EUR,10001,320,9681",  # amount
            "cap-2,capture,EUR,4000,140,3860",  # fee
            "ref-1,refund,EUR,-1000,0,-1000",
            "ref-1,refund,EUR,-1000,0,-1000",  # duplicate
            "cap-9,capture,EUR,700,50,650",  # unknown to the ledger
        ),
    )  # cap-3 left out: missing in the settlement

    assert findings(report) == {
        ("AMOUNT_MISMATCH", "cap-1"),
        ("FEE_MISMATCH", "cap-2"),
        ("DUPLICATE", "ref-1"),
        ("MISSING_IN_LEDGER", "cap-9"),
        ("MISSING_IN_SETTLEMENT", "cap-3"),
    }
    assert report.matched_count == 1 and report.mismatched_count == 5


async def test_the_same_file_twice_gives_the_same_stored_report(billing: BillingUnderTest) -> None:
    await book_day(billing)
    first = await reconcile(billing, settlement(*AGREEING))

    again = await reconcile(billing, settlement(*AGREEING))

    assert again == first
    listed = await billing.reconciliation.ListReconciliationReports(
        rs.ListReconciliationReportsRequest(parent=billing.parent), metadata=billing.md()
    )
    assert list(listed.reconciliation_reports) == [first]
    got = await billing.reconciliation.GetReconciliationReport(
        rs.GetReconciliationReportRequest(name=first.name), metadata=billing.md()
    )
    assert got.reconciliation_report == first


async def test_a_malformed_line_is_reported_by_number_and_reconciles_nothing(billing: BillingUnderTest) -> None:
    await book_day(billing)

    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await reconcile(billing, settlement(AGREEING[0], "cap-2,capture,EUR,40.00,141,3859", *AGREEING[2:]))

    status = domain_error_of(raised.value)
    assert raised.value.code() == grpc.StatusCode.INVALID_ARGUMENT and status.reason.name == "SETTLEMENT_REPORT_INVALID"
    assert status.detail(error_details_pb2.ErrorInfo).metadata["line"] == "3"
    assert [v.field for v in status.detail(error_details_pb2.BadRequest).field_violations] == [
        "content.line[3].gross_minor"
    ]
    listed = await billing.reconciliation.ListReconciliationReports(
        rs.ListReconciliationReportsRequest(parent=billing.parent), metadata=billing.md()
    )
    assert list(listed.reconciliation_reports) == []
    assert (await reconcile(billing, settlement(*AGREEING))).matched_count == 4  # nothing was marked settled


def cli_args(billing: BillingUnderTest, path) -> argparse.Namespace:
    today = datetime.datetime.now(datetime.UTC).date().isoformat()
    return argparse.Namespace(file=path, psp=PSP, date=today, tenant=billing.tenant, target=billing.target)


async def test_mesh_reconcile_prints_the_table_and_fails_on_anything_unmatched(
    billing: BillingUnderTest, tmp_path, capsys
) -> None:
    await book_day(billing)
    path = tmp_path / "settlement.csv"
    path.write_bytes(settlement(*AGREEING[:3], "cap-9,capture,EUR,700,50,650"))

    code = await _reconcile(cli_args(billing, path))

    printed = capsys.readouterr().out
    assert code == EXIT_UNMATCHED
    assert "MISSING_IN_LEDGER" in printed and "cap-9" in printed and "700 EUR" in printed
