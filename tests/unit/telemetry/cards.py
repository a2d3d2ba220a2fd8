"""Card numbers for redaction tests, with a Luhn implementation independent of the one under test."""

from __future__ import annotations

import re

VISA = "4111111111111111"
MASTERCARD = "5500000000000004"
AMEX = "378282246310005"
ORDER_NUMBER = "1234567812345678"  # 16 digits that fail Luhn: not a card, must survive


def luhn_valid(digits: str) -> bool:
    doubled_sum = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        doubled_sum += value - 9 if value > 9 else value
    return doubled_sum % 10 == 0


def luhn_check_digit(body: str) -> str:
    """The digit that makes `body` + digit pass Luhn."""
    return next(str(digit) for digit in range(10) if luhn_valid(body + str(digit)))


def grouped(pan: str, separator: str) -> str:
    """The PAN written in groups of four, e.g. "4111 1111 1111 1111"."""
    return separator.join(pan[i : i + 4] for i in range(0, len(pan), 4))


def carries(text: str, pan: str) -> bool:
    """Whether the PAN's digits appear in `text`, however spaced or dashed."""
    return pan in re.sub(r"[ -]", "", text)
