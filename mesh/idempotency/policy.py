"""How long keys are honoured and locked."""

from __future__ import annotations

import dataclasses
import datetime


@dataclasses.dataclass(frozen=True)
class IdempotencyPolicy:
    ttl: datetime.timedelta = datetime.timedelta(hours=24)
    # A live execution holds its key this long past its last phase; a holder that died is
    # taken over after it. Keep it above the longest phase gap (a PSP call's deadline).
    lock_ttl: datetime.timedelta = datetime.timedelta(seconds=60)
    in_progress_retry_after: datetime.timedelta = datetime.timedelta(milliseconds=500)
