"""The gate rejects real breaking changes applied to a copy of the tree, and accepts additions.

Each case edits the released tree the way a careless change would, runs the same gate CI runs,
and asserts it refuses with the rule and the file named. The additive cases prove the gate is
not simply refusing everything; each blind spot the gate once had has a case on both sides.
"""

from __future__ import annotations

import dataclasses
import pathlib

import pytest
from google.protobuf import descriptor_pb2

from mesh.schema import bufcli, constraints, guard
from mesh.schema.gate import CHECK_FAILED_NOTE, HOW_TO_BREAK, run_gate
from mesh.schema.golden import check_goldens
from mesh.schema.layout import Layout
from mesh.schema.release import release
from mesh.schema.rules import RuleReader, UnresolvedRules
from mesh.schema.stability import find_removals, is_stable

PAYMENTS = "proto/commerce/payments/v1"
INVOICING = "proto/commerce/invoicing/v1"
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


@dataclasses.dataclass(frozen=True)
class NewFile:
    """Add a proto file that does not exist yet."""

    file: str
    text: str

    def apply(self, root: pathlib.Path) -> None:
        path = root / self.file
        assert not path.exists(), f"{self.file} exists already"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.text)


Change = Edit | NewFile


def apply_all(changes: Change | tuple[Change, ...], root: pathlib.Path) -> None:
    for change in changes if isinstance(changes, tuple) else (changes,):
        change.apply(root)


CREATE_INTENT_DESCRIPTION = "string description = 7 [(buf.validate.field).string.max_len = 500];"
GET_REFUND_RPC = """  // GetRefund returns one refund.
  rpc GetRefund(GetRefundRequest) returns (GetRefundResponse) {
    option idempotency_level = NO_SIDE_EFFECTS;
  }
"""


# A predefined rule: a `buf.validate` extension declared in our tree (extensions need proto2).
STRING_RULES = NewFile(
    "proto/commerce/type/v1/string_rules.proto",
    """\
syntax = "proto2";

package commerce.type.v1;

import "buf/validate/validate.proto";

extend buf.validate.StringRules {
  // trimmed refuses text that starts or ends with a space; the empty string is trimmed.
  optional bool trimmed = 80001 [(buf.validate.predefined).cel = {
    id: "string.trimmed"
    message: "must not start or end with a space"
    expression: "!rule || !(this.startsWith(' ') || this.endsWith(' '))"
  }];
}
""",
)
IMPORT_STRING_RULES = Edit(
    f"{PAYMENTS}/payment_service.proto",
    'import "commerce/type/v1/money.proto";\n',
    'import "commerce/type/v1/money.proto";\nimport "commerce/type/v1/string_rules.proto";\n',
)
TRIMMED = "(buf.validate.field).string.(commerce.type.v1.trimmed) = true"
# A new field of CreatePaymentIntentRequest, after description (7); `rules` goes in its brackets.
NEW_INTENT_FIELD = "\n  // statement_descriptor is new.\n  string statement_descriptor = 8 [{rules}];"


def new_intent_oneof(option: str) -> Edit:
    """A new oneof in CreatePaymentIntentRequest whose members are new fields too."""
    return Edit(
        f"{PAYMENTS}/payment_service.proto",
        CREATE_INTENT_DESCRIPTION,
        CREATE_INTENT_DESCRIPTION
        + f"""
  // payer says who pays; new.
  oneof payer {{{option}
    // customer is a known customer.
    string customer = 8;
    // guest_email is a guest checkout.
    string guest_email = 9;
  }}""",
    )


# PayInvoiceRequest has a message-level `(buf.validate.message).oneof` rule (required).
PAY_INVOICE_END = """    expression: "this.amount_minor > 0"
  }];
}

// PayInvoiceResponse"""


def new_pay_invoice_field(rules: str) -> Edit:
    return Edit(
        f"{INVOICING}/invoice_service.proto",
        PAY_INVOICE_END,
        PAY_INVOICE_END.replace("  }];\n}", f"  }}];\n  // note is new.\n  string note = 6 [{rules}];\n}}"),
    )


# VaultService's file moved, in place, from the stable v1 into the unstable v1beta1.
VAULT_TO_V1BETA1 = (
    Edit(f"{PAYMENTS}/vault_service.proto", "package commerce.payments.v1;", "package commerce.payments.v1beta1;"),
    Edit(f"{PAYMENTS}/vault_service.proto", "  Card card = 2;", "  commerce.payments.v1.Card card = 2;"),
)
WALLET_V1BETA1 = NewFile(
    "proto/commerce/payments/v1beta1/wallet.proto",
    """\
syntax = "proto3";

package commerce.payments.v1beta1;

// Wallet is a new, unstable resource beside v1.
message Wallet {
  // name is "tenants/{tenant}/wallets/{wallet}".
  string name = 1;
}
""",
)

