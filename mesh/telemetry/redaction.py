"""Redaction: no card number or secret ever reaches a log line, a span or an error message.

Two rules, applied to text and to structured data alike:
- card numbers: a run of 13–19 digits, written plain or grouped with single spaces or dashes,
  that passes the Luhn check becomes "[REDACTED-PAN]". A 16-digit order number that fails
  Luhn is kept, so logs stay useful.
- secrets: the value under a sensitive key (see `SENSITIVE_KEYS`; also `access_token`,
  `x-api-key`, `clientSecret`: the key's last words decide) becomes "[REDACTED]", in mappings
  and in `key=value`, `key: value` and JSON-ish text; "Bearer <token>" becomes
  "Bearer [REDACTED]"; the password in `scheme://user:password@host` becomes "[REDACTED]".

Every pattern is precompiled and free of nested ambiguity (possessive quantifiers, anchored
starts), so ordinary text costs a few linear scans.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from typing import Any

from mesh.luhn import card_number_spans

__all__ = [
    "REDACTED",
    "REDACTED_PAN",
    "SENSITIVE_KEYS",
    "RedactionFilter",
    "is_sensitive_key",
    "redact",
    "redact_mapping",
]

REDACTED = "[REDACTED]"
REDACTED_PAN = "[REDACTED-PAN]"

SENSITIVE_KEYS = frozenset(
    {
        "card_number",
        "cardnumber",
        "pan",
        "cvc",
        "cvv",
        "password",
        "passwd",
        "secret",
        "token",
        "api_key",
        "apikey",
        "authorization",
        "private_key",
        "privatekey",
        "client_secret",
        "cookie",
    }
)

_PAN_MIN_DIGITS = 13  # card numbers themselves are found by mesh.luhn
_DEPTH_LIMIT = 8  # deeper structures are replaced whole: cheaper than walking a cycle

_BEARER = re.compile(r"(?i)(?<![\w-])(bearer)\s++[A-Za-z0-9\-._~+/]++=*+")
_URL_PASSWORD = re.compile(r"(?i)(?<![\w+.-])([a-z][a-z0-9+.\-]*+://[^:/@\s]*+:)[^@/\s]++@")
_KEY = re.compile(r"""(?<![\w.\-])(?P<quote>["']?)(?P<key>[A-Za-z_][\w.\-]*+)(?P=quote)\s*+[:=]\s*+""")
# Matched only after a sensitive key, so a long value is never rescanned for every plain key.
_VALUE = re.compile(
    r"""  (?P<quoted>"(?:[^"\\]|\\.)*+"|'(?:[^'\\]|\\.)*+')
        | (?P<scheme>(?i:bearer|basic)\s++)?(?:\[REDACTED(?:-PAN)?\]|[^\s,;&)}\]"']++)
        | (?P<unterminated>["'])[^\s,;&)}\]]*+
    """,
    re.VERBOSE,
)
_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_KEY_SEPARATORS = re.compile(r"[\s.\-]+")
_SENSITIVE_SUFFIX = re.compile(
    r"(?:^|_)(?:" + "|".join(sorted(map(re.escape, SENSITIVE_KEYS), key=len, reverse=True)) + r")$"
)


def redact(text: str) -> str:
    """`text` with card numbers and secrets replaced; unchanged text is returned as is."""
    spans = card_number_spans(text, min_digits=_PAN_MIN_DIGITS)
    if spans:
        text = _replace_spans(text, spans, REDACTED_PAN)
    if "://" in text:
        text = _URL_PASSWORD.sub(rf"\1{REDACTED}@", text)
    text = _BEARER.sub(rf"\1 {REDACTED}", text)
    return _redact_key_values(text)


def redact_mapping(obj: Mapping[Any, Any]) -> dict[Any, Any]:
    """A copy of `obj` with sensitive keys' values and every card number or secret in the values
    (nested mappings and sequences included) redacted."""
    return _redact_mapping(obj, depth=0)


@functools.lru_cache(maxsize=2048)
def is_sensitive_key(key: str) -> bool:
    """Whether a value under `key` is a secret: its normalised last words name one
    (`clientSecret`, `X-Api-Key`, `http.request.header.authorization`, `access_token`)."""
    normalised = _KEY_SEPARATORS.sub("_", _CAMEL_BOUNDARY.sub("_", key)).lower()
    return _SENSITIVE_SUFFIX.search(normalised) is not None


def _replace_spans(text: str, spans: list[tuple[int, int]], replacement: str) -> str:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    pieces, cursor = [], 0
    for start, end in merged:
        pieces += [text[cursor:start], replacement]
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces)


