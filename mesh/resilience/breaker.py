"""Circuit breakers per dependency, on purgatory.

After `failure_threshold` consecutive failures a dependency's breaker opens: calls fail at once
with UNAVAILABLE / DEPENDENCY_UNAVAILABLE and a RetryInfo, without touching the network, until
`recovery_timeout` has passed. Then it is half-open: calls go through again (purgatory lets every
call through, not a single probe); the first success closes it, the first failure reopens it.

Only DEPENDENCY_FAILURE_CODES count as failures. Any other answer, NOT_FOUND included, shows the
dependency is up. A cancelled attempt (a hedge that lost, a caller that left) says nothing
either way, so it is recorded as neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import enum
import time
from collections.abc import AsyncIterator, Callable, Mapping

import grpc
import purgatory
from purgatory.domain.model import Context, OpenedState
from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker

from mesh.errors import DomainError, common
from mesh.resilience.policy import DEPENDENCY_FAILURE_CODES
from mesh.resilience.rpc_errors import code_of

__all__ = ["BreakerRegistry", "BreakerSettings", "BreakerState"]


class BreakerState(enum.Enum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


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
        self._breakers: dict[str, AsyncCircuitBreaker] = {}
        self._creating = asyncio.Lock()

    def state(self, dependency: str) -> BreakerState:
        """The breaker's state now; OPEN turns HALF_OPEN once its recovery timeout has passed."""
        breaker = self._breakers.get(dependency)
        if breaker is None:
            return BreakerState.CLOSED
        state = _FROM_PURGATORY[breaker.context.state]
        if state is BreakerState.OPEN and _reopens_in(breaker.context) <= 0:
            return BreakerState.HALF_OPEN
        return state

    def add_listener(self, listener: Callable[[str, BreakerState], None]) -> None:
        """Call listener(dependency, new_state) on every transition, e.g. to export a gauge."""

        def on_event(name: str, event_type: str, event: purgatory.Event) -> None:
            if event_type == "state_changed":
                listener(name, _FROM_PURGATORY[event.state])

        self._factory.add_listener(on_event)

    @contextlib.asynccontextmanager
    async def guard(self, dependency: str) -> AsyncIterator[None]:
        """Run one attempt under the dependency's breaker; raise DomainError when it is open."""
        breaker = await self._breaker(dependency)
        try:
            await breaker.__aenter__()
        except OpenedState as opened:
            raise _open_error(dependency, breaker.context, opened) from None
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

    async def _breaker(self, dependency: str) -> AsyncCircuitBreaker:
        breaker = self._breakers.get(dependency)
        if breaker is not None:
            return breaker
        settings = self._overrides.get(dependency, self._default)
        # Creation awaits inside purgatory; two first calls must not register two breakers.
        async with self._creating:
            if dependency not in self._breakers:
                self._breakers[dependency] = await self._factory.get_breaker(
                    dependency, threshold=settings.failure_threshold, ttl=settings.recovery_timeout)
        return self._breakers[dependency]


def _reopens_in(context: Context) -> float:
    """Seconds until an open breaker lets calls through again (purgatory keeps wall-clock time)."""
    return (context.opened_at or 0.0) + context.ttl - time.time()


def _open_error(dependency: str, context: Context, opened: OpenedState) -> DomainError:
    # purgatory raises the same OpenedState object on every rejection: drop its growing traceback.
    opened.__traceback__ = None
    wait = max(0.0, _reopens_in(context))
    return DomainError(
        grpc.StatusCode.UNAVAILABLE,
        common.DEPENDENCY_UNAVAILABLE,
        "a dependency is unavailable; retry later",
        metadata={"dependency": dependency},
        retry_after=datetime.timedelta(seconds=wait),
    )
