"""Schema releases: the baseline image, the golden events and the log of why each was cut.

`schema/releases.json` lists every release, oldest first. A release marked `breaking` starts a
new compatibility epoch: the gate compares against the newest baseline and checks the golden
events of every release since the last breaking one. Moving the baseline over a breaking change
is therefore an explicit, reviewed step that leaves its reason in the history.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json

from mesh.schema import bufcli
from mesh.schema.golden import write_goldens
from mesh.schema.layout import Layout


@dataclasses.dataclass(frozen=True)
class Release:
    """One entry of schema/releases.json."""

    number: int
    date: str
    reason: str
    breaking: bool
    image_sha256: str

    @property
    def golden_dir(self) -> str:
        return f"r{self.number}"


def releases(layout: Layout) -> list[Release]:
    if not layout.releases.exists():
        return []
    return [Release(**entry) for entry in json.loads(layout.releases.read_text())]


def compatible_releases(layout: Layout) -> list[Release]:
    """The releases whose golden events the current tree must still read."""
    history = releases(layout)
    last_breaking = max((i for i, r in enumerate(history) if r.breaking), default=0)
    return history[last_breaking:]


def release(layout: Layout, reason: str, *, breaking: bool = False) -> Release:
    """Make the current tree the released baseline. The caller has run the gate, or says `breaking`."""
    if not reason.strip():
        raise ValueError("a release needs a reason")
    layout.schema.mkdir(parents=True, exist_ok=True)
    bufcli.build_image(layout, layout.baseline_image)
    image = layout.baseline_image.read_bytes()
    history = releases(layout)
    entry = Release(
        number=len(history) + 1,
        date=datetime.date.today().isoformat(),
        reason=reason.strip(),
        breaking=breaking or not history,
        image_sha256=hashlib.sha256(image).hexdigest(),
    )
    write_goldens(image, layout.golden / entry.golden_dir)
    history.append(entry)
    layout.releases.write_text(json.dumps([dataclasses.asdict(r) for r in history], indent=2) + "\n")
    return entry
