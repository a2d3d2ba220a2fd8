"""Detects protovalidate constraints that became stricter since the released schema.

`buf breaking` does not compare custom options, so a request that passed validation yesterday
could start failing today without it noticing. This check compares the `buf.validate` rules,
read with each image's own descriptor pool so that predefined rules (extensions declared in our
tree) are seen, of every message present in both schemas:

- a changed field rule passes only when every difference is a recognised loosening
  (`rule_diff`); anything else, including any CEL change or predefined rule, fails closed;
- every oneof, old or new, is compared: a new oneof may carry no rules (a new `required` oneof
  rejects every deployed client's request, whose fields it cannot know);
- a field added to an existing message must accept its empty value, which is what every
  deployed client sends for it: checked by running protovalidate on an empty message, whether
  or not the field has rules of its own;
- message-level rules, and the CEL of a predefined rule declared in our tree, may be removed
  but not added or changed.

A message whose comparison crashes is reported (GATE_CHECK_FAILED), not raised: see `guard`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator
from typing import Generic, TypeVar

import protovalidate
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

from mesh.schema import guard
from mesh.schema.rule_diff import changed_not_removed, field_tightenings
from mesh.schema.rules import RuleReader

RULE = "VALIDATION_TIGHTENED"
NEW_FIELD_RULE = "VALIDATION_NEW_FIELD_REJECTS_EMPTY"
CHECK = "validation rules"


@dataclasses.dataclass(frozen=True)
class Tightening:
    """A constraint that rejects requests the released schema accepted."""

    path: str  # proto file, as buf reports it
    element: str  # full name of the field, oneof, message or predefined rule
    rule: str
    message: str


_Proto = TypeVar("_Proto", descriptor_pb2.DescriptorProto, descriptor_pb2.FieldDescriptorProto)


@dataclasses.dataclass(frozen=True)
class _Declared(Generic[_Proto]):
    """A message or extension declared in our tree, with the proto file it lives in."""

    path: str
    proto: _Proto


def find_tightenings(baseline: bytes, current: bytes) -> list[Tightening]:
    old, new = _Schema(baseline), _Schema(current)
    found: list[Tightening] = []
    for name in (n for n in old.messages if n in new.messages):
        found += _guarded_comparison(_Pair(name, new.messages[name].path, old, new))
    return found + _predefined_changes(old, new)


class _Schema:
    """An image's messages and extensions by full name, and the rules and validator to read them."""

    def __init__(self, image: bytes) -> None:
        fds = descriptor_pb2.FileDescriptorSet.FromString(image)
        self.pool = descriptor_pool.DescriptorPool()
        for file in fds.file:
            self.pool.Add(file)
        self.rules = RuleReader(self.pool)
        self.messages: dict[str, _Declared[descriptor_pb2.DescriptorProto]] = {}
        self.extensions: dict[str, _Declared[descriptor_pb2.FieldDescriptorProto]] = {}
        for file in (f for f in fds.file if f.name.startswith("commerce/")):
            self._index(file)
        self._validator = protovalidate.Validator()  # one per pool: both define the same names

    def _index(self, file: descriptor_pb2.FileDescriptorProto) -> None:
        path = f"proto/{file.name}"
        self.extensions.update({f"{file.package}.{e.name}": _Declared(path, e) for e in file.extension})
        for full_name, msg in _walk(file.package, file.message_type):
            self.messages[full_name] = _Declared(path, msg)
            self.extensions.update({f"{full_name}.{e.name}": _Declared(path, e) for e in msg.extension})

    def empty_rejections(self, full_name: str) -> set[str]:
        """Top-level fields and oneofs that an empty message of this type fails on."""
        cls = message_factory.GetMessageClass(self.pool.FindMessageTypeByName(full_name))
        try:
            self._validator.validate(cls())
        except protovalidate.ValidationError as err:
            # Message-level rules (a `(buf.validate.message).oneof`, CEL) have no field path;
            # they are compared as message rules instead.
            return {
                v.proto.field.elements[0].field_name
                for v in err.violations
                if v.proto.field is not None and v.proto.field.elements
            }
        return set()


