"""The card vault of the payments service: validation, encryption at rest, tokens, and reveal to PSPs.

No other service ever sees a card number: they hold tokens. See vault.py for the flow, crypto.py
for the key ring and rotation, store.py for the table.
"""

from services.payments.vault.cards import (
    CardBrand,
    CardInvalid,
    brand_of,
    fingerprint,
    last4,
    luhn_valid,
    validate_card,
)
from services.payments.vault.crypto import CiphertextRejected, KeyRing, SealedPan, UnknownKey, VaultCryptoError
from services.payments.vault.store import CardRecord, insert_card, load_card, rotate_all, vault_cards, vault_metadata
from services.payments.vault.vault import CardForPsp, PaymentMethodNotFound, TokenizedCard, Vault

__all__ = [
    "CardBrand",
    "CardForPsp",
    "CardInvalid",
    "CardRecord",
    "CiphertextRejected",
    "KeyRing",
    "PaymentMethodNotFound",
    "SealedPan",
    "TokenizedCard",
    "UnknownKey",
    "Vault",
    "VaultCryptoError",
    "brand_of",
    "fingerprint",
    "insert_card",
    "last4",
    "load_card",
    "luhn_valid",
    "rotate_all",
    "validate_card",
    "vault_cards",
    "vault_metadata",
]
