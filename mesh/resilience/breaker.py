"""Circuit breakers per dependency, on purgatory.

After `failure_threshold` consecutive failures a dependency's breaker opens: calls fail at once
with UNAVAILABLE / DEPENDENCY_UNAVAILABLE and a RetryInfo, without touching the network, until
`recovery_timeout` has passed. Then it is half-open: calls go through again (purgatory lets every
call through, not a single probe); the first success closes it, the first failure reopens it.

Only DEPENDENCY_FAILURE_CODES count as failures. Any other answer, NOT_FOUND included, shows the
dependency is up. A cancelled attempt (a hedge that lost, a caller that left) says nothing
either way, so it is recorded as neither.

purgatory is used through its public API only (`purgatory.__all__` of 3.0.1): the factory, the
breakers it hands out as async context managers, and its listener events. Entering an open
breaker raises purgatory's OpenedState, which it does not export, so the registry never lets
that happen: it keeps each breaker's state from the public "state_changed" events and refuses
an open breaker's calls itself, with the same rule purgatory applies (open until `opened_at +
ttl`, wall-clock). purgatory dispatches those events before the attempt that caused them
returns, so the record is never behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import enum
import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

import purgatory

from mesh.errors import Code, DomainError, common
from mesh.resilience.policy import DEPENDENCY_FAILURE_CODES
from mesh.resilience.rpc_errors import code_of

__all__ = ["BreakerRegistry", "BreakerSettings", "BreakerState"]

# What get_breaker returns; purgatory does not export its class, only its use in `async with`.
_PurgatoryBreaker = AbstractAsyncContextManager[Any]


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


# The state names of purgatory's public ContextChanged event.
_FROM_PURGATORY = {
    "closed": BreakerState.CLOSED,
    "opened": BreakerState.OPEN,
    "half-opened": BreakerState.HALF_OPEN,
}


@dataclasses.dataclass(frozen=True)
class BreakerSettings:
    """failure_threshold consecutive failures open the breaker for recovery_timeout seconds."""

    failure_threshold: int = 5
    recovery_timeout: float = 30.0


def _is_dependency_failure(error: BaseException) -> bool:
    return code_of(error) in DEPENDENCY_FAILURE_CODES


@dataclasses.dataclass
class _Circuit:
    """One breaker as purgatory's state_changed events describe it."""

    ttl: float
    state: BreakerState = BreakerState.CLOSED
    opened_at: float = 0.0  # time.time(), as purgatory keeps it

    def reopens_in(self) -> float:
        """Seconds until an open breaker lets calls through again."""
        return self.opened_at + self.ttl - time.time()

    def current(self) -> BreakerState:
        """The state now; OPEN turns HALF_OPEN once the ttl has passed, as purgatory decides."""
        if self.state is BreakerState.OPEN and self.reopens_in() < 0:
            return BreakerState.HALF_OPEN
        return self.state


class BreakerRegistry:
    """The breakers of one process, one per dependency, created on first use."""

    def __init__(
        self,
        default: BreakerSettings = BreakerSettings(),
        overrides: Mapping[str, BreakerSettings] | None = None,
    ) -> None:
        self._default = default
        self._overrides = dict(overrides or {})
        # Anything that is not a dependency failure ends the request as a success for purgatory.
        self._factory = purgatory.AsyncCircuitBreakerFactory(
            default_threshold=default.failure_threshold,
            default_ttl=default.recovery_timeout,
            exclude=[(BaseException, lambda error: not _is_dependency_failure(error))],
        )
        self._factory.add_listener(self._record)
        self._breakers: dict[str, _PurgatoryBreaker] = {}
        self._circuits: dict[str, _Circuit] = {}
        self._creating = asyncio.Lock()

    def state(self, dependency: str) -> BreakerState:
        """The breaker's state now; OPEN turns HALF_OPEN once its recovery timeout has passed."""
        circuit = self._circuits.get(dependency)
        return circuit.current() if circuit else BreakerState.CLOSED

    def add_listener(self, listener: Callable[[str, BreakerState], None]) -> None:
        """Call listener(dependency, new_state) on every transition, e.g. to export a gauge."""

        def on_event(name: str, event_type: str, event: purgatory.Event) -> None:
            if isinstance(event, purgatory.ContextChanged):  # event_type "state_changed"
                listener(name, _FROM_PURGATORY[event.state])

        self._factory.add_listener(on_event)

    @contextlib.asynccontextmanager
    async def guard(self, dependency: str) -> AsyncIterator[None]:
        """Run one attempt under the dependency's breaker; raise DomainError when it is open."""
        breaker = await self._breaker(dependency)
        circuit = self._circuits[dependency]
        if circuit.current() is BreakerState.OPEN:
            raise _open_error(dependency, circuit)
        await breaker.__aenter__()
        try:
            yield
        except asyncio.CancelledError:
            # Neither failure nor success; queued state events go out with the next attempt's.
            raise
        except BaseException as error:
            await breaker.__aexit__(type(error), error, error.__traceback__)
            raise
        else:
            await breaker.__aexit__(None, None, None)

    def _record(self, name: str, event_type: str, event: purgatory.Event) -> None:
        """Keep the circuit's state from purgatory's public ContextChanged events."""
        circuit = self._circuits.get(name)
        if not isinstance(event, purgatory.ContextChanged) or circuit is None:
            return
        circuit.state = _FROM_PURGATORY[event.state]
        circuit.opened_at = event.opened_at or circuit.opened_at

    async def _breaker(self, dependency: str) -> _PurgatoryBreaker:
        breaker = self._breakers.get(dependency)
        if breaker is not None:
            return breaker
        settings = self._overrides.get(dependency, self._default)
        # Creation awaits inside purgatory; two first calls must not register two breakers.
        async with self._creating:
            if dependency not in self._breakers:
                self._circuits[dependency] = _Circuit(ttl=settings.recovery_timeout)
                self._breakers[dependency] = await self._factory.get_breaker(
                    dependency, threshold=settings.failure_threshold, ttl=settings.recovery_timeout
                )
        return self._breakers[dependency]


def _open_error(dependency: str, circuit: _Circuit) -> DomainError:
    return DomainError(
        Code.UNAVAILABLE,
        common.DEPENDENCY_UNAVAILABLE,
        "a dependency is unavailable; retry later",
        metadata={"dependency": dependency},
        retry_after=datetime.timedelta(seconds=max(0.0, circuit.reopens_in())),
    )
