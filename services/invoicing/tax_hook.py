"""The tax hook as the app calls it: the tenant's TaxCalculator behind mesh.resilience.

A provider call gets a deadline (TAX_POLICY, shortened by the caller's remaining time), one
retry on UNAVAILABLE / DEADLINE_EXCEEDED, and a circuit breaker on the "tax-provider"
dependency. It is made between the finalize use case's local transactions, never inside one.

When the provider is down (it fails, times out, or its breaker is open), finalization refuses:
TaxCalculationFailed (UNAVAILABLE / TAX_CALCULATION_FAILED, with RetryInfo). The invoice stays
DRAFT, no number is used, nothing is booked, and the idempotency key is released, so a retry of
the same request_id runs afresh. An invoice is never issued untaxed or with a guessed tax.
"""

from __future__ import annotations

import asyncio
import datetime

from commerce.invoicing.v1 import error_reason_pb2
from mesh.errors import Code, DomainError, reason_of
from mesh.resilience import DEPENDENCY_FAILURE_CODES, CallPolicy, ResilientClient, code_of
from services.invoicing.domain.billing_errors import BillingError, TaxCalculationFailed
from services.invoicing.domain.tax import TaxCalculator, TaxRequest, TaxResult

TAX_POLICY = CallPolicy(
    name="invoicing->tax-provider.Calculate", dependency="tax-provider", timeout=3.0, idempotent=True, max_attempts=2
)
RETRY_AFTER = datetime.timedelta(seconds=5)
_FAILED = reason_of(error_reason_pb2.ErrorReason, error_reason_pb2.ERROR_REASON_TAX_CALCULATION_FAILED)


class TaxHook:
    def __init__(
        self, calculator: TaxCalculator, *, client: ResilientClient | None = None, policy: CallPolicy = TAX_POLICY
    ) -> None:
        self._calculator = calculator
        self._calculate = (client or ResilientClient()).wrap(policy, self._attempt)

    async def calculate(self, request: TaxRequest) -> TaxResult:
        """The provider's answer; TaxCodeUnknown as it said, TaxCalculationFailed when it is down."""
        try:
            return await self._calculate(request)
        except DomainError as err:
            if code_of(err) in DEPENDENCY_FAILURE_CODES:
                raise TaxCalculationFailed(f"the tax provider did not answer: {err.message}") from err
            raise

    async def _attempt(self, request: TaxRequest, *, timeout: float, metadata=()) -> TaxResult:
        """One provider call, its failures as the gRPC codes the breaker and retries understand."""
        try:
            return await asyncio.wait_for(self._calculator.calculate(request), timeout)
        except TimeoutError:
            raise DomainError(Code.DEADLINE_EXCEEDED, _FAILED, "the tax provider timed out") from None
        except TaxCalculationFailed as err:
            raise DomainError(Code.UNAVAILABLE, _FAILED, err.message) from err
        except BillingError:
            raise  # an answer about the request (an unknown tax code): the provider is up
        except Exception as err:  # a provider's own failure, whatever it raises
            raise DomainError(Code.UNAVAILABLE, _FAILED, "the tax provider failed") from err
