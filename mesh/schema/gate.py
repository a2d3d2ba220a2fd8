"""The compatibility gate: refuses a schema change that would break a deployed client."""

from __future__ import annotations

import dataclasses
import hashlib
import pathlib
from collections.abc import Callable, Iterable

from mesh.schema import bufcli, guard
from mesh.schema.constraints import find_tightenings
from mesh.schema.golden import check_goldens
from mesh.schema.layout import Layout
from mesh.schema.release import Release, compatible_releases, releases
from mesh.schema.stability import find_removals

# What buf builds and compares; a check over the whole tree names it when it cannot run.
MODULE = "proto"

HOW_TO_BREAK = """\
A deployed client would break. To evolve the schema without breaking it: add new fields, RPCs,
messages or enum values instead, and reserve what you remove. To ship the change deliberately,
take one explicit step and record why:
  - put it in a new version package (commerce.<domain>.v2) beside v1, or
  - move the baseline: mesh schema release --breaking --reason "<why, who agreed>"
    (recorded in schema/releases.json; the golden events of older releases stop being checked)."""

CHECK_FAILED_NOTE = f"""\
[{guard.RULE}] is not proof of a break: the gate could not check what it names, and refuses
what it cannot check. Fix the file it names, or the check (mesh/schema/)."""


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
        if any(v.rule == guard.RULE for v in self.violations):
            lines += ["", CHECK_FAILED_NOTE]
        return "\n".join(lines)


def run_gate(layout: Layout) -> GateReport:
    """Every check's findings; a check that crashes is one finding, never a traceback."""
    baseline = _released_baseline(layout)
    violations = _guarded("buf breaking", lambda: _buf_findings(layout))
    try:
        current = bufcli.image_bytes(layout)
    except Exception as err:  # nothing else can be compared; buf breaking named the files
        return GateReport(baseline, [*violations, _crash("buf build", err)])
    violations += _guarded("validation rules", lambda: _rule_findings(layout, current))
    violations += _guarded("stable packages", lambda: _stability_findings(layout, current))
    violations += _guarded("golden events", lambda: _golden_findings(layout, current))
    return GateReport(baseline, violations)


def _released_baseline(layout: Layout) -> Release:
    history = releases(layout)
    if not history or not layout.baseline_image.exists():
        raise FileNotFoundError(f"no released schema in {layout.schema}: run `mesh schema release` once")
    _check_integrity(layout.baseline_image, history[-1])
    return history[-1]


def _buf_findings(layout: Layout) -> list[Violation]:
    return [Violation(e.path, e.line, e.rule, e.message) for e in bufcli.breaking(layout, layout.baseline_image)]


def _rule_findings(layout: Layout, current: bytes) -> list[Violation]:
    return [
        Violation(t.path, 0, t.rule, t.message) for t in find_tightenings(layout.baseline_image.read_bytes(), current)
    ]


def _stability_findings(layout: Layout, current: bytes) -> list[Violation]:
    return [Violation(r.path, 0, r.rule, r.message) for r in find_removals(layout.baseline_image.read_bytes(), current)]


def _golden_findings(layout: Layout, current: bytes) -> list[Violation]:
    return [
        Violation(_relative(layout, problem.golden), 0, problem.rule, problem.message)
        for entry in compatible_releases(layout)
        for problem in check_goldens(current, layout.golden / entry.golden_dir)
    ]


def _guarded(check: str, run: Callable[[], Iterable[Violation]]) -> list[Violation]:
    return guard.guarded(check, f"{MODULE}/", run, lambda message: Violation(MODULE, 0, guard.RULE, message))


def _crash(check: str, err: Exception) -> Violation:
    return Violation(MODULE, 0, guard.RULE, guard.describe(check, f"{MODULE}/", err))


def _check_integrity(image: pathlib.Path, entry: Release) -> None:
    # A baseline edited by hand (rather than by `mesh schema release`) would silently move the gate.
    if hashlib.sha256(image.read_bytes()).hexdigest() != entry.image_sha256:
        raise RuntimeError(
            f"{image} does not match release r{entry.number} in releases.json; "
            "move the baseline only with `mesh schema release`"
        )


def _relative(layout: Layout, path: str) -> str:
    return str(pathlib.Path(path).relative_to(layout.root))
