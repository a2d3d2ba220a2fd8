"""Final and transient codes live in mesh.status_codes, so the error contract needs nothing from
idempotency: importing mesh.errors loads no mesh.idempotency (the cycle it used to dodge). Its
`Code` is gRPC's vocabulary without grpc: a domain that fails with a code loads no grpc at all,
and the edge maps each Code to the grpc.StatusCode of the same name and number."""

from __future__ import annotations

import subprocess
import sys

import grpc
import pytest

from mesh import idempotency, status_codes
from mesh.errors import Code, DomainError, common
from mesh.grpc_codes import from_grpc, to_grpc
from mesh.idempotency import outcome

PROBE = """
import sys
from mesh.errors import Code, DomainError, common
DomainError(Code.FAILED_PRECONDITION, common.VALIDATION_FAILED, "no", keep_effects=True)
print(sorted(m for m in sys.modules if m.startswith("mesh.idempotency")))
"""

# The domains as a service imports them, and what a fresh interpreter then holds of grpc.
DOMAIN_PROBE = """
import sys
import services.invoicing.domain, services.invoicing.domain.billing_errors, services.invoicing.domain.errors
import services.payments.domain, services.payments.domain.errors
print(sorted(m for m in sys.modules if m == "grpc" or m.startswith(("grpc.", "grpc_"))))
"""


def loaded_by(probe: str) -> str:
    return subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()


def test_mesh_errors_imports_nothing_from_idempotency() -> None:
    # A fresh interpreter, and keep_effects checked: where the old import hid, inside a function.
    assert loaded_by(PROBE) == "[]"


def test_the_domains_and_their_errors_load_no_grpc() -> None:
    assert loaded_by(DOMAIN_PROBE) == "[]"


def test_idempotency_shares_the_one_classification() -> None:
    assert idempotency.TRANSIENT_CODES is outcome.TRANSIENT_CODES is status_codes.TRANSIENT_CODES
    assert outcome.is_final is status_codes.is_final


@pytest.mark.parametrize("code", list(Code))
def test_each_code_is_the_grpc_code_of_its_name_and_number(code: Code) -> None:
    grpc_code = to_grpc(code)

    assert (grpc_code.name, grpc_code.value[0]) == (code.name, code.value)
    assert from_grpc(grpc_code) is code


def test_every_grpc_code_has_its_code() -> None:
    assert {to_grpc(code) for code in Code} == set(grpc.StatusCode)


def test_the_transient_codes_are_the_ones_a_retry_can_change() -> None:
    assert {code.name for code in status_codes.TRANSIENT_CODES} == {
        "UNAVAILABLE",
        "ABORTED",
        "DEADLINE_EXCEEDED",
        "RESOURCE_EXHAUSTED",
        "INTERNAL",
        "UNKNOWN",
        "CANCELLED",
    }


@pytest.mark.parametrize("code", sorted(status_codes.TRANSIENT_CODES, key=lambda code: code.name))
def test_keep_effects_refuses_a_transient_code(code: Code) -> None:
    assert not status_codes.is_final(code)
    with pytest.raises(ValueError, match=code.name):
        DomainError(code, common.VALIDATION_FAILED, "no", keep_effects=True)


def test_keep_effects_refuses_ok() -> None:
    with pytest.raises(ValueError, match="OK"):
        DomainError(Code.OK, common.VALIDATION_FAILED, "no", keep_effects=True)


def test_keep_effects_takes_a_final_code() -> None:
    assert DomainError(Code.FAILED_PRECONDITION, common.VALIDATION_FAILED, "no", keep_effects=True).keep_effects
