"""The key ring: AES-256-GCM sealing bound to tenant and token, setting parsing, rotation."""

from __future__ import annotations

import base64
import dataclasses
import os
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.payments.vault import CardBrand, CiphertextRejected, KeyRing, SealedPan, UnknownKey
from tests.unit.payments.vault.samples import assert_no_pan, new_keys, ring, valid_cards

PAN = "4242424242424242"


def encoded(key: bytes) -> str:
    return base64.b64encode(key).decode()


def test_from_setting_makes_the_first_key_active() -> None:
    keys = new_keys("k2", "k1")

    key_ring = KeyRing.from_setting(f"k2:{encoded(keys['k2'])},k1:{encoded(keys['k1'])}")

    assert (key_ring.active_key_id, key_ring.key_ids) == ("k2", ("k2", "k1"))


def test_from_setting_reads_keys_that_decrypt_what_the_same_keys_encrypted() -> None:
    keys = new_keys("k1")
    sealed = ring(keys, "k1").encrypt(PAN, tenant="tenant-a", token="tok_a")

    key_ring = KeyRing.from_setting(f" k1 : {encoded(keys['k1'])} , ")

    assert key_ring.decrypt(sealed) == PAN


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("", "holds no key"),
        (" , ", "holds no key"),
        ("k1", "vault key entry 1 must be written id:base64"),
        ("k1:" + encoded(b"k" * 32) + ",bad id:" + encoded(b"k" * 32), "vault key entry 2 must be written id:base64"),
        (":" + encoded(b"k" * 32), "vault key entry 1 must be written id:base64"),
        ("k1:not base64!", "vault key 'k1' is not valid base64"),
        ("k1:" + encoded(b"k" * 16), "vault key 'k1' must be 32 bytes"),
        ("k1:" + encoded(b"k" * 32) + ",k1:" + encoded(b"j" * 32), "vault key 'k1' appears twice"),
    ],
)
def test_from_setting_refuses_malformed_setting(setting: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        KeyRing.from_setting(setting)


def test_from_setting_errors_never_show_key_material() -> None:
    secret = encoded(os.urandom(32))

    for setting in (secret, f"k1:{secret[:-4]}", f"k1:{secret}!", f"k1:{secret},k1:{secret}", f"{secret}:k1"):
        with pytest.raises(ValueError) as caught:
            KeyRing.from_setting(setting)
        assert secret[:8] not in str(caught.value)
        error = caught.value
        assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)


def test_key_ring_refuses_an_active_key_it_does_not_hold() -> None:
    with pytest.raises(ValueError, match="active vault key 'k9' is not in the key ring"):
        KeyRing(new_keys("k1"), active="k9")


@pytest.mark.parametrize("key", [b"k" * 31, b"k" * 33, "k" * 32])
def test_key_ring_refuses_keys_that_are_not_32_bytes(key: object) -> None:
    with pytest.raises(ValueError, match="must be 32 bytes"):
        KeyRing({"k1": key}, active="k1")  # type: ignore[dict-item]


def test_key_ring_repr_shows_key_ids_only() -> None:
    keys = new_keys("k2", "k1")

    shown = repr(ring(keys, "k2", "k1"))

    assert shown == "KeyRing(active='k2', key_ids=('k2', 'k1'))"


def test_encrypt_records_the_active_key_and_a_fresh_nonce() -> None:
    key_ring = ring(new_keys("k2", "k1"), "k2", "k1")

    first = key_ring.encrypt(PAN, tenant="tenant-a", token="tok_a")
    second = key_ring.encrypt(PAN, tenant="tenant-a", token="tok_a")

    assert (first.key_id, first.tenant, first.token) == ("k2", "tenant-a", "tok_a")
    assert len(first.nonce) == 12
    assert first.nonce != second.nonce and first.ciphertext != second.ciphertext


# Names without digits, so that only a leak of the number could put a run of its digits in a repr.
names = st.text(alphabet=string.ascii_letters + "-_", min_size=1, max_size=64)


