"""Logs: one JSON object per line, carrying the service and the current trace and span ids.

`configure_logging` puts a single handler on the root logger, so every logger that propagates
(ours and third-party ones) goes through it. The handler first redacts the record
(`RedactionFilter`), then stamps it with service, trace_id and span_id, so a log line can be
joined to its trace. With `log_json` off, the same fields go into a plain text line.
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

from opentelemetry import trace
from pythonjsonlogger.json import JsonFormatter

from mesh.config import MeshSettings
from mesh.telemetry.redaction import RedactionFilter

__all__ = ["MeshLogHandler", "TraceContextFilter", "configure_logging"]

_JSON_FIELDS = ("levelname", "name", "message", "service", "trace_id", "span_id")
_JSON_RENAMES = {"levelname": "level", "name": "logger"}
_TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(service)s trace_id=%(trace_id)s span_id=%(span_id)s] %(message)s"


class TraceContextFilter(logging.Filter):
    """Stamps each record with the service name and the hex ids of the current OpenTelemetry span
    ("" when there is none)."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def filter(self, record: logging.LogRecord) -> bool:
        span_context = trace.get_current_span().get_span_context()
        valid = span_context.is_valid
        record.service = self.service
        record.trace_id = trace.format_trace_id(span_context.trace_id) if valid else ""
        record.span_id = trace.format_span_id(span_context.span_id) if valid else ""
        return True


class MeshLogHandler(logging.StreamHandler[TextIO]):
    """The root handler installed by `configure_logging`; its class marks it for replacement."""


def configure_logging(settings: MeshSettings, stream: TextIO | None = None) -> MeshLogHandler:
    """Route every log record to one redacting handler writing to `stream` (default: stderr).

    Idempotent: a second call replaces the handler the first one installed instead of adding
    another, so records are never written twice.
    """
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, MeshLogHandler)]:
        root.removeHandler(handler)
        handler.close()
    handler = MeshLogHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RedactionFilter())  # first: later filters and formatters see only scrubbed data
    handler.addFilter(TraceContextFilter(settings.service_name))
    handler.setFormatter(_json_formatter() if settings.log_json else logging.Formatter(_TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(settings.log_level.upper())
    return handler


def _json_formatter() -> JsonFormatter:
    return JsonFormatter(list(_JSON_FIELDS), rename_fields=_JSON_RENAMES, timestamp=True)
