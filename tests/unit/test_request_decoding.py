"""The chain's tolerant deserializer: bytes that do not parse become UNDECODABLE, not an exception."""

from __future__ import annotations

from commerce.payments.v1 import payment_service_pb2 as ps
from mesh.interceptors.chain import UNDECODABLE, tolerant

deserialize = tolerant(ps.GetPaymentIntentRequest.FromString)


def test_undecodable_bytes_become_the_undecodable_marker() -> None:
    assert deserialize(b"\x08") is UNDECODABLE


def test_valid_bytes_still_become_the_request() -> None:
    request = ps.GetPaymentIntentRequest(name="tenants/acme/paymentIntents/pi_1")

    assert deserialize(request.SerializeToString()) == request


def test_a_method_without_deserializer_keeps_none() -> None:
    assert tolerant(None) is None
