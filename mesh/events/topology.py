"""The Pub/Sub topology as data: topics, subscriptions and their delivery settings.

One Topology feeds provisioning (the emulator, CI, GKE) and the in-process MemoryBus, so every
environment dead-letters, retries and orders the same way. Construction validates it: names obey
Pub/Sub's resource-name rules, every topic a subscription names exists, and the delivery
settings are within Pub/Sub's limits — a bad topology fails at start-up, not at the first nack.
"""

from __future__ import annotations

import dataclasses
import pathlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import yaml

__all__ = [
    "MESH_TOPOLOGY",
    "SubscriptionSpec",
    "Topic",
    "Topology",
    "TopologyError",
    "load_topology",
    "validate_name",
]

MESH_TOPOLOGY = pathlib.Path(__file__).with_name("topology.yaml")
"""The mesh's real topology: every domain's topic, its consumers and dead letters."""

# Pub/Sub resource names: start with a letter, then letters, digits and - _ . ~ + %, 3-255 chars.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}")
# The consumer becomes the subscription's "consumer" label: lowercase, digits, - and _, up to 63.
_CONSUMER = re.compile(r"[a-z][a-z0-9_\-]{0,62}")
_MIN_ACK_DEADLINE, _MAX_ACK_DEADLINE = 10, 600
_MIN_DELIVERY_ATTEMPTS, _MAX_DELIVERY_ATTEMPTS = 5, 100
_MAX_BACKOFF_SECONDS = 600.0


class TopologyError(ValueError):
    """The topology is not one Pub/Sub would accept, or refers to something it does not define."""


def validate_name(name: str, kind: str) -> None:
    """Raise TopologyError unless name is a valid Pub/Sub topic or subscription id."""
    if not _NAME.fullmatch(name) or name.lower().startswith("goog"):
        raise TopologyError(
            f"{kind} name {name!r} breaks Pub/Sub naming: start with a letter, use letters, "
            "digits and -_.~+%, 3-255 characters, not starting with 'goog'"
        )


@dataclasses.dataclass(frozen=True)
class Topic:
    """A topic, named by its id within the project."""

    name: str

    def __post_init__(self) -> None:
        validate_name(self.name, "topic")


@dataclasses.dataclass(frozen=True)
class SubscriptionSpec:
    """A pull subscription of `consumer` (a service name) on `topic`.

    dead_letter_topic "" means no dead-letter policy (used by the dead-letter subscriptions
    themselves); otherwise a message failing max_delivery_attempts deliveries moves there.
    Redelivery after a nack or an expired ack deadline waits an exponential backoff between
    min_backoff_seconds and max_backoff_seconds; max_backoff_seconds 0 means redeliver at once
    (provisioned as no retry policy, Pub/Sub's immediate redelivery).
    """

    name: str
    topic: str
    consumer: str
    ordered: bool = False
    ack_deadline_seconds: int = 30
    max_delivery_attempts: int = 5
    dead_letter_topic: str = ""
    min_backoff_seconds: float = 10.0
    max_backoff_seconds: float = 600.0

    def __post_init__(self) -> None:
        validate_name(self.name, "subscription")
        validate_name(self.topic, "topic")
        if self.dead_letter_topic:
            validate_name(self.dead_letter_topic, "dead-letter topic")
        if not _CONSUMER.fullmatch(self.consumer):
            raise TopologyError(
                f"{self.name}: consumer {self.consumer!r} must be a service name "
                "(lowercase letters, digits, - and _, at most 63)"
            )
        self._check_limits()

    def _check_limits(self) -> None:
        if not _MIN_ACK_DEADLINE <= self.ack_deadline_seconds <= _MAX_ACK_DEADLINE:
            raise TopologyError(f"{self.name}: ack_deadline_seconds must be {_MIN_ACK_DEADLINE}..{_MAX_ACK_DEADLINE}")
        if not _MIN_DELIVERY_ATTEMPTS <= self.max_delivery_attempts <= _MAX_DELIVERY_ATTEMPTS:
            raise TopologyError(
                f"{self.name}: max_delivery_attempts must be {_MIN_DELIVERY_ATTEMPTS}..{_MAX_DELIVERY_ATTEMPTS}"
            )
        if not 0 <= self.min_backoff_seconds <= self.max_backoff_seconds <= _MAX_BACKOFF_SECONDS:
            raise TopologyError(
                f"{self.name}: need 0 <= min_backoff_seconds <= max_backoff_seconds <= {_MAX_BACKOFF_SECONDS:g}"
            )
        if self.dead_letter_topic == self.topic:
            raise TopologyError(f"{self.name}: the dead-letter topic must differ from the subscribed topic")

    def backoff_seconds(self, failed_attempts: int) -> float:
        """Delay before redelivering after the n-th failed delivery: doubling from min, capped at max."""
        doublings: int = 2 ** max(0, failed_attempts - 1)  # int ** int is typed Any: a negative power is a float
        return min(self.max_backoff_seconds, self.min_backoff_seconds * doublings)


