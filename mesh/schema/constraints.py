"""Detects protovalidate constraints that became stricter since the released schema.

`buf breaking` does not compare custom options, so a request that passed validation yesterday
could start failing today without it noticing. This check compares the `buf.validate` rules of
every field, oneof and message present in both schemas:

- a changed field rule passes only when every difference is a recognised loosening (a bound
  widened, a length limit raised, an `in` list grown, a rule removed); anything else, including
  any CEL change, counts as tightening: the check fails closed;
- a field added to an existing message must accept its empty value, which is what every
  deployed client sends for it: this is checked by running protovalidate on an empty message;
- message-level and oneof rules may be removed but not added or changed.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import protovalidate
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

from buf.validate import validate_pb2

RULE = "VALIDATION_TIGHTENED"
NEW_FIELD_RULE = "VALIDATION_NEW_FIELD_REJECTS_EMPTY"

_UPPER_BOUNDS = ("lt", "lte", "max_len", "max_bytes", "max_items", "max_pairs")
_LOWER_BOUNDS = ("gt", "gte", "min_len", "min_bytes", "min_items", "min_pairs")


@dataclasses.dataclass(frozen=True)
class Tightening:
    """A constraint that rejects requests the released schema accepted."""

    path: str  # proto file, as buf reports it
    element: str  # full name of the field, oneof or message
    rule: str
    message: str


def find_tightenings(baseline: bytes, current: bytes) -> list[Tightening]:
    old, new = _Schema(baseline), _Schema(current)
    found: list[Tightening] = []
    for name, old_msg in old.messages.items():
        new_msg = new.messages.get(name)
        if new_msg is not None:
            found.extend(_compare_message(name, old_msg, new_msg, new))
    return found


class _Schema:
    """An image's messages by full name, with the file each lives in."""

    def __init__(self, image: bytes) -> None:
        fds = descriptor_pb2.FileDescriptorSet.FromString(image)
        self.pool = descriptor_pool.DescriptorPool()
        for file in fds.file:
            self.pool.Add(file)
        self.messages: dict[str, tuple[str, descriptor_pb2.DescriptorProto]] = {}
        for file in fds.file:
            if file.name.startswith("commerce/"):
                for full_name, msg in _walk(file.package, file.message_type):
                    self.messages[full_name] = (file.name, msg)

    def empty_violations(self, full_name: str) -> set[str]:
        """Top-level field names that an empty message of this type fails on."""
        cls = message_factory.GetMessageClass(self.pool.FindMessageTypeByName(full_name))
        try:
            protovalidate.Validator().validate(cls())
        except protovalidate.ValidationError as err:
            return {v.proto.field.elements[0].field_name for v in err.violations if v.proto.field.elements}
        return set()


def _walk(prefix: str, messages) -> Iterator[tuple[str, descriptor_pb2.DescriptorProto]]:
    for msg in messages:
        full_name = f"{prefix}.{msg.name}"
        yield full_name, msg
        yield from _walk(full_name, msg.nested_type)


def _compare_message(name: str, old_entry, new_entry, new_schema: _Schema) -> Iterator[Tightening]:
    (_, old_msg), (path, new_msg) = old_entry, new_entry
    proto_path = f"proto/{path}"
    if _changed_not_removed(message_rules(old_msg), message_rules(new_msg)):
        yield Tightening(proto_path, name, RULE, f"message rules of {name} were added or changed")
    old_oneofs = {o.name: _oneof_rules(o) for o in old_msg.oneof_decl}
    for oneof in new_msg.oneof_decl:
        if oneof.name in old_oneofs and _changed_not_removed(old_oneofs[oneof.name], _oneof_rules(oneof)):
            yield Tightening(proto_path, f"{name}.{oneof.name}", RULE, f"oneof rules of {name}.{oneof.name} were added or changed")
    old_fields = {f.number: f for f in old_msg.field}
    rejects_empty: set[str] | None = None
    for field in new_msg.field:
        element = f"{name}.{field.name}"
        if field.number in old_fields:
            problems = _field_tightenings(field_rules(old_fields[field.number]), field_rules(field))
            for problem in problems:
                yield Tightening(proto_path, element, RULE, f"{element}: {problem}")
        elif field_rules(field):
            if rejects_empty is None:
                rejects_empty = new_schema.empty_violations(name)
            if field.name in rejects_empty:
                yield Tightening(proto_path, element, NEW_FIELD_RULE,
                                 f"new field {element} rejects its empty value, which every deployed client sends")


def field_rules(field: descriptor_pb2.FieldDescriptorProto) -> dict:
    """The field's (buf.validate.field) rules as a dict, empty when it has none."""
    return _rules(field.options, validate_pb2.field)


def message_rules(msg: descriptor_pb2.DescriptorProto) -> dict:
    """The message's (buf.validate.message) rules as a dict."""
    return _rules(msg.options, validate_pb2.message)


def _oneof_rules(oneof: descriptor_pb2.OneofDescriptorProto) -> dict:
    return _rules(oneof.options, validate_pb2.oneof)


def _rules(options, extension) -> dict:
    # Options parsed from an image keep the extension as unknown bytes until re-parsed with the
    # extension registered (importing validate_pb2 registers it in the default pool).
    reparsed = type(options).FromString(options.SerializeToString())
    if not reparsed.HasExtension(extension):
        return {}
    return json_format.MessageToDict(reparsed.Extensions[extension], preserving_proto_field_name=True)


def _changed_not_removed(old: dict, new: dict) -> bool:
    return bool(new) and new != old


def _flatten(rules: dict, prefix: str = "") -> dict[str, object]:
    leaves: dict[str, object] = {}
    for key, value in rules.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            leaves.update(_flatten(value, path))
        else:
            leaves[path] = value
    return leaves


def _field_tightenings(old: dict, new: dict) -> list[str]:
    old_leaves, new_leaves = _flatten(old), _flatten(new)
    problems = []
    for path, value in new_leaves.items():
        if path not in old_leaves:
            if not _is_relaxing_addition(path, value):
                problems.append(f"rule {path} = {_show(value)} was added")
        elif value != old_leaves[path] and not _is_loosening(path, old_leaves[path], value):
            problems.append(f"rule {path} changed from {_show(old_leaves[path])} to {_show(value)}")
    for path in old_leaves.keys() - new_leaves.keys():
        if path == "ignore":  # rules that were skipped now apply
            problems.append(f"rule {path} = {_show(old_leaves[path])} was removed")
    return problems


def _is_relaxing_addition(path: str, value: object) -> bool:
    # Adding an `ignore` (skip rules for empty values) only ever lets more requests through.
    return path == "ignore" and value != "IGNORE_UNSPECIFIED"


def _is_loosening(path: str, old: object, new: object) -> bool:
    leaf = path.rsplit(".", 1)[-1]
    old_n, new_n = _number(old), _number(new)
    if old_n is not None and new_n is not None:
        if leaf in _UPPER_BOUNDS:
            return new_n >= old_n
        if leaf in _LOWER_BOUNDS:
            return new_n <= old_n
    if leaf == "required":
        return new is False
    if leaf == "in" and isinstance(old, list) and isinstance(new, list):
        return set(map(_show, old)) <= set(map(_show, new))
    if leaf == "not_in" and isinstance(old, list) and isinstance(new, list):
        return set(map(_show, new)) <= set(map(_show, old))
    return False


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):  # int64 and uint64 bounds arrive as strings in JSON
        try:
            return float(int(value))
        except ValueError:
            return None
    return None


def _show(value: object) -> str:
    return json.dumps(value, sort_keys=True)