BREAKING = {
    "delete a field": (
        Edit(f"{PAYMENTS}/payment_intent.proto", "  string psp_reference = 11;\n", ""),
        "FIELD_NO_DELETE",
        "payment_intent.proto",
    ),
    "renumber a field": (
        Edit(f"{PAYMENTS}/card.proto", "string last4 = 2;", "string last4 = 6;"),
        "FIELD_NO_DELETE",
        "card.proto",
    ),
    "rename a field (JSON)": (
        Edit(f"{PAYMENTS}/card.proto", "int32 exp_month = 3;", "int32 expiry_month = 3;"),
        "FIELD_SAME_JSON_NAME",
        "card.proto",
    ),
    "delete an RPC": (
        Edit(f"{PAYMENTS}/payment_service.proto", GET_REFUND_RPC, ""),
        "RPC_NO_DELETE",
        "payment_service.proto",
    ),
    "delete an enum value": (
        Edit(f"{PAYMENTS}/refund.proto", "  REFUND_REASON_FRAUDULENT = 3;\n", ""),
        "ENUM_VALUE_NO_DELETE",
        "refund.proto",
    ),
    "change an event field's type": (
        Edit(f"{PAYMENTS}/events.proto", CAPTURED_PSP, CAPTURED_PSP.replace("string", "int64")),
        "FIELD_SAME_TYPE",
        "events.proto",
    ),
    "change an idempotency level": (
        Edit(
            f"{PAYMENTS}/payment_service.proto", GET_REFUND_RPC, GET_REFUND_RPC.replace("NO_SIDE_EFFECTS", "IDEMPOTENT")
        ),
        "RPC_SAME_IDEMPOTENCY_LEVEL",
        "payment_service.proto",
    ),
    "tighten a length limit": (
        Edit(
            f"{PAYMENTS}/payment_service.proto",
            CREATE_INTENT_DESCRIPTION,
            CREATE_INTENT_DESCRIPTION.replace("500", "100"),
        ),
        "VALIDATION_TIGHTENED",
        "payment_service.proto",
    ),
    "add a pattern to a field": (
        Edit(
            f"{PAYMENTS}/vault_service.proto",
            "string cardholder_name = 7 [(buf.validate.field).string.max_len = 128];",
            'string cardholder_name = 7 [(buf.validate.field).string.pattern = "^[A-Z ]+$"];',
        ),
        "VALIDATION_TIGHTENED",
        "vault_service.proto",
    ),
    "raise a lower bound": (
        Edit(f"{PAYMENTS}/vault_service.proto", "gte: 2000", "gte: 2020"),
        "VALIDATION_TIGHTENED",
        "vault_service.proto",
    ),
    "add a required field to a request": (
        Edit(
            f"{PAYMENTS}/payment_service.proto",
            CREATE_INTENT_DESCRIPTION,
            CREATE_INTENT_DESCRIPTION
            + "\n  // customer is new and required."
            + "\n  string customer = 8 [(buf.validate.field).string.min_len = 1];",
        ),
        "VALIDATION_NEW_FIELD_REJECTS_EMPTY",
        "payment_service.proto",
    ),
    # Blind spots the gate once had: each passed or crashed before.
    "add a required oneof of new fields": (
        new_intent_oneof("\n    option (buf.validate.oneof).required = true;"),
        "VALIDATION_TIGHTENED",
        "payment_service.proto",
    ),
    "add a predefined rule to a field": (
        (
            STRING_RULES,
            IMPORT_STRING_RULES,
            Edit(
                f"{PAYMENTS}/payment_service.proto",
                CREATE_INTENT_DESCRIPTION,
                CREATE_INTENT_DESCRIPTION.replace("500", f"500, {TRIMMED}"),
            ),
        ),
        "VALIDATION_TIGHTENED",
        "payment_service.proto",
    ),
    "move a stable file into v1beta1": (VAULT_TO_V1BETA1, "STABLE_ELEMENT_DELETED", "vault_service.proto"),
    "add a required field beside a message-level oneof": (
        new_pay_invoice_field("(buf.validate.field).string.min_len = 1"),
        "VALIDATION_NEW_FIELD_REJECTS_EMPTY",
        "invoice_service.proto",
    ),
    "retype an event field so its golden no longer parses": (
        Edit(f"{PAYMENTS}/events.proto", CAPTURED_PSP, CAPTURED_PSP.replace("string", "commerce.type.v1.Money")),
        "GOLDEN_EVENT_UNREADABLE",
        "r3/commerce.payments.v1.PaymentCaptured.binpb",
    ),
}

