"""The card vault: the only place a card number enters the mesh, and the only way it leaves.

`tokenize` validates a card, seals its number and returns a token with what may be shown (brand,
last four digits, expiry, fingerprint). The token derives from the idempotency key, so a retry
returns the first token instead of minting a second. The CVC is checked and then dropped: it is
never stored and never returned. `reveal_for_psp` hands the number to the PSP connectors inside
the payments service, wrapped in a CardForPsp whose repr and str hide it.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncConnection

from commerce.payments.v1 import error_reason_pb2
from mesh.errors import Code, DomainError, common, reason_of
from mesh.ids import derive_id
from services.payments.vault import cards, store
from services.payments.vault.cards import CardBrand
from services.payments.vault.crypto import KeyRing

__all__ = ["CardForPsp", "PaymentMethodNotFound", "TokenizedCard", "Vault"]

TOKEN_KIND = "tok"
MIN_FINGERPRINT_KEY_BYTES = 32
PAYMENT_METHOD_NOT_FOUND = reason_of(
    error_reason_pb2.ErrorReason, error_reason_pb2.ERROR_REASON_PAYMENT_METHOD_NOT_FOUND
)


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


class PaymentMethodNotFound(DomainError):
    """No card has this token in this tenant (a token of another tenant is not found either)."""

    def __init__(self, token: str) -> None:
        super().__init__(
            Code.NOT_FOUND, PAYMENT_METHOD_NOT_FOUND, f"payment method {token} not found", metadata={"token": token}
        )


@dataclasses.dataclass(frozen=True)
class TokenizedCard:
    """What tokenizing returns: the token and what may be shown about the card. No number, no CVC."""

    token: str
    brand: CardBrand
    last4: str
    exp_month: int
    exp_year: int
    fingerprint: str


@dataclasses.dataclass(frozen=True, repr=False)
class CardForPsp:
    """A card number on its way to a PSP connector; its repr and str show only the last four digits."""

    pan: str
    exp_month: int
    exp_year: int

    def __repr__(self) -> str:
        return f"CardForPsp(pan='****{cards.last4(self.pan)}', exp_month={self.exp_month}, exp_year={self.exp_year})"

    __str__ = __repr__


class Vault:
    """Tokenizes cards and reveals them to PSP connectors; the caller supplies the connection (and transaction)."""

    def __init__(
        self, key_ring: KeyRing, fingerprint_key: bytes, *, clock: Callable[[], datetime.datetime] = _utc_now
    ) -> None:
        # The fingerprint key is separate from the ring and never rotates: changing it would give
        # every stored card a new fingerprint.
        if len(fingerprint_key) < MIN_FINGERPRINT_KEY_BYTES:
            raise ValueError(f"the fingerprint key must have at least {MIN_FINGERPRINT_KEY_BYTES} bytes")
        self._key_ring = key_ring
        self._fingerprint_key = fingerprint_key
        self._clock = clock

    async def tokenize(
        self,
        conn: AsyncConnection,
        tenant: str,
        request_id: str,
        number: str,
        exp_month: int,
        exp_year: int,
        cvc: str,
        cardholder_name: str,
        today: datetime.date,
    ) -> TokenizedCard:
        """Validate and store a card; the same request_id returns the same token and writes one row.

        `today` is the current UTC date (a card is valid through its expiry month). The CVC is
        only checked. The cardholder's name is accepted for the contract but not kept: no column
        holds it and CardForPsp does not carry it.
        """
        brand = cards.validate_card(number, exp_month, exp_year, cvc, today=today)
        token = derive_id(TOKEN_KIND, tenant, request_id)
        record = store.CardRecord(
            sealed=self._key_ring.encrypt(number, tenant=tenant, token=token),
            fingerprint=cards.fingerprint(number, tenant, self._fingerprint_key),
            brand=brand,
            last4=cards.last4(number),
            exp_month=exp_month,
            exp_year=exp_year,
            created_at=self._clock(),
        )
        if not await store.insert_card(conn, record):
            record = await self._first_tokenization(conn, record, request_id)
        return _tokenized(record)

    async def reveal_for_psp(self, conn: AsyncConnection, tenant: str, token: str) -> CardForPsp:
        """The card number of `token` for a PSP connector; PaymentMethodNotFound outside its tenant."""
        record = await store.load_card(conn, tenant, token)
        if record is None:
            raise PaymentMethodNotFound(token)
        return CardForPsp(self._key_ring.decrypt(record.sealed), record.exp_month, record.exp_year)

    async def _first_tokenization(
        self, conn: AsyncConnection, retry: store.CardRecord, request_id: str
    ) -> store.CardRecord:
        """The stored card of a retried request_id; a different card under the same key is refused."""
        first = await store.load_card(conn, retry.tenant, retry.token)
        if first is None:
            # The token is taken by another tenant: only a SHA-256 collision of derive_id gets here.
            raise RuntimeError(f"token {retry.token} exists outside tenant {retry.tenant}")
        if (first.fingerprint, first.exp_month, first.exp_year) != (retry.fingerprint, retry.exp_month, retry.exp_year):
            raise DomainError(
                Code.INVALID_ARGUMENT,
                common.IDEMPOTENCY_KEY_REUSED,
                "request_id was already used to tokenize a different card",
                metadata={"request_id": request_id},
            )
        return first


def _tokenized(record: store.CardRecord) -> TokenizedCard:
    return TokenizedCard(
        record.token, record.brand, record.last4, record.exp_month, record.exp_year, record.fingerprint
    )
