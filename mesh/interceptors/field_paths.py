"""Field paths as callers read them (AIP-193): "line_items[1].unit_amount.currency_code",
'labels["vip"]'; "" is the request message itself."""

from __future__ import annotations

import json

import protovalidate

__all__ = ["field_path", "join", "subscript"]


def join(parent: str, name: str) -> str:
    """The path of field `name` inside the message at `parent`."""
    return f"{parent}.{name}" if parent else name


def subscript(key: object) -> str:
    """ "[1]" for a repeated index or an integer map key, '["vip"]' for a string key, "[true]"."""
    if isinstance(key, bool):  # before int: bool is an int in Python
        return "[true]" if key else "[false]"
    if isinstance(key, str):
        return f"[{json.dumps(key)}]"
    return f"[{key}]"


def field_path(path: protovalidate.FieldPathPb | None) -> str:
    """protovalidate's FieldPath of a violation, in the form above.

    protovalidate 2 builds its violations from protobuf-py messages, not Google protobuf ones:
    an element's `subscript` oneof is a `protobuf.Oneof(field, value)` ("index", "string_key",
    "int_key", "uint_key" or "bool_key"), or None when the element is not subscripted.
    """
    result = ""
    for element in path.elements if path is not None else ():
        result = join(result, element.field_name)
        if element.subscript is not None:
            result += subscript(element.subscript.value)
    return result
