"""The connector vocabulary: the sandbox fits the interface, errors carry the contract's reasons."""

from __future__ import annotations

import inspect

import pytest
from google.rpc import error_details_pb2

from mesh.errors import Code
from services.payments.psp import (
    Outcome,
    PspConnector,
    PspIdempotencyConflict,
    PspResult,
    PspTimeout,
    PspUnavailable,
    SandboxPsp,
)

CONNECTOR_METHODS = ["authorize", "capture", "void", "refund", "status", "settlement_report"]


@pytest.mark.parametrize("method", CONNECTOR_METHODS)
def test_sandbox_implements_each_connector_method_as_coroutine(method) -> None:
    declared, implemented = getattr(PspConnector, method), getattr(SandboxPsp, method)

    assert inspect.iscoroutinefunction(implemented)
    assert list(inspect.signature(implemented).parameters) == list(inspect.signature(declared).parameters)


@pytest.mark.parametrize(
    ("error", "code", "reason", "domain"),
    [
        (PspTimeout(psp="p", idempotency_key="k"), Code.UNAVAILABLE, "OUTCOME_UNKNOWN", "commerce.payments.v1"),
        (PspUnavailable(psp="p", idempotency_key="k"), Code.UNAVAILABLE, "PSP_UNAVAILABLE", "commerce.payments.v1"),
        (
            PspIdempotencyConflict(psp="p", idempotency_key="k"),
            Code.INVALID_ARGUMENT,
            "IDEMPOTENCY_KEY_REUSED",
            "commerce.type.v1",
        ),
    ],
)
def test_psp_errors_carry_their_code_reason_and_call(error, code, reason, domain) -> None:
    status = error.status
    info = error_details_pb2.ErrorInfo()
    status.details[0].Unpack(info)

    assert (error.code, info.reason, info.domain) == (code, reason, domain)
    assert dict(info.metadata) == {"psp": "p", "idempotency_key": "k"}


@pytest.mark.parametrize("outcome", list(Outcome))
def test_psp_result_is_approved_only_for_approved_outcome(outcome) -> None:
    assert PspResult(outcome, "ref").approved == (outcome is Outcome.APPROVED)
