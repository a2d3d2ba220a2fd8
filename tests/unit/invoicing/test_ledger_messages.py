"""The ledger's domain values as the contract's enum values: every one has its own, by name."""

from __future__ import annotations

import pytest

from commerce.invoicing.v1 import account_pb2, journal_entry_pb2, ledger_service_pb2
from services.invoicing import api, journal_encoding
from services.invoicing.domain.accounts import AccountType
from services.invoicing.domain.chain import Violation
from services.invoicing.domain.entries import Direction


@pytest.mark.parametrize("account_type", list(AccountType), ids=lambda kind: kind.name)
def test_an_account_type_is_the_proto_value_of_its_name(account_type: AccountType) -> None:
    assert account_pb2.AccountType.Name(api.account_type_number(account_type)) == f"ACCOUNT_TYPE_{account_type.name}"


@pytest.mark.parametrize("violation", list(Violation), ids=lambda violation: violation.name)
def test_a_violation_is_the_proto_value_of_its_name(violation: Violation) -> None:
    assert ledger_service_pb2.LedgerViolation.Name(api.violation_number(violation)) == (
        f"LEDGER_VIOLATION_{violation.name}"
    )


def test_no_violation_is_unspecified() -> None:
    assert api.violation_number(None) == ledger_service_pb2.LEDGER_VIOLATION_UNSPECIFIED


@pytest.mark.parametrize("direction", list(Direction), ids=lambda direction: direction.name)
def test_a_direction_is_the_proto_value_of_its_name(direction: Direction) -> None:
    number = journal_encoding.direction_number(direction)

    assert journal_entry_pb2.PostingDirection.Name(number) == f"POSTING_DIRECTION_{direction.name}"