def _redact_key_values(text: str) -> str:
    """Hide the value after each sensitive key; other keys' values are searched like any text,
    so in "error: token=abc", abc is still hidden."""
    pieces, cursor = [], 0
    for key in _KEY.finditer(text):
        value = _VALUE.match(text, key.end()) if key.start() >= cursor and is_sensitive_key(key["key"]) else None
        if value:
            pieces += [text[cursor : value.start()], _hidden(value)]
            cursor = value.end()
    pieces.append(text[cursor:])
    return "".join(pieces)


def _hidden(value: re.Match[str]) -> str:
    quote = (value["quoted"] or value["unterminated"] or "")[:1]
    if quote:
        return f"{quote}{REDACTED}{quote}"
    return (value["scheme"] or "") + REDACTED


def _redact_mapping(obj: Mapping[Any, Any], depth: int) -> dict[Any, Any]:
    return {
        key: REDACTED if value is not None and is_sensitive_key(str(key)) else _redact_value(value, depth + 1)
        for key, value in obj.items()
    }


def _redact_value(value: Any, depth: int) -> Any:
    if depth > _DEPTH_LIMIT:
        return REDACTED
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return _redact_mapping(value, depth)
    if type(value) in (list, tuple, set, frozenset):
        return type(value)(_redact_value(item, depth + 1) for item in value)
    return _redact_opaque(value)


def _redact_opaque(value: Any) -> Any:
    """Numbers and objects are judged by their text: kept as they are unless it hides something."""
    text = str(value)
    redacted = redact(text)
    return value if redacted == text else redacted


class RedactionFilter(logging.Filter):
    """Scrubs a record in place before any formatter sees it: message and args, dict messages,
    extra fields, exception and stack text. Installed on a handler, so it covers every logger
    that propagates to it, third-party ones included. It never drops a record and never raises:
    if scrubbing fails, the record's content is withheld."""

    _STANDARD_ATTRS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}
    _TRACEBACKS = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            self._scrub(record)
        except Exception:  # a filter that raises would break the caller's log call
            self._withhold(record)
        return True

    def _scrub(self, record: logging.LogRecord) -> None:
        if isinstance(record.msg, Mapping):
            record.msg = redact_mapping(record.msg)
        else:
            record.msg, record.args = redact(self._message(record)), None
        for key in self._extra_keys(record):
            value = getattr(record, key)
            setattr(record, key, REDACTED if value is not None and is_sensitive_key(key) else _redact_value(value, 0))
        if record.exc_info and not record.exc_text:
            record.exc_text = self._TRACEBACKS.formatException(record.exc_info)
        # Formatters re-render exc_info when present; only the scrubbed text may remain.
        record.exc_info = None
        record.exc_text = redact(record.exc_text) if record.exc_text else record.exc_text
        record.stack_info = redact(record.stack_info) if record.stack_info else record.stack_info

    @staticmethod
    def _message(record: logging.LogRecord) -> str:
        try:
            return record.getMessage()
        except Exception:  # mismatched args: keep both parts rather than lose the line
            return f"{record.msg} {record.args!r}"

    def _extra_keys(self, record: logging.LogRecord) -> list[str]:
        return [key for key in vars(record) if key not in self._STANDARD_ATTRS]

    def _withhold(self, record: logging.LogRecord) -> None:
        for key in self._extra_keys(record):
            delattr(record, key)
        record.msg, record.args = "log record withheld: redaction failed", None
        record.exc_info = record.exc_text = record.stack_info = None
