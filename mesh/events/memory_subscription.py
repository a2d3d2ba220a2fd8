"""One in-process subscription: its backlog, its leases and its single subscriber.

Pub/Sub's delivery rules, kept in memory (MemoryBus explains where they differ):
- every message stays in the backlog until a handler acks it, even with no subscriber attached;
- a nack, a handler that raises, or an ack deadline that expires first hands the message back,
  redelivered after the subscription's exponential backoff; an ack that comes after its deadline
  is ignored, as Pub/Sub ignores an expired ack id;
- delivery_attempt counts every delivery; once it reaches max_delivery_attempts on a
  subscription with a dead-letter topic, the next failure forwards the message there;
- on an ordered subscription only the oldest message of an ordering key is ever out: the next
  one waits until it is acked or dead-lettered, so a nacked message blocks its key.

Every delay (an ack deadline, a backoff) runs out on a `Clock`: the event loop's by default; a
test passes one that moves only when it says so, and so decides when a deadline expires instead
of racing one.
"""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import functools
import logging
import types
from collections.abc import Callable, Coroutine, Mapping
from typing import Any, Protocol

from mesh.events.bus import Delivery, Handler
from mesh.events.topology import SubscriptionSpec

__all__ = ["Clock", "LoopClock", "MemorySubscription", "StoredMessage", "Timer"]

_log = logging.getLogger(__name__)


class Timer(Protocol):
    """A callback a Clock will run, unless cancelled first."""

    def cancel(self) -> None: ...


class Clock(Protocol):
    """Runs callbacks once their delay has passed."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        """Run callback (on the running event loop) once `delay` seconds have passed."""
        ...


class LoopClock:
    """The running event loop's clock: real seconds."""

    def call_later(self, delay: float, callback: Callable[[], None]) -> Timer:
        return asyncio.get_running_loop().call_later(delay, callback)


@dataclasses.dataclass(frozen=True)
class StoredMessage:
    """A published message as a topic holds it."""

    message_id: str
    data: bytes
    attributes: Mapping[str, str]
    ordering_key: str


@dataclasses.dataclass(eq=False)
class _Pending:
    """A message in one subscription's backlog, with its delivery count there."""

    message: StoredMessage
    attempts: int = 0


@dataclasses.dataclass(eq=False)
class _Lease:
    """One delivery of a pending message; once expired, its ack or nack no longer counts."""

    pending: _Pending
    expired: bool = False


DeadLetterSink = Callable[[SubscriptionSpec, StoredMessage, int], None]


