"""Reading a failed outbound call: its code, the server's google.rpc.Status, its RetryInfo.

Callers branch on the server's ErrorInfo.reason, so a final failure becomes a DomainError that
keeps every detail the server sent (DomainError.from_status) rather than grpc's flattened code
and message; raised on, it reaches our own caller as exactly what the server answered.
"""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from mesh.errors import DomainError
from mesh.grpc_codes import to_grpc

__all__ = ["code_of", "domain_error_of", "retry_delay_of", "status_of"]


def code_of(error: BaseException) -> grpc.StatusCode | None:
    """The gRPC code of a failed call (an RPC error, or our own DomainError from a dependency
    that is not reached over gRPC, such as a PSP), or None for anything else."""
    if isinstance(error, grpc.aio.AioRpcError):
        return error.code()
    if isinstance(error, DomainError):
        return to_grpc(error.code)
    return None


def status_of(error: grpc.aio.AioRpcError) -> status_pb2.Status:
    """The server's google.rpc.Status, or one rebuilt from code and message when it sent none."""
    status: status_pb2.Status | None  # grpc_status is untyped
    try:
        status = rpc_status.from_call(error)
    except ValueError:  # details that contradict the status line are not to be trusted
        status = None
    if status is None:
        status = status_pb2.Status(code=error.code().value[0], message=error.details() or "")
    return status


def domain_error_of(error: grpc.aio.AioRpcError) -> DomainError:
    """The server's answer as the error it stands for, every detail kept."""
    return DomainError.from_status(status_of(error))


def retry_delay_of(error: BaseException) -> float | None:
    """Seconds the server asked us to wait (google.rpc.RetryInfo), or None when it did not ask."""
    if not isinstance(error, grpc.aio.AioRpcError):
        return None
    info = domain_error_of(error).detail(error_details_pb2.RetryInfo)
    if info is None or not info.HasField("retry_delay"):
        return None
    return max(0.0, info.retry_delay.ToTimedelta().total_seconds())
