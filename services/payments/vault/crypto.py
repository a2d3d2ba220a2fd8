"""Encryption of card numbers at rest under a ring of keys, with rotation.

Envelope-style: the keys of the ring are data keys; in production they are never in plain text
at rest. The setting that carries them (`VAULT_KEYS`, "k2:<base64>,k1:<base64>", the first
being the active key) is stored encrypted under a Cloud KMS key-encryption key (a Secret Manager
secret or a KMS-wrapped value) and decrypted once at start-up by the service account
(Workload Identity); only the decrypted ring is held in memory. A new key is made with
`base64.b64encode(os.urandom(32))`.

Each card number is sealed with AES-256-GCM under the active key with a fresh random 96-bit
nonce. The associated data binds the ciphertext to its tenant, token and key id, so a
ciphertext copied to another row fails authentication instead of revealing another card.
Random nonces are safe for about 2**32 encryptions per key (NIST SP 800-38D): rotate well
before that.

Rotation: put the new key first in the setting (new cards use it, old keys still decrypt),
re-encrypt the rows with `store.rotate_all`, then retire the old key by removing it from the
setting once no row uses it.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import re
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = ["CiphertextRejected", "KeyRing", "SealedPan", "UnknownKey", "VaultCryptoError"]

KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the GCM standard nonce
_KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
_KEY_ID_RULE = "1 to 32 of A-Z a-z 0-9 _ . -"
_AAD_LABEL = "commerce.payments.vault.card.v1"


class VaultCryptoError(Exception):
    """A sealed card number could not be opened; never carries key material or plaintext."""


class UnknownKey(VaultCryptoError):
    """The record was sealed under a key that is not (or no longer) in the ring."""


class CiphertextRejected(VaultCryptoError):
    """Authentication failed: the ciphertext was altered or belongs to another tenant or token."""


@dataclasses.dataclass(frozen=True)
class SealedPan:
    """A card number encrypted under `key_id`, bound to (tenant, token) by the associated data."""

    tenant: str
    token: str
    key_id: str
    nonce: bytes = dataclasses.field(repr=False)
    ciphertext: bytes = dataclasses.field(repr=False)


class KeyRing:
    """Data keys by id: the active one encrypts, every one decrypts until it is retired."""

    def __init__(self, keys: Mapping[str, bytes], active: str) -> None:
        if active not in keys:
            raise ValueError(f"the active vault key {active!r} is not in the key ring")
        for key_id, key in keys.items():
            _check_key(key_id, key)
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys.items()}
        self._active = active

    @classmethod
    def from_setting(cls, setting: str) -> KeyRing:
        """A ring from "k2:<base64>,k1:<base64>": comma-separated id:key pairs, the first active."""
        keys: dict[str, bytes] = {}
        entries = [part.strip() for part in setting.split(",") if part.strip()]
        for position, entry in enumerate(entries, start=1):
            key_id, separator, encoded = (part.strip() for part in entry.partition(":"))
            if not (separator and _KEY_ID.fullmatch(key_id)):
                # Never echo the entry: a malformed one may be the key itself.
                raise ValueError(f"vault key entry {position} must be written id:base64, the id being {_KEY_ID_RULE}")
            if key_id in keys:
                raise ValueError(f"vault key {key_id!r} appears twice")
            keys[key_id] = _decode_key(key_id, encoded)
        if not keys:
            raise ValueError("the vault key setting holds no key")
        return cls(keys, active=next(iter(keys)))

    @property
    def active_key_id(self) -> str:
        return self._active

    @property
    def key_ids(self) -> tuple[str, ...]:
        return tuple(self._ciphers)

    def encrypt(self, pan: str, *, tenant: str, token: str) -> SealedPan:
        """Seal a card number under the active key, bound to its tenant and token."""
        nonce = os.urandom(NONCE_BYTES)
        aad = _associated_data(tenant, token, self._active)
        ciphertext = self._ciphers[self._active].encrypt(nonce, pan.encode("ascii"), aad)
        return SealedPan(tenant, token, self._active, nonce, ciphertext)

    def decrypt(self, sealed: SealedPan) -> str:
        """The card number, or UnknownKey / CiphertextRejected; nothing is returned unauthenticated."""
        cipher = self._ciphers.get(sealed.key_id)
        if cipher is None:
            raise UnknownKey(f"vault key {sealed.key_id!r} of token {sealed.token} is not in the key ring")
        aad = _associated_data(sealed.tenant, sealed.token, sealed.key_id)
        try:
            return cipher.decrypt(sealed.nonce, sealed.ciphertext, aad).decode("ascii")
        except InvalidTag:
            raise CiphertextRejected(f"the ciphertext of token {sealed.token} failed authentication") from None

    def needs_rotation(self, sealed: SealedPan) -> bool:
        """True when the record is sealed under a key other than the active one."""
        return sealed.key_id != self._active

    def rotate(self, sealed: SealedPan) -> SealedPan:
        """The record re-sealed under the active key (unchanged when it already is)."""
        if not self.needs_rotation(sealed):
            return sealed
        return self.encrypt(self.decrypt(sealed), tenant=sealed.tenant, token=sealed.token)

    def __repr__(self) -> str:
        return f"KeyRing(active={self._active!r}, key_ids={self.key_ids!r})"


def _check_key(key_id: str, key: bytes) -> None:
    if not _KEY_ID.fullmatch(key_id):
        raise ValueError(f"a vault key id is malformed: each must be {_KEY_ID_RULE}")
    if not isinstance(key, bytes) or len(key) != KEY_BYTES:
        raise ValueError(f"vault key {key_id!r} must be {KEY_BYTES} bytes")


def _decode_key(key_id: str, encoded: str) -> bytes:
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        # No chaining and no value in the message: the text is key material.
        raise ValueError(f"vault key {key_id!r} is not valid base64") from None


def _associated_data(tenant: str, token: str, key_id: str) -> bytes:
    """Length-prefixed parts, so no two (tenant, token) pairs encode alike."""
    parts = (_AAD_LABEL, tenant, token, key_id)
    return b"".join(len(encoded).to_bytes(4, "big") + encoded for encoded in (part.encode() for part in parts))
