"""JSON log lines: standard fields, trace correlation, and no card number or secret, ever."""

from __future__ import annotations

import io
import logging

import pytest
from opentelemetry import trace

from mesh.telemetry import REDACTED, MeshLogHandler, configure_logging
from tests.fixtures.telemetry import telemetry_settings
from tests.unit.telemetry.cards import MASTERCARD, ORDER_NUMBER, VISA, carries, grouped

PAN_SPELLINGS = [VISA, grouped(VISA, " "), grouped(VISA, "-")]


@pytest.fixture
def logger(request) -> logging.Logger:
    return logging.getLogger(f"mesh.tests.{request.node.originalname}")  # the param id may hold a PAN


def test_json_line_carries_standard_fields_and_extras(captured_logs, logger):
    logger.warning("payment %s declined", "pi_1", extra={"order_id": "ord_1"})

    [line] = captured_logs.lines()
    assert line["level"] == "WARNING"
    assert line["logger"] == logger.name
    assert line["message"] == "payment pi_1 declined"
    assert line["service"] == "mesh-tests"
    assert line["order_id"] == "ord_1"
    assert line["timestamp"]


def test_json_line_carries_ids_of_active_span(captured_spans, captured_logs, logger):
    with trace.get_tracer(__name__).start_as_current_span("authorize") as span:
        logger.info("authorizing")

    [line] = captured_logs.lines()
    assert line["trace_id"] == trace.format_trace_id(span.get_span_context().trace_id)
    assert line["span_id"] == trace.format_span_id(span.get_span_context().span_id)


def test_json_line_outside_any_span_has_empty_ids(captured_logs, logger):
    logger.info("idle")

    [line] = captured_logs.lines()
    assert (line["trace_id"], line["span_id"]) == ("", "")


@pytest.mark.parametrize("pan", PAN_SPELLINGS)
def test_pan_in_message_is_redacted(captured_logs, logger, pan):
    logger.info(f"charging {pan}")

    assert not carries(captured_logs.text, VISA)
    assert "[REDACTED-PAN]" in captured_logs.lines()[0]["message"]


@pytest.mark.parametrize("pan", PAN_SPELLINGS)
def test_pan_in_args_is_redacted(captured_logs, logger, pan):
    logger.info("charging %s for %d", pan, int(MASTERCARD))

    assert not carries(captured_logs.text, VISA)
    assert not carries(captured_logs.text, MASTERCARD)


@pytest.mark.parametrize("pan", PAN_SPELLINGS)
def test_pan_in_extra_is_redacted(captured_logs, logger, pan):
    logger.info("charging", extra={"card": pan, "payment": {"source": f"card {pan}"}})

    assert not carries(captured_logs.text, VISA)


@pytest.mark.parametrize("pan", PAN_SPELLINGS)
def test_pan_in_exception_is_redacted(captured_logs, logger, pan):
    try:
        raise ValueError(f"card {pan} rejected")
    except ValueError:
        logger.exception("capture failed")

    [line] = captured_logs.lines()
    assert "ValueError" in line["exc_info"]
    assert not carries(captured_logs.text, VISA)


def test_pan_in_dict_message_is_redacted(captured_logs, logger):
    logger.info({"event": "charge", "card_number": VISA, "memo": f"card {VISA}"})

    [line] = captured_logs.lines()
    assert line["card_number"] == REDACTED
    assert not carries(captured_logs.text, VISA)


def test_number_failing_luhn_is_kept(captured_logs, logger):
    logger.info("order %s placed", ORDER_NUMBER, extra={"order_number": ORDER_NUMBER})

    [line] = captured_logs.lines()
    assert ORDER_NUMBER in line["message"]
    assert line["order_number"] == ORDER_NUMBER


def test_sensitive_keys_are_redacted_in_text_and_extras(captured_logs, logger):
    logger.info("login password=%s", "hunter2", extra={"api_key": "k-123", "headers": {"x-client-secret": "s3cr3t"}})

    [line] = captured_logs.lines()
    assert line["message"] == f"login password={REDACTED}"
    assert line["api_key"] == REDACTED
    assert line["headers"] == {"x-client-secret": REDACTED}


def test_bearer_token_is_redacted(captured_logs, logger):
    logger.info("calling psp with Authorization: Bearer eyJhbGciOi.payload.sig")

    assert "eyJhbGciOi" not in captured_logs.text
    assert f"Bearer {REDACTED}" in captured_logs.lines()[0]["message"]


def test_third_party_logger_is_redacted_too(captured_logs):
    logging.getLogger("some.vendor.sdk").warning("retrying token=%s card=%s", "abc", VISA)

    [line] = captured_logs.lines()
    assert line["logger"] == "some.vendor.sdk"
    assert not carries(captured_logs.text, VISA)
    assert "abc" not in line["message"]


def test_record_that_cannot_be_scrubbed_is_withheld_not_raised(captured_logs, logger):
    class Unprintable:
        def __str__(self) -> str:
            raise RuntimeError(f"hides {VISA}")

    logger.info("with %s", "context", extra={"thing": Unprintable()})

    [line] = captured_logs.lines()
    assert line["message"] == "log record withheld: redaction failed"
    assert "thing" not in line


def test_configure_logging_twice_keeps_one_handler(captured_logs, logger):
    stream = io.StringIO()
    configure_logging(telemetry_settings(), stream=stream)
    configure_logging(telemetry_settings(), stream=stream)

    logger.info("once")

    assert sum(isinstance(h, MeshLogHandler) for h in logging.getLogger().handlers) == 1
    assert stream.getvalue().count('"once"') == 1


def test_text_mode_line_carries_trace_fields_and_is_redacted(captured_logs, logger):
    stream = io.StringIO()
    configure_logging(telemetry_settings(log_json=False, service_name="text-svc"), stream=stream)

    logger.info("card %s", VISA)

    text = stream.getvalue()
    assert "text-svc trace_id= span_id=" in text
    assert not carries(text, VISA)


def test_configure_logging_sets_root_level(captured_logs, logger):
    configure_logging(telemetry_settings(log_level="warning"), stream=io.StringIO())

    assert logging.getLogger().level == logging.WARNING
