"""API conventions, asserted for every RPC and message of the tree (not for a sample)."""

from __future__ import annotations

import dataclasses

import pytest
from google.protobuf import descriptor_pb2

from mesh.schema.rules import RuleReader

FDP = descriptor_pb2.FieldDescriptorProto
READ_VERBS = ("Get", "List", "Verify")
NO_SIDE_EFFECTS = descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS
IDEMPOTENT = descriptor_pb2.MethodOptions.IDEMPOTENT
DOMAINS = ("checkout", "payments", "invoicing", "subscriptions")


@dataclasses.dataclass(frozen=True)
class Rpc:
    service: str
    method: descriptor_pb2.MethodDescriptorProto
    request: descriptor_pb2.DescriptorProto
    response: descriptor_pb2.DescriptorProto

    @property
    def is_read(self) -> bool:
        return self.method.name.startswith(READ_VERBS)

    def __str__(self) -> str:
        return f"{self.service}.{self.method.name}"


@pytest.fixture(scope="module")
def field_rules(image):
    """A field's protovalidate rules, predefined ones included (resolved with the image's pool)."""
    return RuleReader.for_image(image).field


def _ours(image) -> list[descriptor_pb2.FileDescriptorProto]:
    return [f for f in image.file if f.name.startswith("commerce/")]


def _messages(image) -> dict[str, descriptor_pb2.DescriptorProto]:
    return {f".{f.package}.{m.name}": m for f in _ours(image) for m in f.message_type}


def _rpcs(image) -> list[Rpc]:
    messages = _messages(image)
    return [
        Rpc(f"{f.package}.{s.name}", m, messages[m.input_type], messages[m.output_type])
        for f in _ours(image)
        for s in f.service
        for m in s.method
    ]


def _field(msg: descriptor_pb2.DescriptorProto, name: str) -> descriptor_pb2.FieldDescriptorProto | None:
    return next((f for f in msg.field if f.name == name), None)


def test_the_tree_covers_all_four_domains(image) -> None:
    services = {str(r).rsplit(".", 1)[0] for r in _rpcs(image)}
    for domain in DOMAINS:
        assert any(s.startswith(f"commerce.{domain}.v1.") for s in services), domain
    assert len(_rpcs(image)) >= 40


@pytest.mark.parametrize(
    "rpc_name",
    [
        "CheckoutService.CreateCart",
        "CheckoutService.GetCart",
        "CheckoutService.AddCartItem",
        "CheckoutService.RemoveCartItem",
        "CheckoutService.PlaceOrder",
        "CheckoutService.GetOrder",
        "CheckoutService.ListOrders",
        "CheckoutService.CancelOrder",
        "CatalogService.GetProduct",
        "CatalogService.ListProducts",
        "VaultService.TokenizeCard",
        "PaymentService.CreatePaymentIntent",
        "PaymentService.AuthorizePaymentIntent",
        "PaymentService.CapturePaymentIntent",
        "PaymentService.CancelPaymentIntent",
        "PaymentService.RefundPayment",
        "PaymentService.GetPaymentIntent",
        "PaymentService.ListPaymentIntents",
        "InvoiceService.CreateInvoice",
        "InvoiceService.FinalizeInvoice",
        "InvoiceService.VoidInvoice",
        "InvoiceService.GetInvoice",
        "InvoiceService.ListInvoices",
        "InvoiceService.CreateCreditNote",
        "LedgerService.GetAccountBalance",
        "LedgerService.ListJournalEntries",
        "LedgerService.VerifyLedger",
        "ReconciliationService.ReconcileSettlement",
        "ReconciliationService.GetReconciliationReport",
        "CreatePlan",
        "GetPlan",
        "ListPlans",
        "SubscriptionService.CreateSubscription",
        "SubscriptionService.GetSubscription",
        "SubscriptionService.ListSubscriptions",
        "SubscriptionService.ChangeSubscriptionPlan",
        "SubscriptionService.CancelSubscription",
        "SubscriptionService.PauseSubscription",
        "SubscriptionService.ResumeSubscription",
    ],
)
def test_required_rpc_exists(image, rpc_name: str) -> None:
    names = {str(r) for r in _rpcs(image)}
    assert any(n.endswith(f".{rpc_name}") for n in names), rpc_name


def test_reads_declare_no_side_effects(image) -> None:
    wrong = [str(r) for r in _rpcs(image) if r.is_read and r.method.options.idempotency_level != NO_SIDE_EFFECTS]
    assert not wrong, f"Get/List/Verify RPCs must be NO_SIDE_EFFECTS: {wrong}"


def test_mutations_declare_idempotent(image) -> None:
    wrong = [str(r) for r in _rpcs(image) if not r.is_read and r.method.options.idempotency_level != IDEMPOTENT]
    assert not wrong, f"mutating RPCs must be IDEMPOTENT (request_id keyed): {wrong}"


def test_mutations_carry_a_validated_request_id(image, field_rules) -> None:
    wrong = []
    for rpc in (r for r in _rpcs(image) if not r.is_read):
        field = _field(rpc.request, "request_id")
        rules = field_rules(field) if field else {}
        if field is None or field.type != FDP.TYPE_STRING or rules.get("string", {}).get("uuid") is not True:
            wrong.append(str(rpc))
    assert not wrong, f"mutating requests need `string request_id` with string.uuid: {wrong}"


