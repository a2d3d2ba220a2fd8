"""Reports refused as a whole (as opposed to a bad row, which is a LineError in the report).

Both carry the contract's reason, SETTLEMENT_REPORT_INVALID (INVALID_ARGUMENT), as plain
strings and metadata for the api layer to map; nothing here imports grpc or proto.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = ["SettlementHeaderInvalid", "SettlementRejected", "SettlementTooLarge"]


class SettlementRejected(Exception):
    reason: ClassVar[str] = "SETTLEMENT_REPORT_INVALID"
    code: ClassVar[str] = "INVALID_ARGUMENT"

    def __init__(self, message: str, **metadata: str) -> None:
        super().__init__(message)
        self.message = message
        self.metadata = metadata


class SettlementTooLarge(SettlementRejected):
    """More than `limit_bytes` bytes: reading stops there, nothing is reconciled."""

    def __init__(self, limit_bytes: int) -> None:
        super().__init__(
            f"the settlement report is larger than the limit of {limit_bytes:,} bytes", limit_bytes=str(limit_bytes)
        )
        self.limit_bytes = limit_bytes


class SettlementHeaderInvalid(SettlementRejected):
    """No header row, or a required column missing from it (row 1)."""

    def __init__(self, detail: str, column: str = "") -> None:
        super().__init__(f"the settlement report's header is unusable: {detail}", line="1", column=column)
        self.column = column