COMPATIBLE = {
    "add a field": Edit(
        f"{PAYMENTS}/payment_intent.proto",
        "  string psp_reference = 11;\n",
        "  string psp_reference = 11;\n  // statement_descriptor is new.\n  string statement_descriptor = 16;\n",
    ),
    "add an enum value": Edit(
        f"{PAYMENTS}/refund.proto",
        "  REFUND_REASON_ORDER_CANCELED = 4;\n",
        "  REFUND_REASON_ORDER_CANCELED = 4;\n  // REFUND_REASON_OTHER is new.\n  REFUND_REASON_OTHER = 5;\n",
    ),
    "loosen a length limit": Edit(
        f"{PAYMENTS}/payment_service.proto", CREATE_INTENT_DESCRIPTION, CREATE_INTENT_DESCRIPTION.replace("500", "1000")
    ),
    "widen an upper bound": Edit(f"{PAYMENTS}/vault_service.proto", "lte: 2100", "lte: 2200"),
    "add an optional validated field": Edit(
        f"{PAYMENTS}/payment_service.proto",
        CREATE_INTENT_DESCRIPTION,
        CREATE_INTENT_DESCRIPTION
        + "\n  // statement_descriptor is new and optional."
        + "\n  string statement_descriptor = 8 [(buf.validate.field).string.max_len = 22];",
    ),
    # The compatible twins of the blind spots above.
    "add an optional oneof of new fields": new_intent_oneof(""),
    "add a new field with a predefined rule": (
        STRING_RULES,
        IMPORT_STRING_RULES,
        Edit(
            f"{PAYMENTS}/payment_service.proto",
            CREATE_INTENT_DESCRIPTION,
            CREATE_INTENT_DESCRIPTION + NEW_INTENT_FIELD.format(rules=TRIMMED),
        ),
    ),
    "add a v1beta1 package beside v1": WALLET_V1BETA1,
    "add an optional field beside a message-level oneof": new_pay_invoice_field(
        "(buf.validate.field).string.max_len = 100"
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKING))
def test_gate_rejects_breaking_change(scratch: Layout, case: str) -> None:
    changes, rule, file = BREAKING[case]
    apply_all(changes, scratch.root)

    report = run_gate(scratch)

    assert not report.ok, f"gate accepted: {case}"
    assert any(v.rule == rule and v.path.endswith(file) for v in report.violations), report.render()
    rendered = report.render()
    assert f"[{rule}]" in rendered and file in rendered
    assert HOW_TO_BREAK in rendered and "mesh schema release --breaking" in rendered


@pytest.mark.parametrize("case", sorted(COMPATIBLE))
def test_gate_accepts_compatible_change(scratch: Layout, case: str) -> None:
    apply_all(COMPATIBLE[case], scratch.root)

    report = run_gate(scratch)

    assert report.ok, report.render()


def test_golden_events_catch_a_renumbered_event_field(scratch: Layout) -> None:
    Edit(f"{PAYMENTS}/events.proto", CAPTURED_PSP, CAPTURED_PSP.replace("= 6", "= 16")).apply(scratch.root)

    problems = check_goldens(bufcli.image_bytes(scratch), scratch.golden / "r1")

    assert [p.type_name for p in problems] == ["commerce.payments.v1.PaymentCaptured"]


def test_gate_refuses_a_baseline_edited_by_hand(scratch: Layout) -> None:
    scratch.baseline_image.write_bytes(scratch.baseline_image.read_bytes() + b"\x00")

    with pytest.raises(RuntimeError, match="mesh schema release"):
        run_gate(scratch)


def test_an_undecodable_golden_does_not_hide_bufs_finding(scratch: Layout) -> None:
    BREAKING["retype an event field so its golden no longer parses"][0].apply(scratch.root)

    rules = {(v.rule, pathlib.Path(v.path).name) for v in run_gate(scratch).violations}

    assert ("FIELD_SAME_TYPE", "events.proto") in rules
    assert ("GOLDEN_EVENT_UNREADABLE", "commerce.payments.v1.PaymentCaptured.binpb") in rules