def test_reads_carry_no_request_id(image) -> None:
    wrong = [str(r) for r in _rpcs(image) if r.is_read and _field(r.request, "request_id")]
    assert not wrong, wrong


def test_every_request_is_validated(image, field_rules) -> None:
    unvalidated = [str(r) for r in _rpcs(image) if not any(field_rules(f) for f in r.request.field)]
    assert not unvalidated, f"requests without any protovalidate rule: {unvalidated}"


def test_list_rpcs_paginate_with_bounded_page_size(image, field_rules) -> None:
    wrong = []
    for rpc in (r for r in _rpcs(image) if r.method.name.startswith("List")):
        size, token = _field(rpc.request, "page_size"), _field(rpc.request, "page_token")
        bounds = field_rules(size).get("int32", {}) if size else {}
        if not (size and token and _field(rpc.response, "next_page_token")):
            wrong.append(f"{rpc}: page_size, page_token and next_page_token are required")
        elif not (bounds.get("gte") == 0 and 0 < bounds.get("lte", 0) <= 1000):
            wrong.append(f"{rpc}: page_size needs gte 0 and lte <= 1000, has {bounds}")
        elif not field_rules(token).get("string", {}).get("max_len"):
            wrong.append(f"{rpc}: page_token needs a max_len")
    assert not wrong, wrong


def test_resource_names_in_requests_are_tenant_scoped(image, field_rules) -> None:
    wrong = []
    for rpc in _rpcs(image):
        for name in ("name", "parent"):
            field = _field(rpc.request, name)
            if field is not None:
                pattern = field_rules(field).get("string", {}).get("pattern", "")
                if not pattern.startswith("^tenants/[a-z]"):
                    wrong.append(f"{rpc}.{name}: {pattern!r}")
    assert not wrong, f"name/parent must be validated as tenants/{{tenant}}/…: {wrong}"


def test_enum_fields_in_requests_accept_only_defined_values(image, field_rules) -> None:
    wrong = [
        f"{r}.{f.name}"
        for r in _rpcs(image)
        for f in r.request.field
        if f.type == FDP.TYPE_ENUM and not field_rules(f).get("enum", {}).get("defined_only")
    ]
    assert not wrong, wrong


def test_money_in_requests_is_positive(image, field_rules) -> None:
    wrong = []
    for rpc in (r for r in _rpcs(image) if not r.is_read):
        for field in rpc.request.field:
            if field.type_name == ".commerce.type.v1.Money" and field.label != FDP.LABEL_REPEATED:
                rule_ids = {c.get("id") for c in field_rules(field).get("cel", [])}
                if "money.positive" not in rule_ids:
                    wrong.append(f"{rpc}.{field.name}")
    assert not wrong, f"Money fields of mutating requests need the money.positive rule: {wrong}"


def test_money_is_never_floating_point_nor_google_money(image) -> None:
    wrong = []
    for file in _ours(image):
        stack = [(f"{file.package}.{m.name}", m) for m in file.message_type]
        while stack:
            name, msg = stack.pop()
            stack.extend((f"{name}.{n.name}", n) for n in msg.nested_type)
            wrong += [
                f"{name}.{f.name}"
                for f in msg.field
                if f.type in (FDP.TYPE_FLOAT, FDP.TYPE_DOUBLE) or f.type_name == ".google.type.Money"
            ]
    assert not wrong, wrong


@pytest.mark.parametrize("domain", DOMAINS)
def test_each_domain_lists_its_error_reasons(image, domain: str) -> None:
    enums = {e.name: e for f in _ours(image) if f.package == f"commerce.{domain}.v1" for e in f.enum_type}
    reasons = enums.get("ErrorReason")
    assert reasons is not None, f"commerce.{domain}.v1 has no ErrorReason enum"
    assert len(reasons.value) >= 3
    assert all(v.name.startswith("ERROR_REASON_") for v in reasons.value)


@pytest.mark.parametrize(
    "event",
    [
        "checkout.v1.OrderPlaced",
        "checkout.v1.OrderConfirmed",
        "checkout.v1.OrderFailed",
        "checkout.v1.OrderCanceled",
        "payments.v1.PaymentAuthorized",
        "payments.v1.PaymentCaptured",
        "payments.v1.PaymentFailed",
        "payments.v1.PaymentCanceled",
        "payments.v1.PaymentRefunded",
        "invoicing.v1.InvoiceIssued",
        "invoicing.v1.InvoicePaid",
        "invoicing.v1.InvoiceVoided",
        "subscriptions.v1.SubscriptionCreated",
        "subscriptions.v1.SubscriptionRenewalDue",
        "subscriptions.v1.SubscriptionRenewed",
        "subscriptions.v1.SubscriptionPastDue",
        "subscriptions.v1.SubscriptionCanceled",
    ],
)
def test_domain_event_is_declared_in_its_events_file(image, event: str) -> None:
    domain, message = event.rsplit(".", 1)
    files = [f for f in _ours(image) if f.name == f"commerce/{domain.replace('.', '/')}/events.proto"]
    assert files and message in {m.name for m in files[0].message_type}, event


def test_event_envelope_is_cloudevents_shaped(image) -> None:
    envelope = _messages(image)[".commerce.event.v1.EventEnvelope"]
    names = {f.name for f in envelope.field}
    assert {"id", "source", "spec_version", "type", "subject", "tenant", "time", "data", "traceparent"} <= names
    assert _field(envelope, "data").type_name == ".google.protobuf.Any"
