"""One streaming-pull subscriber of PubSubBus: client threads in, asyncio handlers, acks out.

The client library pulls on its own threads and calls back there. A callback only hands the
message to the event loop and returns; the handler runs as a task on the loop, which acks or
nacks the message when it ends (Message.ack and nack are thread-safe: they queue a request for
the client's dispatcher). No client thread waits for a handler, so one thread dispatches them
all, and flow control still lets no more than max_outstanding out: the client counts a message
until it is acked or nacked. On an ordered subscription the client releases a key's next
message only once the previous one is acked or nacked, so the order per key holds.

stop() is honest about in-flight work: it stops starting handlers, waits for the running ones,
nacks what arrived meanwhile (once: an immediate nack would only bring it straight back), and
only then closes the stream, whose shutdown sends the acks and nacks already queued.

The client retries transient stream errors itself but gives up on others, notably NOT_FOUND
when the subscription vanished (an emulator restart, a re-provisioning). The subscriber then
reopens the stream with a capped exponential backoff, so it heals once provision() has run.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import types
from typing import Any

import google.cloud.pubsub_v1 as pubsub_v1
from google.cloud.pubsub_v1.subscriber.futures import StreamingPullFuture
from google.cloud.pubsub_v1.subscriber.message import Message
from google.cloud.pubsub_v1.subscriber.scheduler import ThreadScheduler

from mesh.events.bus import Delivery, Handler

__all__ = ["PubSubSubscriber"]

_log = logging.getLogger(__name__)

REOPEN_FIRST_DELAY_SECONDS = 0.5
REOPEN_MAX_DELAY_SECONDS = 30.0


class PubSubSubscriber:
    """The SubscriptionHandle of a PubSubBus subscriber; start() opens the stream."""

    def __init__(
        self, client: pubsub_v1.SubscriberClient, path: str, name: str, handler: Handler, max_outstanding: int
    ) -> None:
        if max_outstanding < 1:
            raise ValueError("max_outstanding must be at least 1")
        self._client = client
        self._path = path
        self._name = name
        self._handler = handler
        self._max_outstanding = max_outstanding
        self._loop = asyncio.get_running_loop()
        self._stream: StreamingPullFuture | None = None
        self._reopen_timer: asyncio.TimerHandle | None = None
        self._failed_opens = 0
        self._stopping = False
        self._in_flight: set[asyncio.Task[None]] = set()
        self._arrived_while_stopping: list[Message] = []

    def start(self) -> None:
        """Open the streaming pull (the client runs it on its own threads)."""
        # One thread is plenty: a callback only hands its message to the loop.
        executor = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"pubsub-{self._name}")
        self._stream = self._client.subscribe(
            self._path,
            callback=self._on_message,
            flow_control=pubsub_v1.types.FlowControl(max_messages=self._max_outstanding),
            scheduler=ThreadScheduler(executor),
            await_callbacks_on_shutdown=True,
        )
        self._stream.add_done_callback(self._on_stream_end)

    async def stop(self) -> None:
        """Stop taking messages, let running handlers finish and their acks go out, then return."""
        self._stopping = True
        if self._reopen_timer is not None:
            self._reopen_timer.cancel()
        while running := self._in_flight - {asyncio.current_task()}:  # a handler may stop its own subscriber
            await asyncio.wait(running)
        for message in self._arrived_while_stopping:
            message.nack()
        self._arrived_while_stopping.clear()
        if self._stream is not None:
            await asyncio.to_thread(_cancel_and_wait, self._stream)

    def _on_message(self, message: Message) -> None:
        """Runs on a client thread: hand the message to the loop."""
        try:
            self._loop.call_soon_threadsafe(self._begin, message)
        except RuntimeError:
            message.nack()  # the loop is gone: Pub/Sub redelivers

    def _begin(self, message: Message) -> None:
        if self._stopping:
            self._arrived_while_stopping.append(message)
            return
        task = self._loop.create_task(self._handle_then_settle(message))
        self._in_flight.add(task)
        task.add_done_callback(self._in_flight.discard)

    async def _handle_then_settle(self, message: Message) -> None:
        acked = False
        try:
            acked = await self._handle(_delivery(message, self._name))
        finally:  # also when cancelled with the loop: a nack, and Pub/Sub redelivers
            if acked:
                message.ack()
            else:
                message.nack()

    async def _handle(self, delivery: Delivery) -> bool:
        self._failed_opens = 0  # the stream works: a later failure starts its backoff afresh
        try:
            await self._handler(delivery)
        except Exception:
            _log.warning(
                "handler on %s failed for message %s (delivery attempt %d): nack",
                self._name,
                delivery.message_id,
                delivery.delivery_attempt,
                exc_info=True,
            )
            return False
        return True

    def _on_stream_end(self, stream: concurrent.futures.Future[Any]) -> None:
        """Runs on a client thread when the stream ends for good; reopen unless stopping. `stream` is
        the StreamingPullFuture, which add_done_callback() types as the Future it subclasses."""
        if self._stopping:
            return
        try:
            self._loop.call_soon_threadsafe(self._schedule_reopen, stream.exception())
        except RuntimeError:
            pass  # the loop is closed: nothing left to reopen for

    def _schedule_reopen(self, error: BaseException | None) -> None:
        if self._stopping:
            return
        self._failed_opens += 1
        delay = min(REOPEN_MAX_DELAY_SECONDS, REOPEN_FIRST_DELAY_SECONDS * 2 ** (self._failed_opens - 1))
        _log.warning("streaming pull of %s ended (%s); reopening in %.1f s", self._name, error, delay)
        self._reopen_timer = self._loop.call_later(delay, self._reopen)

    def _reopen(self) -> None:
        if not self._stopping:
            self.start()


def _cancel_and_wait(stream: StreamingPullFuture) -> None:
    stream.cancel()
    try:
        stream.result()
    except Exception:  # a stream that had already failed: it is over either way
        pass


def _delivery(message: Message, subscription: str) -> Delivery:
    return Delivery(
        message_id=message.message_id,
        data=message.data,
        attributes=types.MappingProxyType(dict(message.attributes)),
        ordering_key=message.ordering_key,
        # Pub/Sub counts attempts only with a dead-letter policy; None means first.
        delivery_attempt=message.delivery_attempt or 1,
        subscription=subscription,
    )
