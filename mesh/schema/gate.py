"""The compatibility gate: refuses a schema change that would break a deployed client."""

from __future__ import annotations

import dataclasses
import hashlib
import pathlib

from mesh.schema import bufcli
from mesh.schema.constraints import find_tightenings
from mesh.schema.golden import RULE as GOLDEN_RULE
from mesh.schema.golden import check_goldens
from mesh.schema.layout import Layout
from mesh.schema.release import Release, compatible_releases, releases

HOW_TO_BREAK = """\
A deployed client would break. To evolve the schema without breaking it: add new fields, RPCs,
messages or enum values instead, and reserve what you remove. To ship the change deliberately,
take one explicit step and record why:
  - put it in a new version package (commerce.<domain>.v2) beside v1, or
  - move the baseline: mesh schema release --breaking --reason "<why, who agreed>"
    (recorded in schema/releases.json; the golden events of older releases stop being checked)."""


@dataclasses.dataclass(frozen=True)
class Violation:
    """One reason the gate refuses: the file, the rule, and what changed."""

    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: [{self.rule}] {self.message}"


@dataclasses.dataclass(frozen=True)
class GateReport:
    """What the gate found, against which release."""

    baseline: Release
    violations: list[Violation]

    @property
    def ok(self) -> bool:
        return not self.violations

    def render(self) -> str:
        head = f"schema gate against release r{self.baseline.number} ({self.baseline.date}: {self.baseline.reason})"
        if self.ok:
            return f"{head}: compatible"
        lines = [f"{head}: {len(self.violations)} breaking change(s)", *map(str, self.violations), "", HOW_TO_BREAK]
        return "\n".join(lines)


def run_gate(layout: Layout) -> GateReport:
    history = releases(layout)
    if not history or not layout.baseline_image.exists():
        raise FileNotFoundError(f"no released schema in {layout.schema}: run `mesh schema release` once")
    baseline = history[-1]
    _check_integrity(layout.baseline_image, baseline)
    current = bufcli.image_bytes(layout)
    violations = [Violation(e.path, e.line, e.rule, e.message) for e in bufcli.breaking(layout, layout.baseline_image)]
    violations += [Violation(t.path, 0, t.rule, t.message)
                   for t in find_tightenings(layout.baseline_image.read_bytes(), current)]
    for entry in compatible_releases(layout):
        for problem in check_goldens(current, layout.golden / entry.golden_dir):
            violations.append(Violation(_relative(layout, problem.golden), 0, GOLDEN_RULE, problem.message))
    return GateReport(baseline, violations)


def _check_integrity(image: pathlib.Path, entry: Release) -> None:
    # A baseline edited by hand (rather than by `mesh schema release`) would silently move the gate.
    if hashlib.sha256(image.read_bytes()).hexdigest() != entry.image_sha256:
        raise RuntimeError(f"{image} does not match release r{entry.number} in releases.json; "
                           "move the baseline only with `mesh schema release`")


def _relative(layout: Layout, path: str) -> str:
    return str(pathlib.Path(path).relative_to(layout.root))
