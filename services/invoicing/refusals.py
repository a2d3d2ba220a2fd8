"""The domain's refusals as the contract's errors: billing_errors, reconciliation's and
CreateInvoice's field checks become DomainError with the reason the contract names."""

from __future__ import annotations

import datetime
import functools

from commerce.invoicing.v1 import error_reason_pb2
from mesh.errors import REASON_PREFIX, Code, DomainError, FieldViolation, Reason, common, reason_of
from services.invoicing.domain.billing_errors import BillingError, TaxCalculationFailed
from services.invoicing.invoice_checks import FieldRejected
from services.invoicing.reconciliation import SettlementRejected
from services.invoicing.reconciling import SettlementLinesInvalid

TAX_RETRY_AFTER = datetime.timedelta(seconds=5)
_INVOICING_REASONS = {name.removeprefix(REASON_PREFIX) for name in error_reason_pb2.ErrorReason.keys()}


def mapped(handler):
    """Wrap an api method so that a domain refusal reaches the caller as its DomainError."""

    @functools.wraps(handler)
    async def call(self, request, context):
        try:
            return await handler(self, request, context)
        except (BillingError, SettlementRejected, FieldRejected) as refusal:
            raise domain_error(refusal) from refusal

    return call


def domain_error(refusal: BillingError | SettlementRejected | FieldRejected) -> DomainError:
    if isinstance(refusal, FieldRejected):
        return DomainError(
            Code.INVALID_ARGUMENT,
            common.VALIDATION_FAILED,
            str(refusal),
            violations=[FieldViolation(refusal.field, refusal.description)],
        )
    retry_after = TAX_RETRY_AFTER if isinstance(refusal, TaxCalculationFailed) else None
    return DomainError(
        Code[refusal.code],
        _reason(refusal.reason),
        refusal.message,
        metadata=refusal.metadata,
        violations=_violations(refusal),
        retry_after=retry_after,
    )


def _reason(name: str) -> Reason:
    if name in _INVOICING_REASONS:
        return reason_of(error_reason_pb2.ErrorReason, error_reason_pb2.ErrorReason.Value(REASON_PREFIX + name))
    return getattr(common, name)


def _violations(refusal) -> list[FieldViolation]:
    if not isinstance(refusal, SettlementLinesInvalid):
        return []
    return [
        FieldViolation(
            f"content.line[{line.line_number}]" + (f".{line.column}" if line.column else ""),
            f"{line.problem.value}: {line.detail}",
        )
        for line in refusal.invalid_lines[:100]
    ]
