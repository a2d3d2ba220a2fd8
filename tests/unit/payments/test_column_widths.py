"""Every payments column that keeps a value of the contract is as wide as the longest value the
contract admits into it (the field's buf.validate max_len, the longest name of an enum), so
PostgreSQL never refuses a row the API accepted, e.g. a refund's after the PSP has already
returned the money. SQLite does not enforce VARCHAR lengths: only PostgreSQL and this test see it.
Fields bounded by a pattern (tenants, tokens, names) are left out: their maximum is not a rule.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from google.protobuf.descriptor import Descriptor, EnumDescriptor

from buf.validate import validate_pb2
from commerce.payments.v1 import payment_service_pb2 as ps
from commerce.payments.v1 import refund_pb2
from mesh.ids import derive_id
from services.payments import store


def max_len(message: Descriptor, field: str) -> int:
    rules = message.fields_by_name[field].GetOptions().Extensions[validate_pb2.field]
    assert rules.string.HasField("max_len"), f"{message.name}.{field} has no max_len"
    return rules.string.max_len


def longest_name(enum: EnumDescriptor) -> int:
    return max(len(value.name) for value in enum.values)


DERIVED_ID = max(len(derive_id(kind, "t", "r")) for kind in ("cp", "re"))  # a capture's, a refund's
CANCEL_REASON = max_len(ps.CancelPaymentIntentRequest.DESCRIPTOR, "reason")
REFUND_REASON = longest_name(refund_pb2.RefundReason.DESCRIPTOR)  # the reason is kept by its name

ADMITTED: list[tuple[sa.Column[str], int]] = [
    (store.payment_intents.c.order_name, max_len(ps.CreatePaymentIntentRequest.DESCRIPTOR, "order")),
    (store.payment_intents.c.description, max_len(ps.CreatePaymentIntentRequest.DESCRIPTOR, "description")),
    (store.payment_intents.c.cancellation_reason, CANCEL_REASON),
    # A lease's detail (app.py): a capture's id, a void's reason, a refund's "<id>|<reason name>".
    (store.payment_intents.c.pending_detail, max(DERIVED_ID, CANCEL_REASON, DERIVED_ID + 1 + REFUND_REASON)),
    (store.refunds.c.reason, REFUND_REASON),
]


@pytest.mark.parametrize(("column", "longest"), ADMITTED, ids=[str(column) for column, _ in ADMITTED])
def test_the_column_holds_the_longest_value_the_contract_admits(column: sa.Column[str], longest: int) -> None:
    assert isinstance(column.type, sa.String)
    assert column.type.length is not None and column.type.length >= longest
