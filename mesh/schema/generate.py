"""One command regenerates everything derived from the proto tree; CI checks it is fresh."""

from __future__ import annotations

import filecmp
import pathlib
import shutil
import tempfile

from mesh.schema import bufcli
from mesh.schema.layout import Layout
from mesh.schema.vendor import vendor

TEMPLATES = ("buf.gen.yaml", "buf.gen.web.yaml")
# What generation reads; a copy of these regenerates the tree elsewhere.
INPUTS = ("proto", "tools", "buf.yaml", *TEMPLATES)


def generate(layout: Layout) -> None:
    """Vendor third-party protos, then run every buf.gen template (Python, then TypeScript)."""
    vendor(layout)
    for template in TEMPLATES:
        bufcli.run(layout, "generate", "--template", template)


def check_generated(layout: Layout) -> list[str]:
    """Regenerate in a scratch copy and list every file of gen/ or third_party/ that differs."""
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Layout(pathlib.Path(tmp))
        for name in INPUTS:
            source = layout.root / name
            copy = shutil.copytree if source.is_dir() else shutil.copyfile
            copy(source, scratch.root / name)
        (scratch.root / "node_modules").symlink_to(layout.root / "node_modules")
        generate(scratch)
        return _differences(layout.gen, scratch.gen, "gen") + _differences(
            layout.third_party, scratch.third_party, "third_party/proto"
        )


def _differences(committed: pathlib.Path, fresh: pathlib.Path, label: str) -> list[str]:
    committed_files = _files(committed)
    fresh_files = _files(fresh)
    stale = sorted(committed_files ^ fresh_files)
    stale += sorted(
        f for f in committed_files & fresh_files if not filecmp.cmp(committed / f, fresh / f, shallow=False)
    )
    return [f"{label}/{name}" for name in stale]


def _files(directory: pathlib.Path) -> set[str]:
    if not directory.exists():
        return set()
    return {str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
