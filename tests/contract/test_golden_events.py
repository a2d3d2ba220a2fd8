"""Golden events of the released schema decode with the generated classes services use."""

from __future__ import annotations

import json
import pathlib

import pytest
from google.protobuf import descriptor_pool, json_format, message_factory

from mesh.schema.golden import event_type_names, load_pool
from mesh.schema.layout import Layout
from mesh.schema.release import compatible_releases
from tests.contract.generated import generated_modules


def _goldens(layout: Layout):
    return [
        path
        for entry in compatible_releases(layout)
        for path in sorted((layout.golden / entry.golden_dir).glob("*.binpb"))
    ]


def test_every_released_event_type_has_a_golden(layout: Layout) -> None:
    entry = compatible_releases(layout)[-1]
    pool, fds = load_pool(layout.baseline_image.read_bytes())
    written = {p.name.removesuffix(".binpb") for p in (layout.golden / entry.golden_dir).glob("*.binpb")}
    assert set(event_type_names(pool, fds)) == written
    assert len(written) >= 18  # the 17 events of the issue and the envelope


@pytest.mark.parametrize(
    "golden", _goldens(Layout.find(pathlib.Path(__file__).parent)), ids=lambda p: f"{p.parent.name}/{p.stem}"
)
def test_golden_event_decodes_with_generated_code(golden) -> None:
    generated_modules("_pb2")  # registers every message in the default pool
    cls = message_factory.GetMessageClass(descriptor_pool.Default().FindMessageTypeByName(golden.stem))
    wire = golden.read_bytes()

    decoded = cls.FromString(wire)
    decoded.DiscardUnknownFields()

    assert decoded.SerializeToString(deterministic=True) == wire
    assert json_format.MessageToDict(decoded) == json.loads(golden.with_suffix(".json").read_text())
