"""mesh.status_codes.Code ↔ grpc.StatusCode, at the edge: the server's interceptors and
outbound calls. Code's members are gRPC's, by name and number, so the mapping is 1:1 (a name
gRPC lacks fails here at import; tests.unit.test_status_codes holds the numbers to gRPC's)."""

from __future__ import annotations

import grpc

from mesh.status_codes import Code

__all__ = ["from_grpc", "to_grpc"]

_TO_GRPC: dict[Code, grpc.StatusCode] = {code: grpc.StatusCode[code.name] for code in Code}
_FROM_GRPC: dict[grpc.StatusCode, Code] = {grpc_code: code for code, grpc_code in _TO_GRPC.items()}


def to_grpc(code: Code) -> grpc.StatusCode:
    return _TO_GRPC[code]


def from_grpc(code: grpc.StatusCode) -> Code:
    return _FROM_GRPC[code]
