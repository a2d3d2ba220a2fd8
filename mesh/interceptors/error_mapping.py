"""Layer 5: the handler's failures become the error contract; nothing internal leaks."""

from __future__ import annotations

import asyncio
import datetime
import logging

import grpc
from google.protobuf.message import Message
from opentelemetry import trace

from mesh.errors import Code, DomainError, common
from mesh.interceptors.chain import Call, Layer, Next
from mesh.persistence import is_connection_lost

log = logging.getLogger("mesh.errors")
DATABASE_RETRY_AFTER = datetime.timedelta(milliseconds=200)


def error_mapping_layer() -> Layer:
    async def layer(call: Call, following: Next) -> Message:
        try:
            return await following(call)
        except (DomainError, grpc.aio.AbortError, asyncio.CancelledError):
            raise  # a DomainError is the contract already, keep_effects and all
        except Exception as err:
            raise contract_error(call, err) from err

    return layer


def contract_error(call: Call, err: Exception) -> DomainError:
    """What the caller gets for `err`, which nobody turned into the contract: UNAVAILABLE for a
    lost database connection, otherwise INTERNAL with a reference to the log line (logged here)."""
    if is_connection_lost(err):
        return _database_unavailable(call)
    trace_id = _trace_id()
    log.exception("unhandled error in %s", call.info.path, extra={"rpc_method": call.info.path})
    # The caller gets a reference to find the log line, never the exception's text.
    return DomainError(
        Code.INTERNAL,
        common.INTERNAL,
        f"internal error (reference {trace_id})",
        metadata={"trace_id": trace_id},
    )


def _database_unavailable(call: Call) -> DomainError:
    """A lost database connection is the dependency's failure, not ours: UNAVAILABLE, which
    callers retry (a keyed request resumes from its last recovery point); the next call gets
    another connection."""
    log.warning("database connection lost in %s", call.info.path, extra={"rpc_method": call.info.path})
    return DomainError(
        Code.UNAVAILABLE,
        common.DEPENDENCY_UNAVAILABLE,
        "the database connection was lost; retry",
        metadata={"dependency": "database"},
        retry_after=DATABASE_RETRY_AFTER,
    )


def _trace_id() -> str:
    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else "none"
