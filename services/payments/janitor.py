"""The verification janitor: a PSP call whose outcome the mesh does not know is resolved by
asking the PSP (a hedged status check), never by guessing. Two kinds reach it:
- intents in REQUIRES_VERIFICATION (a PSP timed out on an authorization);
- leases whose holder died mid-call and whose caller never came back.
Each is recorded as the PSP answers, and the flow the intent asked for continues (an AUTOMATIC
intent found authorized is captured)."""

from __future__ import annotations

import asyncio
import logging

from mesh.errors import DomainError
from mesh.workers import every
from services.payments import store
from services.payments.app import PaymentsApp

log = logging.getLogger("payments.janitor")


class VerificationJanitor:
    def __init__(self, app: PaymentsApp, *, batch: int = 50) -> None:
        self._app = app
        self._batch = batch

    async def run_once(self) -> int:
        """One pass; returns how many intents it resolved."""
        async with self._app.db.read() as conn:
            pending = await store.awaiting_verification(conn, self._batch)
            pending += await store.abandoned(conn, self._app.now(), self._batch)
        resolved = 0
        for tenant, intent_id, call in pending:
            try:
                if await self._app.resolve_unknown(tenant, intent_id, call) is not None:
                    resolved += 1
            except DomainError:  # the PSP is still unreachable, or a caller is on it: ask again next pass
                log.warning(
                    "verification of a payment intent deferred", extra={"payment_intent": intent_id, "psp": call.psp}
                )
        return resolved

    async def run(self, stop: asyncio.Event, interval_seconds: float = 5.0) -> None:
        """A pass every interval_seconds until `stop` (a worker of mesh.service)."""
        await every(interval_seconds, self.run_once, name="janitor pass")(stop)
