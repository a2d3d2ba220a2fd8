"""`mesh reconcile FILE`: reconcile a PSP settlement CSV through the running invoicing service's
ReconcileSettlement, print the report as a table, exit 1 when anything is unmatched (a mismatch,
or an item expected in the next report), 2 when the report was refused."""

from __future__ import annotations

import argparse
import asyncio
import datetime
import pathlib
import sys
import uuid

EXIT_UNMATCHED, EXIT_REFUSED = 1, 2


def add_commands(commands: argparse._SubParsersAction) -> None:
    reconcile = commands.add_parser("reconcile", help="reconcile a PSP settlement CSV against the ledger")
    reconcile.add_argument("file", type=pathlib.Path, help="the settlement CSV")
    reconcile.add_argument("--psp", required=True, help="the connector that issued it, e.g. sandbox-alpha")
    reconcile.add_argument(
        "--date",
        default=datetime.datetime.now(datetime.UTC).date().isoformat(),
        help="the settlement date, YYYY-MM-DD (default: today, UTC)",
    )
    reconcile.add_argument("--tenant", required=True, help="the tenant whose ledger is reconciled")
    reconcile.add_argument("--target", default="127.0.0.1:50051", help="the invoicing service's address")
    reconcile.set_defaults(run=lambda args: asyncio.run(_reconcile(args)))


async def _reconcile(args: argparse.Namespace) -> int:
    import grpc

    from mesh.resilience.rpc_errors import domain_error_of

    try:
        report = await reconcile_file(args.target, args.tenant, args.psp, args.date, args.file.read_bytes())
    except grpc.aio.AioRpcError as error:
        print(f"refused: {error.code().name} {domain_error_of(error).reason.name}: {error.details()}", file=sys.stderr)
        return EXIT_REFUSED
    print(render(report))
    return EXIT_UNMATCHED if report.mismatched_count or report.timing_count else 0


async def reconcile_file(target: str, tenant: str, psp: str, day: str, content: bytes):
    import grpc

    from commerce.invoicing.v1 import reconciliation_report_pb2 as rr
    from commerce.invoicing.v1 import reconciliation_service_pb2 as rs
    from commerce.invoicing.v1 import reconciliation_service_pb2_grpc
    from mesh.context import CALLER_HEADER, TENANT_HEADER

    request = rs.ReconcileSettlementRequest(
        parent=f"tenants/{tenant}",
        request_id=str(uuid.uuid4()),
        psp=psp,
        settlement_date=day,
        format=rr.SETTLEMENT_REPORT_FORMAT_CSV,
        content=content,
    )
    options = [("grpc.max_send_message_length", 11 * 1024 * 1024)]
    async with grpc.aio.insecure_channel(target, options=options) as channel:
        stub = reconciliation_service_pb2_grpc.ReconciliationServiceStub(channel)
        metadata = ((TENANT_HEADER, tenant), (CALLER_HEADER, "mesh-cli"))
        return (await stub.ReconcileSettlement(request, metadata=metadata, timeout=60)).reconciliation_report


def render(report) -> str:
    """The report as a plain-text table: a summary, the totals per currency, every finding."""
    from commerce.invoicing.v1 import reconciliation_report_pb2 as rr

    lines = [
        f"{report.name}  psp={report.psp}  date={report.settlement_date}",
        f"rows {report.line_count}  matched {report.matched_count}  mismatched {report.mismatched_count}  "
        f"timing {report.timing_count}",
        "",
        _row("currency", "settlement gross", "fees", "net", "ledger gross", "fees", "net"),
    ]
    for total in report.totals:
        lines.append(
            _row(
                total.settlement_gross.currency_code,
                *(
                    str(getattr(total, field).amount_minor)
                    for field in (
                        "settlement_gross",
                        "settlement_fees",
                        "settlement_net",
                        "ledger_gross",
                        "ledger_fees",
                        "ledger_net",
                    )
                ),
            )
        )
    lines += ["", _row("kind", "psp_reference", "line", "expected", "actual", "journal entry")]
    for mismatch in report.mismatches:
        lines.append(
            _row(
                rr.MismatchKind.Name(mismatch.kind).removeprefix("MISMATCH_KIND_"),
                mismatch.psp_reference,
                str(mismatch.line_number or "-"),
                _money(mismatch, "expected"),
                _money(mismatch, "actual"),
                mismatch.journal_entry or "-",
            )
        )
    return "\n".join(lines)


def _money(mismatch, field: str) -> str:
    if not mismatch.HasField(field):
        return "-"
    amount = getattr(mismatch, field)
    return f"{amount.amount_minor} {amount.currency_code}"


def _row(*cells: str) -> str:
    return "  ".join(f"{cell:<22}" for cell in cells).rstrip()
