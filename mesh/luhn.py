"""Card numbers in text: the mesh's one Luhn implementation.

A card number as people paste it is a run of digits, plain or grouped with single spaces or
dashes ("4111 1111 1111 1111", "4111-1111-1111-1111"), that passes the Luhn check. Candidates
are cut from a run only at its separators, so "qty 2 4111 1111 1111 1111" still holds a card,
while an unseparated run is judged whole: a 20-digit order number is not a card, and neither is
a 16-digit one that fails Luhn.

Used by redaction (mesh.telemetry.redaction hides what it finds) and by request validation
(mesh.interceptors.request_checks refuses it in free text: only the vault takes card numbers).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator

__all__ = ["CARD_MAX_DIGITS", "CARD_MIN_DIGITS", "card_number_spans", "contains_card_number", "luhn_valid"]

# Payment card numbers in use are 12 (some Maestro) to 19 digits long; the vault takes the same.
CARD_MIN_DIGITS, CARD_MAX_DIGITS = 12, 19

_DIGIT_GROUP = re.compile(r"\d++")

LuhnSums = tuple[list[int], list[int]]


def luhn_valid(number: str) -> bool:
    """True when a string of digits passes the Luhn (mod 10) check."""
    return _passes(_prefix_sums(number), 0, len(number))


def contains_card_number(text: str, min_digits: int = CARD_MIN_DIGITS) -> bool:
    """Whether `text` holds a Luhn-valid run of `min_digits` to 19 digits."""
    return next(iter(_spans(text, min_digits)), None) is not None


def card_number_spans(text: str, min_digits: int = CARD_MIN_DIGITS) -> list[tuple[int, int]]:
    """(start, end) in `text` of every card number in it, overlapping ones included."""
    return list(_spans(text, min_digits))


def _spans(text: str, min_digits: int) -> Iterator[tuple[int, int]]:
    if len(text) < min_digits:  # most text is short: skip the regex
        return
    for run in _digit_run(min_digits).finditer(text):
        for start, end in _card_spans(run.group(), min_digits):
            yield run.start() + start, run.start() + end


@functools.lru_cache(maxsize=4)
def _digit_run(min_digits: int) -> re.Pattern[str]:
    # At least `min_digits` digits joined by at most one space or dash; possessive, so linear.
    return re.compile(rf"\d(?:[ -]?\d){{{min_digits - 1},}}+")


def _card_spans(run: str, min_digits: int) -> Iterator[tuple[int, int]]:
    """Every span of whole digit groups of `run` that is a Luhn-valid card-length number."""
    groups = [(group.start(), group.end()) for group in _DIGIT_GROUP.finditer(run)]
    digits = "".join(run[start:end] for start, end in groups)
    sums = _prefix_sums(digits)
    bounds = _digit_bounds(groups)
    for first, (start, _) in enumerate(groups):
        for last in range(first, min(first + CARD_MAX_DIGITS, len(groups))):
            count = bounds[last + 1] - bounds[first]
            if count > CARD_MAX_DIGITS:
                break
            if count >= min_digits and _passes(sums, bounds[first], bounds[last + 1]):
                yield start, groups[last][1]


def _digit_bounds(groups: list[tuple[int, int]]) -> list[int]:
    """bounds[k]: how many digits the first k groups hold."""
    bounds = [0]
    for start, end in groups:
        bounds.append(bounds[-1] + end - start)
    return bounds


def _prefix_sums(digits: str) -> LuhnSums:
    """sums[p][k]: the Luhn total of the first k digits when those at index parity p are doubled,
    so any slice's total costs two lookups instead of a walk over its digits."""
    sums: LuhnSums = ([0], [0])
    for index, char in enumerate(digits):
        plain = int(char)
        doubled = plain * 2 - 9 if plain > 4 else plain * 2
        sums[0].append(sums[0][-1] + (doubled if index % 2 == 0 else plain))
        sums[1].append(sums[1][-1] + (plain if index % 2 == 0 else doubled))
    return sums


def _passes(sums: LuhnSums, start: int, end: int) -> bool:
    """Whether digits[start:end] pass Luhn. The last one (index end - 1) is never doubled, so the
    doubled ones are those at the parity of `end`."""
    doubled_parity = end % 2
    return (sums[doubled_parity][end] - sums[doubled_parity][start]) % 10 == 0