def _walk(
    prefix: str, messages: Iterable[descriptor_pb2.DescriptorProto]
) -> Iterator[tuple[str, descriptor_pb2.DescriptorProto]]:
    for msg in messages:
        full_name = f"{prefix}.{msg.name}"
        yield full_name, msg
        yield from _walk(full_name, msg.nested_type)


@dataclasses.dataclass(frozen=True)
class _Pair:
    """One message as released (`old`) and as it is now (`new`)."""

    name: str
    path: str
    old: _Schema
    new: _Schema

    @property
    def old_msg(self) -> descriptor_pb2.DescriptorProto:
        return self.old.messages[self.name].proto

    @property
    def new_msg(self) -> descriptor_pb2.DescriptorProto:
        return self.new.messages[self.name].proto


def _guarded_comparison(pair: _Pair) -> list[Tightening]:
    return guard.guarded(
        CHECK,
        pair.name,
        lambda: _compare_message(pair),
        lambda message: Tightening(pair.path, pair.name, guard.RULE, message),
    )


def _compare_message(pair: _Pair) -> Iterator[Tightening]:
    if changed_not_removed(pair.old.rules.message(pair.old_msg), pair.new.rules.message(pair.new_msg)):
        yield Tightening(pair.path, pair.name, RULE, f"message rules of {pair.name} were added or changed")
    yield from _oneof_changes(pair)
    yield from _field_changes(pair)
    yield from _new_field_rejections(pair)


def _oneof_changes(pair: _Pair) -> Iterator[Tightening]:
    # A new oneof is compared against no rules: its `required` is as new to clients as its fields.
    old_rules = {o.name: pair.old.rules.oneof(o) for o in pair.old_msg.oneof_decl}
    for oneof in pair.new_msg.oneof_decl:
        element = f"{pair.name}.{oneof.name}"
        if changed_not_removed(old_rules.get(oneof.name, {}), pair.new.rules.oneof(oneof)):
            novelty = "changed" if oneof.name in old_rules else "added with a new oneof"
            yield Tightening(pair.path, element, RULE, f"oneof rules of {element} were {novelty}")


def _field_changes(pair: _Pair) -> Iterator[Tightening]:
    old_fields = {f.number: f for f in pair.old_msg.field}
    for field in (f for f in pair.new_msg.field if f.number in old_fields):
        element = f"{pair.name}.{field.name}"
        old_rules, new_rules = pair.old.rules.field(old_fields[field.number]), pair.new.rules.field(field)
        for problem in field_tightenings(old_rules, new_rules):
            yield Tightening(pair.path, element, RULE, f"{element}: {problem}")


def _new_field_rejections(pair: _Pair) -> Iterator[Tightening]:
    # Every new field, not only those with rules of their own: protovalidate, not the gate,
    # decides what an empty message fails on.
    old_numbers = {f.number for f in pair.old_msg.field}
    added = {f.name for f in pair.new_msg.field if f.number not in old_numbers}
    rejected = pair.new.empty_rejections(pair.name) & added if added else set()
    for field_name in sorted(rejected):
        element = f"{pair.name}.{field_name}"
        yield Tightening(
            pair.path,
            element,
            NEW_FIELD_RULE,
            f"new field {element} rejects its empty value, which every deployed client sends",
        )


def _predefined_changes(old: _Schema, new: _Schema) -> list[Tightening]:
    found: list[Tightening] = []
    for name in sorted(old.extensions.keys() & new.extensions.keys()):
        found += _guarded_predefined(name, old, new)
    return found


def _guarded_predefined(name: str, old: _Schema, new: _Schema) -> list[Tightening]:
    path = new.extensions[name].path
    return guard.guarded(
        CHECK,
        name,
        lambda: _predefined_change(name, old, new),
        lambda message: Tightening(path, name, guard.RULE, message),
    )


def _predefined_change(name: str, old: _Schema, new: _Schema) -> list[Tightening]:
    # Every field using a predefined rule checks what its CEL says now, so the CEL may only go.
    before = old.rules.predefined(old.extensions[name].proto)
    if not changed_not_removed(before, new.rules.predefined(new.extensions[name].proto)):
        return []
    return [
        Tightening(
            new.extensions[name].path,
            name,
            RULE,
            f"predefined rule {name} changed: every field using it may now reject what it accepted",
        )
    ]
