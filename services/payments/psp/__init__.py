"""PSP connectors: one interface (connector) and the built-in sandbox PSPs behind it."""

from services.payments.psp.cards import CardBrand
from services.payments.psp.connector import (
    AuthorizeRequest,
    Outcome,
    PspCard,
    PspConnector,
    PspError,
    PspIdempotencyConflict,
    PspRequestRejected,
    PspResult,
    PspTimeout,
    PspUnavailable,
)
from services.payments.psp.factory import SANDBOX_ALPHA, SANDBOX_BETA, SANDBOX_NAMES, sandbox_psp, sandbox_psps
from services.payments.psp.fees import FeeSchedule
from services.payments.psp.sandbox import SandboxPayment, SandboxPsp
from services.payments.psp.settlement import HEADER as SETTLEMENT_HEADER

__all__ = [
    "SANDBOX_ALPHA",
    "SANDBOX_BETA",
    "SANDBOX_NAMES",
    "SETTLEMENT_HEADER",
    "AuthorizeRequest",
    "CardBrand",
    "FeeSchedule",
    "Outcome",
    "PspCard",
    "PspConnector",
    "PspError",
    "PspIdempotencyConflict",
    "PspRequestRejected",
    "PspResult",
    "PspTimeout",
    "PspUnavailable",
    "SandboxPayment",
    "SandboxPsp",
    "sandbox_psp",
    "sandbox_psps",
]
