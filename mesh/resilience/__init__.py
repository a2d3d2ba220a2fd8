"""Resilience for outbound gRPC calls: deadlines, retries, budgets, breakers, hedging, fallbacks.

A call site declares a CallPolicy and wraps its stub method once; the shared ResilientClient
keeps one circuit breaker and one retry budget per dependency:

    client = ResilientClient()
    get_intent = client.wrap(
        CallPolicy(name="checkout->payments.GetPaymentIntent", dependency="payments",
                   timeout=2.0, idempotent=True, hedge_after=0.2),
        payments_stub.GetPaymentIntent,
    )
    response = await get_intent(request)
"""

from mesh.resilience.breaker import BreakerRegistry, BreakerSettings, BreakerState
from mesh.resilience.budget import RetryBudget, RetryBudgets
from mesh.resilience.client import Fallback, ResilientClient, ResilientMethod
from mesh.resilience.policy import DEFAULT_RETRYABLE_CODES, DEPENDENCY_FAILURE_CODES, CallPolicy
from mesh.resilience.propagation import Deadline, outbound_deadline, outbound_metadata
from mesh.resilience.rpc_errors import code_of, domain_error_of, retry_delay_of

__all__ = [
    "DEFAULT_RETRYABLE_CODES",
    "DEPENDENCY_FAILURE_CODES",
    "BreakerRegistry",
    "BreakerSettings",
    "BreakerState",
    "CallPolicy",
    "Deadline",
    "Fallback",
    "ResilientClient",
    "ResilientMethod",
    "RetryBudget",
    "RetryBudgets",
    "code_of",
    "domain_error_of",
    "outbound_deadline",
    "outbound_metadata",
    "retry_delay_of",
]