@dataclasses.dataclass(frozen=True)
class Topology:
    """Topics and subscriptions, checked to refer only to each other."""

    topics: tuple[Topic, ...]
    subscriptions: tuple[SubscriptionSpec, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "topics", tuple(self.topics))
        object.__setattr__(self, "subscriptions", tuple(self.subscriptions))
        _require_unique((topic.name for topic in self.topics), "topic")
        _require_unique((spec.name for spec in self.subscriptions), "subscription")
        topic_names = {topic.name for topic in self.topics}
        for spec in self.subscriptions:
            for ref in filter(None, (spec.topic, spec.dead_letter_topic)):
                if ref not in topic_names:
                    raise TopologyError(f"subscription {spec.name} refers to undefined topic {ref}")
        self._require_dead_letter_readers()

    def _require_dead_letter_readers(self) -> None:
        # Pub/Sub drops what reaches a topic without subscriptions: a dead letter must stay readable.
        subscribed = {spec.topic for spec in self.subscriptions}
        for spec in self.subscriptions:
            if spec.dead_letter_topic and spec.dead_letter_topic not in subscribed:
                raise TopologyError(
                    f"dead-letter topic {spec.dead_letter_topic} of {spec.name} has no subscription "
                    "to inspect and replay its messages"
                )

    def has_topic(self, name: str) -> bool:
        """Whether a topic called name is defined."""
        return any(topic.name == name for topic in self.topics)

    def subscription(self, name: str) -> SubscriptionSpec:
        """The subscription called name; KeyError if there is none."""
        for spec in self.subscriptions:
            if spec.name == name:
                return spec
        raise KeyError(name)

    def subscriptions_of(self, topic: str) -> tuple[SubscriptionSpec, ...]:
        """Every subscription attached to topic: each gets its own copy of a message."""
        return tuple(spec for spec in self.subscriptions if spec.topic == topic)

    def with_prefix(self, prefix: str) -> Topology:
        """The same topology with every topic and subscription name prefixed (unique names per test)."""

        def rename(name: str) -> str:
            return prefix + name if name else name

        return Topology(
            topics=tuple(Topic(rename(topic.name)) for topic in self.topics),
            subscriptions=tuple(
                dataclasses.replace(
                    spec,
                    name=rename(spec.name),
                    topic=rename(spec.topic),
                    dead_letter_topic=rename(spec.dead_letter_topic),
                )
                for spec in self.subscriptions
            ),
        )


def load_topology(path: str | pathlib.Path) -> Topology:
    """Read a topology from YAML: `topics: [names]` and `subscriptions: [{name, topic, consumer, …}]`.

    A `defaults:` mapping, if present, fills subscription fields a subscription leaves out.
    """
    document = yaml.safe_load(pathlib.Path(path).read_text(encoding="utf-8")) or {}
    if not isinstance(document, Mapping):
        raise TopologyError(f"{path}: expected a mapping with topics and subscriptions")
    defaults = document.get("defaults") or {}
    try:
        return Topology(
            topics=tuple(Topic(str(name)) for name in document.get("topics") or ()),
            subscriptions=tuple(_subscription(defaults, entry) for entry in document.get("subscriptions") or ()),
        )
    except TypeError as error:
        raise TopologyError(f"{path}: {error}") from error


def _subscription(defaults: Mapping[str, Any], entry: Mapping[str, Any]) -> SubscriptionSpec:
    return SubscriptionSpec(**{**defaults, **entry})


def _require_unique(names: Iterable[str], kind: str) -> None:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise TopologyError(f"{kind} {name} is defined twice")
        seen.add(name)
