"""The EventBus on Google Cloud Pub/Sub (google-cloud-pubsub): the emulator locally and in CI,
the real service on GKE.

Publishing goes through the client's batching publisher with message ordering on; the returned
future is awaited with asyncio.wrap_future, so the event loop never blocks. Retries are the
client's (transient codes, exponential backoff) but bounded by publish_timeout: with ordering
on, the client would otherwise retry forever and an outbox relay would hang instead of trying
again later. A failed publish pauses its ordering key in the client (later messages of the key
must not overtake it); the bus resumes the key at once and raises PublishError, so the caller —
the outbox, which still holds the row — decides when to publish again, in order.

Subscribing uses streaming pull (see pubsub_subscriber): a handler that returns acks, one that
raises nacks, up to max_outstanding handlers at once, messages of one ordering key one at a
time on an ordered subscription.

Emulator versus real Pub/Sub (the CI tests run on the emulator; production on the real thing):
- backoff: real Pub/Sub spaces redeliveries by the retry policy (topology.yaml's values give a
  poison message about 20 minutes before it is dead-lettered). The emulator (0.8.20, measured)
  does not follow the configured values: under any retry policy it redelivers the first time
  at once and then every 2-3 s, whatever the minimum and maximum; with no policy it redelivers
  at once. Tests therefore use 0 s backoff (no policy) and never assert spacing on the emulator;
- after a nack on an ordering key, real Pub/Sub redelivers the nacked message and every later
  message of that key; the emulator redelivers only the nacked one. Either way, when a message
  of a key is nacked the client may release the key's next message before the redelivery, so
  an ordered handler can see message n+1 before n succeeds: handlers check the aggregate's
  version, and redeliveries are deduped on the envelope's event id;
- subscription filters are accepted and not applied (the topology uses none), and exactly-once
  delivery is only nominal (the topology does not enable it: we dedupe ourselves);
- the emulator keeps nothing across restarts: provision() recreates the topology. A subscriber
  whose stream ends with NOT_FOUND reopens it by itself; one whose stream the client library is
  still retrying may re-attach to the new broker unnoticed, so the recovery procedure stops the
  relay and consumers, provisions, starts consumers, and replays the outbox window (README);
- after a streaming pull on a subscription is cancelled (SubscriptionHandle.stop()), the
  emulator keeps leasing that subscription's messages to the cancelled stream, and a new
  subscriber of the same subscription in the same emulator session receives none of them,
  while a unary pull does (measured: 0 of 5 in 40 s). Real Pub/Sub ends a cancelled stream's
  leases; tests on the emulator therefore never re-subscribe a stopped subscription;
- dead-lettering on real Pub/Sub needs the IAM grants described in provision.
What holds on both, and what handlers must assume: at-least-once delivery, duplicates (a
redelivery, or a row the outbox published twice under a new message id), and delivery_attempt
that only counts on subscriptions with a dead-letter policy.
"""

from __future__ import annotations

import asyncio

import google.cloud.pubsub_v1 as pubsub_v1
from google.api_core import exceptions
from google.api_core import retry as retries

from mesh.events.bus import Handler, OutgoingMessage, PublishError, SubscriptionHandle
from mesh.events.pubsub_clients import publisher_client, subscriber_client, subscription_path, topic_path
from mesh.events.pubsub_subscriber import PubSubSubscriber

__all__ = ["PubSubBus"]

# The client's own retry policy for Publish (codes and pacing), with a deadline we choose.
_TRANSIENT_PUBLISH_ERRORS = retries.if_exception_type(
    exceptions.Aborted,
    exceptions.Cancelled,
    exceptions.DeadlineExceeded,
    exceptions.InternalServerError,
    exceptions.ResourceExhausted,
    exceptions.ServiceUnavailable,
    exceptions.Unknown,
)


class PubSubBus:
    """An EventBus on Pub/Sub project `project`; names are topology names (topic and subscription ids).

    emulator_host: "host:port" of an emulator; None follows the client library
    (PUBSUB_EMULATOR_HOST, else real Pub/Sub with Application Default Credentials).
    api_endpoint: real Pub/Sub only, a regional publish endpoint (see pubsub_clients) so that
    ordering keys hold; None uses the global endpoint.
    publish_timeout: how long one publish may take, retries included, before PublishError.
    """

    def __init__(
        self,
        project: str,
        *,
        emulator_host: str | None = None,
        api_endpoint: str | None = None,
        publish_timeout: float = 60.0,
    ) -> None:
        self.project = project
        self._publish_timeout = publish_timeout
        self._publish_retry = retries.Retry(
            initial=0.1,
            maximum=min(60.0, publish_timeout),
            multiplier=4,
            predicate=_TRANSIENT_PUBLISH_ERRORS,
            timeout=publish_timeout,
        )
        self._publisher = publisher_client(
            emulator_host,
            api_endpoint=api_endpoint,
            publisher_options=pubsub_v1.types.PublisherOptions(enable_message_ordering=True),
        )
        self._subscriber = subscriber_client(emulator_host)
        self._subscribers: list[PubSubSubscriber] = []
        self._closed = False

    async def publish(self, topic: str, message: OutgoingMessage) -> str:
        """Publish and return Pub/Sub's message id; PublishError once the client has given up."""
        path = topic_path(self.project, topic)
        try:
            future = self._publisher.publish(
                path,
                message.data,
                ordering_key=message.ordering_key,
                retry=self._publish_retry,
                timeout=self._publish_timeout,
                **message.attributes,
            )
            return await asyncio.wrap_future(future)
        except Exception as error:
            self._resume(path, message.ordering_key)
            raise PublishError(f"publishing to {topic} failed: {error}") from error

    async def subscribe(self, subscription: str, handler: Handler, *, max_outstanding: int = 100) -> SubscriptionHandle:
        """Open a streaming pull on subscription; the stream reopens by itself if it is lost."""
        if self._closed:
            raise RuntimeError("the bus is closed")
        subscriber = PubSubSubscriber(
            self._subscriber, subscription_path(self.project, subscription), subscription, handler, max_outstanding
        )
        subscriber.start()
        self._subscribers.append(subscriber)
        return subscriber

    async def close(self) -> None:
        """Stop every subscriber (running handlers finish), flush pending publishes, close channels."""
        if self._closed:
            return
        self._closed = True
        await asyncio.gather(*(subscriber.stop() for subscriber in self._subscribers))
        self._subscribers.clear()
        await asyncio.to_thread(self._close_clients)

    def _resume(self, path: str, ordering_key: str) -> None:
        # The client pauses a key after a failure so later messages cannot overtake the lost one;
        # the caller still holds that message and will publish it again first.
        if ordering_key:
            try:
                self._publisher.resume_publish(path, ordering_key)
            except RuntimeError:
                pass  # the publisher is stopped: nothing to resume

    def _close_clients(self) -> None:
        self._publisher.stop()
        self._publisher.transport.close()
        self._subscriber.close()
