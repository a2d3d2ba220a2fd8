"""The gate rejects real breaking changes applied to a copy of the tree, and accepts additions.

Each case edits the released tree the way a careless change would, runs the same gate CI runs,
and asserts it refuses with the rule and the file named. The additive cases prove the gate is
not simply refusing everything.
"""

from __future__ import annotations

import dataclasses
import pathlib

import pytest

from mesh.schema.gate import HOW_TO_BREAK, run_gate
from mesh.schema.golden import check_goldens
from mesh.schema.layout import Layout

PAYMENTS = "proto/commerce/payments/v1"
# PaymentCaptured.psp: an event field every golden r1 PaymentCaptured carries.
CAPTURED_PSP = "  // psp is the connector that captured.\n  string psp = 6;"


@dataclasses.dataclass(frozen=True)
class Edit:
    """Replace `old` (which must occur exactly once) with `new` in one proto file."""

    file: str
    old: str
    new: str

    def apply(self, root: pathlib.Path) -> None:
        path = root / self.file
        text = path.read_text()
        assert text.count(self.old) == 1, f"{self.old!r} must occur once in {self.file}"
        path.write_text(text.replace(self.old, self.new))


CREATE_INTENT_DESCRIPTION = "string description = 7 [(buf.validate.field).string.max_len = 500];"
GET_REFUND_RPC = """  // GetRefund returns one refund.
  rpc GetRefund(GetRefundRequest) returns (GetRefundResponse) {
    option idempotency_level = NO_SIDE_EFFECTS;
  }
"""

BREAKING = {
    "delete a field": (Edit(f"{PAYMENTS}/payment_intent.proto", "  string psp_reference = 11;\n", ""),
                       "FIELD_NO_DELETE", "payment_intent.proto"),
    "renumber a field": (Edit(f"{PAYMENTS}/card.proto", "string last4 = 2;", "string last4 = 6;"),
                         "FIELD_NO_DELETE", "card.proto"),
    "rename a field (JSON)": (Edit(f"{PAYMENTS}/card.proto", "int32 exp_month = 3;", "int32 expiry_month = 3;"),
                              "FIELD_SAME_JSON_NAME", "card.proto"),
    "delete an RPC": (Edit(f"{PAYMENTS}/payment_service.proto", GET_REFUND_RPC, ""),
                      "RPC_NO_DELETE", "payment_service.proto"),
    "delete an enum value": (Edit(f"{PAYMENTS}/refund.proto", "  REFUND_REASON_FRAUDULENT = 3;\n", ""),
                             "ENUM_VALUE_NO_DELETE", "refund.proto"),
    "change an event field's type": (Edit(f"{PAYMENTS}/events.proto", CAPTURED_PSP, CAPTURED_PSP.replace("string", "int64")),
                                     "FIELD_SAME_TYPE", "events.proto"),
    "change an idempotency level": (Edit(f"{PAYMENTS}/payment_service.proto", GET_REFUND_RPC,
                                         GET_REFUND_RPC.replace("NO_SIDE_EFFECTS", "IDEMPOTENT")),
                                    "RPC_SAME_IDEMPOTENCY_LEVEL", "payment_service.proto"),
    "tighten a length limit": (Edit(f"{PAYMENTS}/payment_service.proto", CREATE_INTENT_DESCRIPTION,
                                    CREATE_INTENT_DESCRIPTION.replace("500", "100")),
                               "VALIDATION_TIGHTENED", "payment_service.proto"),
    "add a pattern to a field": (Edit(f"{PAYMENTS}/vault_service.proto",
                                      "string cardholder_name = 7 [(buf.validate.field).string.max_len = 128];",
                                      'string cardholder_name = 7 [(buf.validate.field).string.pattern = "^[A-Z ]+$"];'),
                                 "VALIDATION_TIGHTENED", "vault_service.proto"),
    "raise a lower bound": (Edit(f"{PAYMENTS}/vault_service.proto", "gte: 2000", "gte: 2020"),
                            "VALIDATION_TIGHTENED", "vault_service.proto"),
    "add a required field to a request": (
        Edit(f"{PAYMENTS}/payment_service.proto", CREATE_INTENT_DESCRIPTION, CREATE_INTENT_DESCRIPTION
             + "\n  // customer is new and required.\n  string customer = 8 [(buf.validate.field).string.min_len = 1];"),
        "VALIDATION_NEW_FIELD_REJECTS_EMPTY", "payment_service.proto"),
}

COMPATIBLE = {
    "add a field": Edit(f"{PAYMENTS}/payment_intent.proto", "  string psp_reference = 11;\n",
                        "  string psp_reference = 11;\n  // statement_descriptor is new.\n  string statement_descriptor = 16;\n"),
    "add an enum value": Edit(f"{PAYMENTS}/refund.proto", "  REFUND_REASON_ORDER_CANCELED = 4;\n",
                              "  REFUND_REASON_ORDER_CANCELED = 4;\n  // REFUND_REASON_OTHER is new.\n  REFUND_REASON_OTHER = 5;\n"),
    "loosen a length limit": Edit(f"{PAYMENTS}/payment_service.proto", CREATE_INTENT_DESCRIPTION,
                                  CREATE_INTENT_DESCRIPTION.replace("500", "1000")),
    "widen an upper bound": Edit(f"{PAYMENTS}/vault_service.proto", "lte: 2100", "lte: 2200"),
    "add an optional validated field": Edit(
        f"{PAYMENTS}/payment_service.proto", CREATE_INTENT_DESCRIPTION, CREATE_INTENT_DESCRIPTION
        + "\n  // statement_descriptor is new and optional.\n  string statement_descriptor = 8 [(buf.validate.field).string.max_len = 22];"),
}


@pytest.mark.parametrize("case", sorted(BREAKING))
def test_gate_rejects_breaking_change(scratch: Layout, case: str) -> None:
    edit, rule, file = BREAKING[case]
    edit.apply(scratch.root)

    report = run_gate(scratch)

    assert not report.ok, f"gate accepted: {case}"
    assert any(v.rule == rule and v.path.endswith(file) for v in report.violations), report.render()
    rendered = report.render()
    assert f"[{rule}]" in rendered and file in rendered
    assert HOW_TO_BREAK in rendered and "mesh schema release --breaking" in rendered


@pytest.mark.parametrize("case", sorted(COMPATIBLE))
def test_gate_accepts_compatible_change(scratch: Layout, case: str) -> None:
    COMPATIBLE[case].apply(scratch.root)

    report = run_gate(scratch)

    assert report.ok, report.render()


def test_golden_events_catch_a_renumbered_event_field(scratch: Layout) -> None:
    from mesh.schema import bufcli

    Edit(f"{PAYMENTS}/events.proto", CAPTURED_PSP, CAPTURED_PSP.replace("= 6", "= 16")).apply(scratch.root)

    problems = check_goldens(bufcli.image_bytes(scratch), scratch.golden / "r1")

    assert [p.type_name for p in problems] == ["commerce.payments.v1.PaymentCaptured"]


def test_gate_refuses_a_baseline_edited_by_hand(scratch: Layout) -> None:
    scratch.baseline_image.write_bytes(scratch.baseline_image.read_bytes() + b"\x00")

    with pytest.raises(RuntimeError, match="mesh schema release"):
        run_gate(scratch)