class MemorySubscription:
    """The backlog and delivery state of one SubscriptionSpec."""

    def __init__(self, spec: SubscriptionSpec, *, clock: Clock, dead_letter: DeadLetterSink) -> None:
        self.spec = spec
        self._clock = clock
        self._dead_letter = dead_letter
        self._ready: collections.deque[_Pending] = collections.deque()
        # Ordered subscriptions: each key's messages in publish order; the head is the only one out.
        self._keys: dict[str, collections.deque[_Pending]] = {}
        self._timers: set[Timer] = set()
        self._subscriber: MemorySubscriber | None = None

    def enqueue(self, message: StoredMessage) -> None:
        """Add a freshly published message to the backlog."""
        pending = _Pending(message)
        if self._is_keyed(pending):
            queue = self._keys.setdefault(message.ordering_key, collections.deque())
            queue.append(pending)
            if len(queue) > 1:
                return  # it waits behind the key's head
        self._ready.append(pending)
        self.pump()

    def attach(self, handler: Handler, max_outstanding: int) -> MemorySubscriber:
        """Start delivering to handler; one subscriber per subscription in a process."""
        if max_outstanding < 1:
            raise ValueError("max_outstanding must be at least 1")
        if self._subscriber is not None:
            raise RuntimeError(f"subscription {self.spec.name} already has a subscriber in this process")
        self._subscriber = MemorySubscriber(self, handler, max_outstanding)
        self.pump()
        return self._subscriber

    def detach(self, subscriber: MemorySubscriber) -> None:
        """Stop handing messages to subscriber; its backlog waits for the next one."""
        if self._subscriber is subscriber:
            self._subscriber = None

    def cancel_timers(self) -> None:
        """Drop scheduled redeliveries (the bus is closing)."""
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    def _is_keyed(self, pending: _Pending) -> bool:
        return self.spec.ordered and bool(pending.message.ordering_key)

    def pump(self) -> None:
        """Hand ready messages to the subscriber while it has room for more."""
        subscriber = self._subscriber
        while subscriber is not None and self._ready and subscriber.has_capacity():
            subscriber.start(self._deliver(subscriber.handler, self._ready.popleft()))

    async def _deliver(self, handler: Handler, pending: _Pending) -> None:
        pending.attempts += 1
        lease = _Lease(pending)
        deadline = self._clock.call_later(self.spec.ack_deadline_seconds, functools.partial(self._expire, lease))
        acked = False
        try:
            await handler(self._delivery(pending))
            acked = True
        except Exception:
            _log.warning(
                "handler on %s failed for message %s (delivery attempt %d): nack",
                self.spec.name,
                pending.message.message_id,
                pending.attempts,
                exc_info=True,
            )
        finally:
            deadline.cancel()
            self._settle(lease, acked=acked)

    def _delivery(self, pending: _Pending) -> Delivery:
        message = pending.message
        return Delivery(
            message_id=message.message_id,
            data=message.data,
            attributes=types.MappingProxyType(dict(message.attributes)),
            ordering_key=message.ordering_key,
            delivery_attempt=pending.attempts,
            subscription=self.spec.name,
        )

    def _settle(self, lease: _Lease, *, acked: bool) -> None:
        if lease.expired:
            return  # the deadline passed first: the message was already handed back
        if acked:
            self._finish(lease.pending)
        else:
            self._retry_or_dead_letter(lease.pending)

    def _expire(self, lease: _Lease) -> None:
        _log.warning(
            "ack deadline of %s expired for message %s (delivery attempt %d)",
            self.spec.name,
            lease.pending.message.message_id,
            lease.pending.attempts,
        )
        lease.expired = True
        self._retry_or_dead_letter(lease.pending)

    def _retry_or_dead_letter(self, pending: _Pending) -> None:
        if self.spec.dead_letter_topic and pending.attempts >= self.spec.max_delivery_attempts:
            self._dead_letter(self.spec, pending.message, pending.attempts)
            self._finish(pending)
            return
        self._schedule(self.spec.backoff_seconds(pending.attempts), self._redeliver, pending)

    def _redeliver(self, pending: _Pending) -> None:
        self._ready.append(pending)
        self.pump()

    def _finish(self, pending: _Pending) -> None:
        """The message left the backlog (acked or dead-lettered): release its key to the next one."""
        if self._is_keyed(pending):
            queue = self._keys[pending.message.ordering_key]
            queue.popleft()
            if queue:
                self._ready.append(queue[0])
            else:
                del self._keys[pending.message.ordering_key]
        self.pump()

    def _schedule(self, delay: float, callback: Callable[[_Pending], None], pending: _Pending) -> None:
        def fire() -> None:
            self._timers.discard(timer)
            callback(pending)

        timer = self._clock.call_later(delay, fire)
        self._timers.add(timer)


class MemorySubscriber:
    """The SubscriptionHandle of a MemoryBus subscriber."""

    def __init__(self, subscription: MemorySubscription, handler: Handler, max_outstanding: int) -> None:
        self.handler = handler
        self._subscription = subscription
        self._max_outstanding = max_outstanding
        self._in_flight: set[asyncio.Task[None]] = set()

    def has_capacity(self) -> bool:
        return len(self._in_flight) < self._max_outstanding

    def start(self, delivery: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(delivery)
        self._in_flight.add(task)
        task.add_done_callback(self._done)

    async def stop(self) -> None:
        """Stop taking messages and wait for the handlers already running."""
        self._subscription.detach(self)
        running = self._in_flight - {asyncio.current_task()}
        if running:
            await asyncio.wait(running)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._in_flight.discard(task)
        self._subscription.pump()
