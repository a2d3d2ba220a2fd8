"""The request context: who is calling, for which tenant, until when.

Set by the auth-context interceptor for each incoming call, read by handlers and by outbound
calls, which propagate tenant, caller and the remaining deadline downstream.
"""

from __future__ import annotations

import contextvars
import dataclasses
import time

TENANT_HEADER = "x-commerce-tenant"
CALLER_HEADER = "x-commerce-caller"


@dataclasses.dataclass(frozen=True, slots=True)
class RequestContext:
    """The incoming call's identity and deadline."""

    tenant: str
    caller: str
    method: str
    deadline: float | None = None  # time.monotonic() at which the caller gives up

    def time_remaining(self) -> float | None:
        """Seconds left before the caller's deadline, or None when it set none."""
        return None if self.deadline is None else max(0.0, self.deadline - time.monotonic())

    def outbound_metadata(self) -> tuple[tuple[str, str], ...]:
        return ((TENANT_HEADER, self.tenant), (CALLER_HEADER, self.caller))


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("mesh_request", default=None)


def current() -> RequestContext | None:
    """The context of the call being served, if any."""
    return _current.get()


class NoRequestContext(RuntimeError):
    """Code that needs the caller ran outside a served call: a wiring bug, never the caller's fault."""


def current_tenant() -> str:
    """The calling tenant, as the auth-context interceptor verified it. Raises NoRequestContext
    outside a served call rather than guessing a tenant."""
    ctx = _current.get()
    if ctx is None:
        raise NoRequestContext("no request context: current_tenant() is only for code serving a call")
    return ctx.tenant


def bind(ctx: RequestContext) -> contextvars.Token[RequestContext | None]:
    return _current.set(ctx)


def reset(token: contextvars.Token[RequestContext | None]) -> None:
    _current.reset(token)
