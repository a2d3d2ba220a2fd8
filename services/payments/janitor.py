"""The verification janitor: intents whose PSP outcome is unknown are resolved by asking the
PSP (a hedged status check), never by guessing. Until then nothing else may happen to them."""

from __future__ import annotations

import asyncio
import logging

from mesh.errors import DomainError
from services.payments import store
from services.payments.app import PaymentsApp

log = logging.getLogger("payments.janitor")


class VerificationJanitor:
    def __init__(self, app: PaymentsApp, *, batch: int = 50) -> None:
        self._app = app
        self._batch = batch

    async def run_once(self) -> int:
        """One pass; returns how many intents it resolved."""
        async with self._app.db.transaction() as conn:
            pending = await store.awaiting_verification(conn, self._batch)
        resolved = 0
        for tenant, intent_id, call in pending:
            try:
                if await self._app.resolve_unknown(tenant, intent_id, call) is not None:
                    resolved += 1
            except DomainError:  # the PSP is still unreachable: ask again next pass
                log.warning("verification of a payment intent deferred", extra={"payment_intent": intent_id,
                                                                                 "psp": call.psp})
        return resolved

    async def run(self, stop: asyncio.Event, interval_seconds: float = 5.0) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("janitor pass failed")
            try:
                await asyncio.wait_for(stop.wait(), interval_seconds)
            except TimeoutError:
                pass
