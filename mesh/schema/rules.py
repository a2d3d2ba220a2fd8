"""Reads protovalidate (`buf.validate`) rules from the options of an image's descriptors.

Options parsed from an image keep their extensions as unknown bytes until they are re-parsed
by a pool that knows them. Predefined rules are extensions of `buf.validate.*Rules` declared in
our own tree, so only the image's own pool resolves them: the default pool would drop them in
silence and a rule added that way would look like no rule at all. Rules that still carry bytes
no extension explains are refused (`UnresolvedRules`) rather than read as "no rule".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.message import Message

if TYPE_CHECKING:
    from google.protobuf.internal.extension_dict import _ExtensionFieldDescriptor

    # What HasExtension() and Extensions[] take (types-protobuf); the pool returns a plain FieldDescriptor.
    _RulesExtension = _ExtensionFieldDescriptor[Message, Message]

FIELD = "buf.validate.field"
MESSAGE = "buf.validate.message"
ONEOF = "buf.validate.oneof"
PREDEFINED = "buf.validate.predefined"


class UnresolvedRules(ValueError):
    """Rules holding extension bytes the pool cannot name: comparing them would miss a rule."""


class RuleReader:
    """The `buf.validate` rules of descriptors, as dicts, resolved with one descriptor pool."""

    def __init__(self, pool: descriptor_pool.DescriptorPool) -> None:
        self._pool = pool

    @classmethod
    def for_image(cls, fds: descriptor_pb2.FileDescriptorSet) -> RuleReader:
        pool = descriptor_pool.DescriptorPool()
        for file in fds.file:
            pool.Add(file)
        return cls(pool)

    def field(self, field: descriptor_pb2.FieldDescriptorProto) -> dict[str, Any]:
        """The field's (buf.validate.field) rules; empty when it has none."""
        return self._read(field.options, FIELD)

    def message(self, msg: descriptor_pb2.DescriptorProto) -> dict[str, Any]:
        return self._read(msg.options, MESSAGE)

    def oneof(self, oneof: descriptor_pb2.OneofDescriptorProto) -> dict[str, Any]:
        return self._read(oneof.options, ONEOF)

    def predefined(self, extension: descriptor_pb2.FieldDescriptorProto) -> dict[str, Any]:
        """What a predefined rule (an extension of a rules message) checks: its CEL."""
        return self._read(extension.options, PREDEFINED)

    def _read(self, options: Message, extension_name: str) -> dict[str, Any]:
        try:
            extension = cast("_RulesExtension", self._pool.FindExtensionByName(extension_name))
        except KeyError:  # the image does not import protovalidate: it can hold no rules
            return {}
        options_class = message_factory.GetMessageClass(self._pool.FindMessageTypeByName(options.DESCRIPTOR.full_name))
        reparsed = options_class.FromString(options.SerializeToString())
        if not reparsed.HasExtension(extension):
            return {}
        rules = reparsed.Extensions[extension]
        _refuse_unresolved(rules, extension_name)
        return json_format.MessageToDict(rules, preserving_proto_field_name=True, descriptor_pool=self._pool)


def _refuse_unresolved(rules: Message, extension_name: str) -> None:
    # Unknown fields are the only thing discarding them changes; JSON would drop them unseen.
    known = type(rules)()
    known.CopyFrom(rules)
    known.DiscardUnknownFields()
    if known.SerializeToString(deterministic=True) != rules.SerializeToString(deterministic=True):
        raise UnresolvedRules(f"({extension_name}) holds a rule extension this schema does not declare")
