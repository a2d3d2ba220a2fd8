"""Page tokens carry a position and refuse another query's filters."""

from __future__ import annotations

import grpc
import pytest

from mesh.errors import DomainError
from mesh.pagination import issue_token, position_of


def test_a_token_round_trips_its_position() -> None:
    assert position_of(issue_token(1234, "tenants/acme", "revenue"), "tenants/acme", "revenue") == 1234


def test_no_token_is_the_first_page() -> None:
    assert position_of("", "tenants/acme") == 0


@pytest.mark.parametrize("token", [
    issue_token(10, "tenants/acme", "revenue"),  # issued for other filters
    "not-a-token",
    "e30",  # "{}"
    issue_token(-1, "tenants/acme", "refunds"),
])
def test_a_foreign_or_forged_token_is_invalid(token: str) -> None:
    with pytest.raises(DomainError) as raised:
        position_of(token, "tenants/acme", "refunds")
    assert raised.value.code is grpc.StatusCode.INVALID_ARGUMENT
    assert raised.value.reason.name == "INVALID_PAGE_TOKEN"
