"""What a stable package declared may not disappear, whatever package it moves to.

buf.yaml sets `ignore_unstable_packages`, so Buf skips every file whose package is unstable
(`v1beta1`, `v2alpha`, `v1test`): a file whose package changes from `v1` to `v1beta1` is compared
by nobody, and a stable package can be emptied that way. This check holds the released schema's
stable packages (ours, under `commerce/`) to their own names: every message, enum and service
they declared must still exist under the same full name. Only the outermost missing element is
reported, so a moved file gives one finding per top-level declaration.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator

from google.protobuf import descriptor_pb2

RULE = "STABLE_ELEMENT_DELETED"

# Buf's unstable package versions: v1alpha, v1beta2, v1p1beta1, v1test, v1test_foo.
_UNSTABLE_VERSION = re.compile(r"v\d+(p\d+)?(alpha|beta)\d*|v\d+test.*")


@dataclasses.dataclass(frozen=True)
class Removal:
    """A declaration of a released stable package that the current schema no longer has."""

    path: str  # proto file of the released declaration, as buf reports it
    element: str
    rule: str
    message: str


def is_stable(package: str) -> bool:
    return not _UNSTABLE_VERSION.fullmatch(package.rsplit(".", 1)[-1])


def find_removals(baseline: bytes, current: bytes) -> list[Removal]:
    now = _declarations(descriptor_pb2.FileDescriptorSet.FromString(current))
    removals = []
    for file in _stable_files(descriptor_pb2.FileDescriptorSet.FromString(baseline)):
        for kind, name in _outermost_missing(file, now):
            removals.append(Removal(f"proto/{file.name}", name, RULE, _describe(kind, name, file.package, now)))
    return removals


def _stable_files(fds: descriptor_pb2.FileDescriptorSet) -> list[descriptor_pb2.FileDescriptorProto]:
    return [f for f in fds.file if f.name.startswith("commerce/") and is_stable(f.package)]


def _declarations(fds: descriptor_pb2.FileDescriptorSet) -> dict[str, str]:
    """Every message, enum and service of the image (any package): full name -> package."""
    return {name: file.package for file in fds.file for _, name in _declared(file)}


def _declared(file: descriptor_pb2.FileDescriptorProto) -> Iterator[tuple[str, str]]:
    """(kind, full name) of every service, enum and message `file` declares, nested ones included."""
    yield from (("service", f"{file.package}.{service.name}") for service in file.service)
    yield from _types(file.package, file.enum_type, file.message_type)


def _types(
    prefix: str, enums: Iterable[descriptor_pb2.EnumDescriptorProto], messages: Iterable[descriptor_pb2.DescriptorProto]
) -> Iterator[tuple[str, str]]:
    for enum in enums:
        yield "enum", f"{prefix}.{enum.name}"
    for msg in messages:
        yield "message", f"{prefix}.{msg.name}"
        yield from _types(f"{prefix}.{msg.name}", msg.enum_type, msg.nested_type)


def _outermost_missing(file: descriptor_pb2.FileDescriptorProto, now: dict[str, str]) -> list[tuple[str, str]]:
    missing = [(kind, name) for kind, name in _declared(file) if name not in now]
    missing_names = {name for _, name in missing}
    return [(kind, name) for kind, name in missing if name.rsplit(".", 1)[0] not in missing_names]


def _describe(kind: str, name: str, package: str, now: dict[str, str]) -> str:
    relative = name.removeprefix(f"{package}.")
    moved_to = sorted({pkg for full, pkg in now.items() if full == f"{pkg}.{relative}"})
    where = f" (now only in {', '.join(moved_to)})" if moved_to else ""
    return f"{kind} {name} was deleted from stable package {package}{where}; deployed clients still use it"
