"""Final and transient codes live in mesh.status_codes, so the error contract needs nothing from
idempotency: importing mesh.errors loads no mesh.idempotency (the cycle it used to dodge)."""

from __future__ import annotations

import subprocess
import sys

import grpc
import pytest

from mesh import idempotency, status_codes
from mesh.errors import DomainError, common
from mesh.idempotency import outcome

PROBE = """
import sys, grpc
from mesh.errors import DomainError, common
DomainError(grpc.StatusCode.FAILED_PRECONDITION, common.VALIDATION_FAILED, "no", keep_effects=True)
print(sorted(m for m in sys.modules if m.startswith("mesh.idempotency")))
"""


def test_mesh_errors_imports_nothing_from_idempotency() -> None:
    # A fresh interpreter, and keep_effects checked: where the old import hid, inside a function.
    loaded = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout

    assert loaded.strip() == "[]"


def test_idempotency_shares_the_one_classification() -> None:
    assert idempotency.TRANSIENT_CODES is outcome.TRANSIENT_CODES is status_codes.TRANSIENT_CODES
    assert outcome.is_final is status_codes.is_final


@pytest.mark.parametrize("code", sorted(status_codes.TRANSIENT_CODES, key=lambda code: code.name))
def test_keep_effects_refuses_a_transient_code(code: grpc.StatusCode) -> None:
    assert not status_codes.is_final(code)
    with pytest.raises(ValueError, match=code.name):
        DomainError(code, common.VALIDATION_FAILED, "no", keep_effects=True)


def test_keep_effects_takes_a_final_code() -> None:
    assert DomainError(grpc.StatusCode.FAILED_PRECONDITION, common.VALIDATION_FAILED, "no", keep_effects=True)
