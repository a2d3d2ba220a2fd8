"""Request rules protovalidate cannot express, for every request of every service:

- no card number in free text: a string field holding a Luhn-valid run of 12-19 digits
  (mesh.luhn, spaces and dashes allowed) is refused, so a number pasted into a description,
  an order reference or a cardholder name never reaches a table, the outbox, the idempotency
  record or Redis. The vault is the only way in: the contract marks its inputs (card number,
  CVC) `debug_redact = true`, and those fields are not scanned. Identifiers (name, parent,
  request_id, page_token, *_id) are resource names, UUIDs or server tokens, never free text,
  and are not scanned either;
- currencies: a well-formed `currency_code` (Money's and any other) must be an ISO 4217
  currency (mesh.money); a malformed one is left to protovalidate's pattern rule;
- amounts: every commerce.type.v1.Money stays within its currency's ceiling (mesh.money).

What to walk is worked out once per message type: a plan of only the fields that can lead to
something to check, so a call costs a few attribute reads, and nested messages, repeated
fields and map values are walked with their paths ("line_items[1].description").
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import cast

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from commerce.type.v1 import money_pb2
from mesh.errors import FieldViolation
from mesh.interceptors.field_paths import join, subscript
from mesh.luhn import contains_card_number
from mesh.money import amount_ceiling_minor, is_known_currency

__all__ = ["CARD_NUMBER_IN_TEXT", "request_violations"]

CARD_NUMBER_IN_TEXT = "must not contain a card number; card numbers go to VaultService.TokenizeCard only"
MONEY_TYPE = "commerce.type.v1.Money"
_IDENTIFIERS = frozenset({"name", "parent", "request_id", "page_token"})
_WELL_FORMED_CURRENCY = re.compile(r"[A-Z]{3}")

Found = list[FieldViolation]
# A string field's check, or a message field's (the value's walk through its own plan).
Check = Callable[[str, str, Found], None] | Callable[[Message, str, Found], None]


@dataclasses.dataclass(eq=False)
class _Plan:
    """What to look at in one message type."""

    is_money: bool
    steps: tuple[_Step, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.steps and not self.is_money


@dataclasses.dataclass(frozen=True, eq=False)
class _Step:
    """One field to walk and the check each of its values gets."""

    name: str
    shape: str  # "singular", "message", "repeated" or "map"
    check: Check


_plans: dict[str, _Plan] = {}


def request_violations(request: Message) -> list[FieldViolation]:
    """The violations of the rules above in `request`, in field order; [] when it keeps them."""
    found: Found = []
    # The stubs type Message.DESCRIPTOR as Descriptor | the upb Descriptor, but upb's is a
    # descriptor.Descriptor at run time (its metaclass says so to isinstance).
    _walk(request, _plan_for(request.DESCRIPTOR, building=set()), "", found)  # type: ignore[arg-type]
    return found


def _walk(message: Message, plan: _Plan, path: str, found: Found) -> None:
    for step in plan.steps:
        value = getattr(message, step.name)
        if step.shape == "singular":
            if value:  # "" holds nothing
                step.check(value, join(path, step.name), found)
        elif step.shape == "message":
            if message.HasField(step.name):  # an unset message holds nothing
                step.check(value, join(path, step.name), found)
        else:
            for key, item in value.items() if step.shape == "map" else enumerate(value):
                step.check(item, join(path, step.name) + subscript(key), found)
    if plan.is_money:  # the message's type is commerce.type.v1.Money
        _check_amount(cast(money_pb2.Money, message), path, found)


def _check_text(value: str, path: str, found: Found) -> None:
    if contains_card_number(value):
        found.append(FieldViolation(path, CARD_NUMBER_IN_TEXT))


def _check_currency(value: str, path: str, found: Found) -> None:
    if _WELL_FORMED_CURRENCY.fullmatch(value) and not is_known_currency(value):
        found.append(FieldViolation(path, f"{value} is not an ISO 4217 currency code"))


def _check_amount(money: money_pb2.Money, path: str, found: Found) -> None:
    if not is_known_currency(money.currency_code):
        return  # the currency's own violation says it all
    ceiling = amount_ceiling_minor(money.currency_code)
    if abs(money.amount_minor) > ceiling:
        found.append(
            FieldViolation(join(path, "amount_minor"), f"must be between -{ceiling} and {ceiling} minor units")
        )


def _plan_for(descriptor: Descriptor, building: set[str]) -> _Plan:
    plan = _plans.get(descriptor.full_name)
    if plan is None:
        plan = _plans[descriptor.full_name] = _Plan(is_money=descriptor.full_name == MONEY_TYPE)
        building.add(descriptor.full_name)  # a recursive type finds its own plan, still filling
        plan.steps = tuple(step for field in descriptor.fields if (step := _step_for(field, building)))
        building.discard(descriptor.full_name)
    return plan


def _step_for(field: FieldDescriptor, building: set[str]) -> _Step | None:
    entry = field.message_type if field.type == FieldDescriptor.TYPE_MESSAGE else None
    is_map = entry is not None and entry.GetOptions().map_entry
    target = entry.fields_by_name["value"] if entry is not None and is_map else field
    check = _check_for(field, target, building)
    if check is None:
        return None
    if is_map or field.is_repeated:
        return _Step(field.name, "map" if is_map else "repeated", check)
    return _Step(field.name, "message" if field.type == FieldDescriptor.TYPE_MESSAGE else "singular", check)


def _check_for(field: FieldDescriptor, target: FieldDescriptor, building: set[str]) -> Check | None:
    """The check for each value of `field` (whose values are `target`: itself, or a map's value)."""
    if target.type == FieldDescriptor.TYPE_MESSAGE and target.message_type is not None:  # (never None for one)
        return _message_check(target.message_type, building)
    if target.type != FieldDescriptor.TYPE_STRING:
        return None
    if field.name == "currency_code" or field.name.endswith("_currency_code"):
        return _check_currency
    if field.GetOptions().debug_redact or _is_identifier(field.name):
        return None
    return _check_text


def _message_check(descriptor: Descriptor, building: set[str]) -> Check | None:
    child = _plan_for(descriptor, building)
    if child.empty and descriptor.full_name not in building:
        return None  # nothing inside can break a rule: never walk it

    def check(value: Message, path: str, found: Found) -> None:
        _walk(value, child, path, found)

    return check


def _is_identifier(name: str) -> bool:
    return name in _IDENTIFIERS or name.endswith("_id")