def test_gate_compares_the_cel_of_a_released_predefined_rule(scratch: Layout) -> None:
    apply_all(COMPATIBLE["add a new field with a predefined rule"], scratch.root)
    release(scratch, "a predefined rule on a new field")
    Edit(
        STRING_RULES.file,
        "!(this.startsWith(' ') || this.endsWith(' '))",
        "!(this.startsWith(' ') || this.endsWith(' ') || this.contains('  '))",
    ).apply(scratch.root)

    report = run_gate(scratch)

    found = [(v.rule, v.path) for v in report.violations]
    assert found == [("VALIDATION_TIGHTENED", STRING_RULES.file)], report.render()
    assert "commerce.type.v1.trimmed" in report.render()


def test_a_check_that_crashes_names_the_golden_file_and_the_check(scratch: Layout) -> None:
    broken = scratch.golden / "r3" / "commerce.payments.v1.PaymentCaptured.json"
    broken.write_text(broken.read_text()[:40])
    BREAKING["delete a field"][0].apply(scratch.root)

    report = run_gate(scratch)

    crashes = [v for v in report.violations if v.rule == guard.RULE]
    assert [v.path for v in crashes] == ["schema/golden/r3/commerce.payments.v1.PaymentCaptured.binpb"], report.render()
    assert "golden events check" in crashes[0].message and "JSONDecodeError" in crashes[0].message
    assert CHECK_FAILED_NOTE in report.render()
    assert any(v.rule == "FIELD_NO_DELETE" for v in report.violations), report.render()


def test_a_check_that_crashes_names_the_proto_file_the_message_and_the_check(
    scratch: Layout, monkeypatch: pytest.MonkeyPatch
) -> None:
    compare = constraints._compare_message

    def crash_on_vault(pair):
        if pair.name == "commerce.payments.v1.TokenizeCardRequest":
            raise AttributeError("simulated")
        return compare(pair)

    monkeypatch.setattr(constraints, "_compare_message", crash_on_vault)
    BREAKING["tighten a length limit"][0].apply(scratch.root)

    report = run_gate(scratch)

    found = {(v.rule, v.path) for v in report.violations}
    assert (guard.RULE, f"{PAYMENTS}/vault_service.proto") in found, report.render()
    assert ("VALIDATION_TIGHTENED", f"{PAYMENTS}/payment_service.proto") in found, report.render()
    assert "validation rules check could not check commerce.payments.v1.TokenizeCardRequest" in report.render()


@pytest.mark.parametrize(
    ("package", "stable"),
    [
        ("commerce.payments.v1", True),
        ("commerce.payments.v2", True),
        ("commerce.payments.v1beta1", False),
        ("commerce.payments.v2alpha", False),
        ("commerce.payments.v1p1beta1", False),
        ("commerce.payments.v1test", False),
    ],
)
def test_stable_packages_are_the_ones_buf_does_not_skip(package: str, stable: bool) -> None:
    assert is_stable(package) is stable


def _intent_field(image: descriptor_pb2.FileDescriptorSet, name: str) -> descriptor_pb2.FieldDescriptorProto:
    file = next(f for f in image.file if f.name == "commerce/payments/v1/payment_service.proto")
    request = next(m for m in file.message_type if m.name == "CreatePaymentIntentRequest")
    return next(f for f in request.field if f.name == name)


def test_rules_are_read_with_predefined_ones_or_refused(scratch: Layout) -> None:
    apply_all(COMPATIBLE["add a new field with a predefined rule"], scratch.root)
    current = descriptor_pb2.FileDescriptorSet.FromString(bufcli.image_bytes(scratch))
    field = _intent_field(current, "statement_descriptor")
    released = descriptor_pb2.FileDescriptorSet.FromString(scratch.baseline_image.read_bytes())

    assert RuleReader.for_image(current).field(field) == {"string": {"[commerce.type.v1.trimmed]": True}}
    with pytest.raises(UnresolvedRules):  # the released pool does not declare `trimmed`
        RuleReader.for_image(released).field(field)


def test_a_file_moved_into_v1beta1_names_each_declaration_that_left_v1(scratch: Layout) -> None:
    apply_all(VAULT_TO_V1BETA1, scratch.root)

    removals = find_removals(scratch.baseline_image.read_bytes(), bufcli.image_bytes(scratch))

    assert [r.element.removeprefix("commerce.payments.v1.") for r in removals] == [
        "VaultService",
        "TokenizeCardRequest",
        "TokenizeCardResponse",
    ]
    assert all(
        r.path == f"{PAYMENTS}/vault_service.proto" and "now only in commerce.payments.v1beta1" in r.message
        for r in removals
    )
