"""The one error type: the status a DomainError's parts make, and a status formed elsewhere (a
downstream's answer, an outcome the idempotency guard stored) read back as parts and sent on as
exactly what it was."""

from __future__ import annotations

import datetime

import grpc
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from mesh.errors import NO_REASON, Code, DomainError, FieldViolation, Reason, common

CARD_DECLINED = Reason("CARD_DECLINED", "commerce.payments.v1")
METADATA = {
    "decline_code": "insufficient_funds",
    "hard_decline": "false",
    "payment_intent": "tenants/acme/paymentIntents/pi_1",
}

# What the idempotency guard stored for this error before DomainError and StatusError were one
# type: the old StatusError's status, SerializeToString(deterministic=True), as written to the
# idempotency record (its status column) and, base64, to the fast path.
STORED_BY_THE_OLD_CODE = bytes.fromhex(
    "08091229746865206361726420776173206465636c696e65643a20696e73756666696369656e745f66756e64731ac101"
    "0a28747970652e676f6f676c65617069732e636f6d2f676f6f676c652e7270632e4572726f72496e666f1294010a0d43"
    "4152445f4445434c494e45441214636f6d6d657263652e7061796d656e74732e76311a320a0e7061796d656e745f696e"
    "74656e74122074656e616e74732f61636d652f7061796d656e74496e74656e74732f70695f311a220a0c6465636c696e"
    "655f636f64651212696e73756666696369656e745f66756e64731a150a0c686172645f6465636c696e65120566616c73"
    "651a560a29747970652e676f6f676c65617069732e636f6d2f676f6f676c652e7270632e426164526571756573741229"
    "0a270a13616d6f756e742e616d6f756e745f6d696e6f7212106d75737420626520706f7369746976651a360a28747970"
    "652e676f6f676c65617069732e636f6d2f676f6f676c652e7270632e5265747279496e666f120a0a0808011080cab5ee"
    "01"
)


def declined(*, keep_effects: bool = False) -> DomainError:
    return DomainError(
        Code.FAILED_PRECONDITION,
        CARD_DECLINED,
        "the card was declined: insufficient_funds",
        metadata=METADATA,
        violations=[FieldViolation("amount.amount_minor", "must be positive")],
        retry_after=datetime.timedelta(milliseconds=1500),
        keep_effects=keep_effects,
    )


def unpacked(status: status_pb2.Status) -> list[tuple[str, Message]]:
    """The details as messages: equal whatever order a map's entries were packed in."""
    kinds = {
        kind.DESCRIPTOR.full_name: kind
        for kind in (error_details_pb2.ErrorInfo, error_details_pb2.BadRequest, error_details_pb2.RetryInfo)
    }
    found = []
    for packed in status.details:
        message = kinds[packed.TypeName()]()
        packed.Unpack(message)
        found.append((packed.type_url, message))
    return found


def test_the_parts_make_the_status_the_old_code_made() -> None:
    built, old = declined().status, status_pb2.Status.FromString(STORED_BY_THE_OLD_CODE)

    assert (built.code, built.message) == (old.code, old.message) == (9, "the card was declined: insufficient_funds")
    assert unpacked(built) == unpacked(old)  # ErrorInfo, then BadRequest, then RetryInfo


def test_a_plain_error_carries_only_its_error_info() -> None:
    status = DomainError(Code.NOT_FOUND, common.NOT_FOUND, "no such refund", metadata={"refund": "r1"}).status

    assert unpacked(status) == [
        (
            "type.googleapis.com/google.rpc.ErrorInfo",
            error_details_pb2.ErrorInfo(reason="NOT_FOUND", domain="commerce.type.v1", metadata={"refund": "r1"}),
        )
    ]


def test_a_record_the_old_code_stored_replays_byte_for_byte() -> None:
    replayed = DomainError.from_status(status_pb2.Status.FromString(STORED_BY_THE_OLD_CODE))

    assert replayed.status.SerializeToString(deterministic=True) == STORED_BY_THE_OLD_CODE
    sent = rpc_status.to_status(replayed.status)  # what the interceptor chain aborts the call with
    assert (sent.code, sent.details) == (grpc.StatusCode.FAILED_PRECONDITION, replayed.message)
    assert sent.trailing_metadata == (("grpc-status-details-bin", STORED_BY_THE_OLD_CODE),)


def test_a_status_formed_elsewhere_reads_as_the_parts_that_made_it() -> None:
    original = declined(keep_effects=True)

    relayed = DomainError.from_status(original.status)

    assert (relayed.code, relayed.reason, relayed.message) == (original.code, original.reason, original.message)
    assert (relayed.metadata, relayed.violations, relayed.retry_after) == (
        METADATA,
        original.violations,
        datetime.timedelta(milliseconds=1500),
    )
    assert relayed.keep_effects is False
    assert relayed.detail(error_details_pb2.ErrorInfo) == original.detail(error_details_pb2.ErrorInfo)


def test_details_the_contract_does_not_model_travel_on_untouched() -> None:
    status = declined().status
    status.details.add().Pack(error_details_pb2.DebugInfo(detail="a downstream's own detail"))

    relayed = DomainError.from_status(status)

    assert relayed.status.SerializeToString() == status.SerializeToString()
    assert relayed.detail(error_details_pb2.DebugInfo).detail == "a downstream's own detail"


def test_a_status_without_error_info_has_no_reason() -> None:
    relayed = DomainError.from_status(status_pb2.Status(code=Code.UNAVAILABLE.value, message="connection refused"))

    assert (relayed.code, relayed.reason, str(relayed)) == (Code.UNAVAILABLE, NO_REASON, "connection refused")
    assert (relayed.metadata, relayed.violations, relayed.retry_after) == ({}, (), None)
    assert list(relayed.status.details) == []  # no ErrorInfo is made up for it
