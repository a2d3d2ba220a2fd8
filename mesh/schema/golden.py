"""Golden encoded events: every event type of a release, fully populated, encoded once.

A release writes `<type>.binpb` (binary wire format) and `<type>.json` (proto JSON, what a
browser or a JSON consumer holds) for each event message and the envelope. The gate decodes
each with the current schema: the bytes must decode with no unknown fields and re-encode to the
same bytes, and the JSON must round-trip unchanged; so a renumbered, retyped, renamed or deleted
field of an event that is already on the wire fails CI. Bytes that no longer parse at all are
unreadable too; any other failure while checking a golden is reported against that golden file
(GATE_CHECK_FAILED), so it cannot hide the gate's other findings.
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
from typing import Any

from google.protobuf import descriptor, descriptor_pb2, descriptor_pool, json_format, message, message_factory

from mesh.schema import guard

EVENT_FILE_SUFFIX = "/events.proto"
ENVELOPE = "commerce.event.v1.EventEnvelope"
RULE = "GOLDEN_EVENT_UNREADABLE"
CHECK = "golden events"


@dataclasses.dataclass(frozen=True)
class GoldenProblem:
    """A golden event that the current schema no longer reads as it was written."""

    golden: str
    type_name: str
    message: str
    rule: str = RULE


def event_type_names(pool: descriptor_pool.DescriptorPool, fds: descriptor_pb2.FileDescriptorSet) -> list[str]:
    """Every domain event message (top level in a domain's events.proto) and the envelope."""
    names = [
        f"{f.package}.{m.name}"
        for f in fds.file
        if f.name.endswith(EVENT_FILE_SUFFIX) and f.name.startswith("commerce/")
        for m in f.message_type
    ]
    return sorted(names + [ENVELOPE])


def load_pool(image: bytes) -> tuple[descriptor_pool.DescriptorPool, descriptor_pb2.FileDescriptorSet]:
    fds = descriptor_pb2.FileDescriptorSet.FromString(image)
    pool = descriptor_pool.DescriptorPool()
    for file in fds.file:
        pool.Add(file)
    return pool, fds


def write_goldens(image: bytes, directory: pathlib.Path) -> list[str]:
    """Write one populated, encoded instance of every event type; returns the type names."""
    pool, fds = load_pool(image)
    directory.mkdir(parents=True, exist_ok=True)
    names = event_type_names(pool, fds)
    for name in names:
        msg = _populated(pool, pool.FindMessageTypeByName(name), depth=0)
        (directory / f"{name}.binpb").write_bytes(msg.SerializeToString(deterministic=True))
        as_json = json_format.MessageToDict(msg, descriptor_pool=pool)
        (directory / f"{name}.json").write_text(json.dumps(as_json, indent=2, sort_keys=True) + "\n")
    return names


def check_goldens(image: bytes, directory: pathlib.Path) -> list[GoldenProblem]:
    """Decode every golden in `directory` with the schema in `image`."""
    pool, _ = load_pool(image)
    problems = []
    for binpb in sorted(directory.glob("*.binpb")):
        problems += _check_file(pool, binpb)
    return problems


def _check_file(pool: descriptor_pool.DescriptorPool, binpb: pathlib.Path) -> list[GoldenProblem]:
    name = binpb.name.removesuffix(".binpb")

    def check() -> list[GoldenProblem]:
        problem = _check_one(pool, name, binpb.read_bytes(), json.loads(binpb.with_suffix(".json").read_text()))
        return [GoldenProblem(str(binpb), name, problem)] if problem else []

    return guard.guarded(CHECK, name, check, lambda crash: GoldenProblem(str(binpb), name, crash, guard.RULE))


def _check_one(pool: descriptor_pool.DescriptorPool, name: str, wire: bytes, as_json: dict[str, Any]) -> str | None:
    try:
        cls = message_factory.GetMessageClass(pool.FindMessageTypeByName(name))
    except KeyError:
        return f"event type {name} no longer exists"
    try:
        decoded = cls.FromString(wire)
    except message.DecodeError as err:  # e.g. a string field retyped to a message
        return f"{name}: the released encoding no longer parses ({err}): a field was retyped"
    return _wire_problem(name, decoded, wire) or _json_problem(pool, name, decoded, as_json)


def _wire_problem(name: str, decoded: message.Message, wire: bytes) -> str | None:
    decoded.DiscardUnknownFields()
    if decoded.SerializeToString(deterministic=True) != wire:
        return (
            f"{name}: the released encoding no longer decodes field for field "
            "(a field was deleted, renumbered or retyped)"
        )
    return None


def _json_problem(
    pool: descriptor_pool.DescriptorPool, name: str, decoded: message.Message, as_json: dict[str, Any]
) -> str | None:
    try:
        from_json = json_format.ParseDict(as_json, type(decoded)(), descriptor_pool=pool)
    except json_format.ParseError as err:
        return f"{name}: the released JSON no longer parses ({err})"
    if from_json != decoded or json_format.MessageToDict(decoded, descriptor_pool=pool) != as_json:
        return f"{name}: the released JSON no longer round-trips (a field or enum value was renamed)"
    return None


def _populated(pool: descriptor_pool.DescriptorPool, desc: descriptor.Descriptor, depth: int) -> message.Message:
    """A deterministic instance with every field set, so each field's encoding is pinned."""
    msg = message_factory.GetMessageClass(desc)()
    if desc.full_name == "google.protobuf.Any":
        # Packed by hand: the private pool's Any is not any_pb2.Any, so Any.Pack() does not apply.
        money = _populated(pool, pool.FindMessageTypeByName("commerce.type.v1.Money"), depth + 1)
        packed: Any = msg  # a class made from the pool at run time: the stubs cannot know its fields
        packed.type_url = f"type.googleapis.com/{money.DESCRIPTOR.full_name}"
        packed.value = money.SerializeToString(deterministic=True)
        return msg
    for field in desc.fields:
        _fill(pool, msg, field, depth)
    return msg


def _fill(
    pool: descriptor_pool.DescriptorPool, msg: message.Message, field: descriptor.FieldDescriptor, depth: int
) -> None:
    if field.message_type is not None:
        if depth >= 4 or field.message_type.GetOptions().map_entry:
            return
        if field.is_repeated:
            msg_list = getattr(msg, field.name)
            for _ in range(2):
                msg_list.add().CopyFrom(_populated(pool, field.message_type, depth + 1))
        else:
            getattr(msg, field.name).CopyFrom(_populated(pool, field.message_type, depth + 1))
        return
    value = _scalar(field)
    if field.is_repeated:
        getattr(msg, field.name).extend([value, value])
    else:
        setattr(msg, field.name, value)


def _scalar(field: descriptor.FieldDescriptor) -> str | bytes | bool | int | float:
    kind = descriptor.FieldDescriptor
    if field.type == kind.TYPE_STRING:
        return f"{field.name}-{field.number}"
    if field.type == kind.TYPE_BYTES:
        return f"{field.name}".encode()
    if field.type == kind.TYPE_BOOL:
        return True
    if field.type == kind.TYPE_ENUM:
        assert field.enum_type is not None  # an enum field always has its enum's descriptor
        return field.enum_type.values[-1].number
    if field.type in (kind.TYPE_DOUBLE, kind.TYPE_FLOAT):
        return float(field.number) + 0.5
    if field.message_type is None and field.full_name.endswith(".seconds"):
        return 1_700_000_000 + field.number
    return 1000 + field.number
