"""Fixtures for schema governance tests: the checkout's layout, its image, scratch copies."""

from __future__ import annotations

import pathlib
import shutil

import pytest
from google.protobuf import descriptor_pb2

from mesh.schema import bufcli
from mesh.schema.layout import Layout

ROOT = pathlib.Path(__file__).resolve().parents[2]
# What the gate reads; a copy of these is a complete tree to break on purpose.
GATE_INPUTS = ("proto", "third_party", "schema", "buf.yaml")


@pytest.fixture(scope="session")
def layout() -> Layout:
    return Layout(ROOT)


@pytest.fixture(scope="session")
def image(layout: Layout) -> descriptor_pb2.FileDescriptorSet:
    """The current tree, as descriptors."""
    return descriptor_pb2.FileDescriptorSet.FromString(bufcli.image_bytes(layout))


@pytest.fixture
def scratch(tmp_path: pathlib.Path, layout: Layout) -> Layout:
    """A throwaway copy of the schema tree with the released baseline, to change freely."""
    for name in GATE_INPUTS:
        source = layout.root / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copyfile(source, tmp_path / name)
    return Layout(tmp_path)
