"""Whether a changed set of protovalidate rules only loosens: what a changed rule may become.

A rule set is a dict (the rules message as proto JSON). It passes only when every difference is
a recognised loosening: a bound widened, a length limit raised, an `in` list grown, `required`
dropped, a rule removed. Anything else, including any CEL change and any predefined rule (an
extension, shown as `[full.name]`) added or changed, counts as tightening: the diff fails closed.
"""

from __future__ import annotations

import json

_UPPER_BOUNDS = ("lt", "lte", "max_len", "max_bytes", "max_items", "max_pairs")
_LOWER_BOUNDS = ("gt", "gte", "min_len", "min_bytes", "min_items", "min_pairs")


def changed_not_removed(old: dict[str, object], new: dict[str, object]) -> bool:
    """For rules that may only be removed (message, oneof, predefined CEL)."""
    return bool(new) and new != old


def field_tightenings(old: dict[str, object], new: dict[str, object]) -> list[str]:
    """Each difference between two field rule sets that is not a loosening, described."""
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


def _flatten(rules: dict[str, object], prefix: str = "") -> dict[str, object]:
    leaves: dict[str, object] = {}
    for key, value in rules.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            leaves.update(_flatten(value, path))
        else:
            leaves[path] = value
    return leaves


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
