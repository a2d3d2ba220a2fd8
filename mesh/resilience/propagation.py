"""What an outbound call inherits from the incoming one: its deadline, tenant and caller.

A downstream call never outlives the call that caused it: its deadline is the sooner of the
policy's timeout and the incoming call's remaining time, and when that is already spent the call
fails DEADLINE_EXCEEDED without leaving the process. Tenant and caller travel as metadata so the
next service serves the same tenant for the same caller.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence

from mesh import context
from mesh.errors import Code, DomainError, common
from mesh.resilience.policy import CallPolicy

__all__ = ["Deadline", "Metadata", "outbound_deadline", "outbound_metadata"]

Metadata = tuple[tuple[str, str], ...]


@dataclasses.dataclass(frozen=True)
class Deadline:
    """The instant, on `clock`, at which an outbound call gives up, retries included."""

    at: float
    clock: Callable[[], float] = time.monotonic

    def remaining(self) -> float:
        return max(0.0, self.at - self.clock())


def outbound_deadline(policy: CallPolicy, clock: Callable[[], float] = time.monotonic) -> Deadline:
    """The deadline of a call made now under `policy` within the bound request context."""
    timeout = policy.timeout
    incoming = context.current()
    remaining = incoming.time_remaining() if incoming is not None else None
    if remaining is not None:
        timeout = min(timeout, remaining)
    if timeout < policy.min_attempt_time:
        raise DomainError(
            Code.DEADLINE_EXCEEDED,
            common.DEADLINE_EXCEEDED,
            "the deadline ran out before a downstream call could start",
        )
    return Deadline(clock() + timeout, clock)


def outbound_metadata(extra: Sequence[tuple[str, str]] = ()) -> Metadata:
    """The bound context's tenant and caller, then the caller's own headers (idempotency keys).

    The context's identity headers win over same-named headers in `extra`: the tenant a call
    acts for is the one the incoming call was authenticated for.
    """
    incoming = context.current()
    if incoming is None:
        return tuple(extra)
    inherited = incoming.outbound_metadata()
    names = {name for name, _ in inherited}
    return inherited + tuple((name, value) for name, value in extra if name.lower() not in names)