@given(valid_cards(), names, names)
def test_decrypt_returns_what_encrypt_sealed(card: tuple[str, CardBrand], tenant: str, token: str) -> None:
    key_ring = ring(new_keys("k1"), "k1")

    sealed = key_ring.encrypt(card[0], tenant=tenant, token=token)

    assert key_ring.decrypt(sealed) == card[0]
    assert card[0].encode() not in sealed.ciphertext
    assert_no_pan(repr(sealed), card[0])


@pytest.mark.parametrize(
    "change",
    [
        {"tenant": "tenant-b"},
        {"token": "tok_b"},
        {"tenant": "tenant-atok_a", "token": ""},
        {"nonce": bytes(12)},
    ],
)
def test_decrypt_rejects_a_ciphertext_moved_to_another_binding(change: dict[str, object]) -> None:
    key_ring = ring(new_keys("k1"), "k1")
    sealed = key_ring.encrypt(PAN, tenant="tenant-a", token="tok_a")

    with pytest.raises(CiphertextRejected):
        key_ring.decrypt(dataclasses.replace(sealed, **change))


def test_decrypt_rejects_a_ciphertext_relabelled_with_another_key_id() -> None:
    keys = new_keys("k1", "k2")
    sealed = ring(keys, "k1").encrypt(PAN, tenant="tenant-a", token="tok_a")

    with pytest.raises(CiphertextRejected):
        ring(keys, "k2", "k1").decrypt(dataclasses.replace(sealed, key_id="k2"))


def test_decrypt_rejects_a_tampered_ciphertext() -> None:
    key_ring = ring(new_keys("k1"), "k1")
    sealed = key_ring.encrypt(PAN, tenant="tenant-a", token="tok_a")
    tampered = bytes([sealed.ciphertext[0] ^ 1]) + sealed.ciphertext[1:]

    with pytest.raises(CiphertextRejected, match="ciphertext of token tok_a failed authentication") as caught:
        key_ring.decrypt(dataclasses.replace(sealed, ciphertext=tampered))
    assert caught.value.__cause__ is None


def test_decrypt_refuses_a_key_that_was_retired() -> None:
    keys = new_keys("k1", "k2")
    sealed = ring(keys, "k1").encrypt(PAN, tenant="tenant-a", token="tok_a")

    with pytest.raises(UnknownKey, match="vault key 'k1' of token tok_a is not in the key ring"):
        ring(keys, "k2").decrypt(sealed)


def test_sealed_pan_repr_hides_nonce_and_ciphertext() -> None:
    sealed = SealedPan("tenant-a", "tok_a", "k1", b"\x01" * 12, b"\x02" * 32)

    assert repr(sealed) == "SealedPan(tenant='tenant-a', token='tok_a', key_id='k1')"


def test_needs_rotation_when_sealed_under_a_key_that_is_not_active() -> None:
    keys = new_keys("k1", "k2")
    sealed = ring(keys, "k1").encrypt(PAN, tenant="tenant-a", token="tok_a")

    assert ring(keys, "k2", "k1").needs_rotation(sealed)
    assert not ring(keys, "k1", "k2").needs_rotation(sealed)


def test_rotate_reseals_under_the_active_key_and_survives_retiring_the_old_one() -> None:
    keys = new_keys("k1", "k2")
    sealed = ring(keys, "k1").encrypt(PAN, tenant="tenant-a", token="tok_a")

    rotated = ring(keys, "k2", "k1").rotate(sealed)

    assert (rotated.key_id, rotated.tenant, rotated.token) == ("k2", "tenant-a", "tok_a")
    assert ring(keys, "k2").decrypt(rotated) == PAN
    assert not ring(keys, "k2").needs_rotation(rotated)


def test_rotate_leaves_a_record_on_the_active_key_unchanged() -> None:
    key_ring = ring(new_keys("k1"), "k1")
    sealed = key_ring.encrypt(PAN, tenant="tenant-a", token="tok_a")

    assert key_ring.rotate(sealed) is sealed
