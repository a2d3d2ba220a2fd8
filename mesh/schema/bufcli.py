"""Runs the buf CLI (pinned, from PyPI's buf-bin) inside a checkout."""

from __future__ import annotations

import dataclasses
import json
import os
import pathlib
import subprocess
import sys
from typing import Any

from mesh.schema.layout import Layout


@dataclasses.dataclass(frozen=True)
class BufError:
    """One finding of `buf breaking` or `buf lint`: file, line and the rule it broke."""

    path: str
    line: int
    rule: str
    message: str


def tool_path(layout: Layout) -> str:
    """PATH with this interpreter's scripts and node_modules/.bin first: buf runs plugins from PATH."""
    entries = [str(pathlib.Path(sys.executable).parent), str(layout.root / "node_modules" / ".bin")]
    return os.pathsep.join([*entries, os.environ.get("PATH", "")])


def run(layout: Layout, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": tool_path(layout), "PYTHON": sys.executable}
    result = subprocess.run(["buf", *args], cwd=layout.root, env=env, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise RuntimeError(f"buf {' '.join(args)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result


def build_image(layout: Layout, output: pathlib.Path) -> None:
    """Build the image of our module (imports included, source info excluded: smaller, stable)."""
    run(layout, "build", "proto", "--exclude-source-info", "-o", str(output))


def image_bytes(layout: Layout) -> bytes:
    """The current tree's image, in memory."""
    env = {**os.environ, "PATH": tool_path(layout)}
    result = subprocess.run(
        ["buf", "build", "proto", "--exclude-source-info", "-o", "-#format=binpb"],
        cwd=layout.root,
        env=env,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"buf build failed:\n{result.stderr.decode()}")
    return result.stdout


def breaking(layout: Layout, against: pathlib.Path) -> list[BufError]:
    """`buf breaking` of our module against a baseline image; the rules come from buf.yaml."""
    result = run(layout, "breaking", "proto", "--against", str(against), "--error-format", "json", check=False)
    if result.returncode not in (0, 100):  # 100: breaking changes found
        raise RuntimeError(f"buf breaking could not run:\n{result.stdout}{result.stderr}")
    return [_error(json.loads(line)) for line in result.stdout.splitlines() if line.strip()]


def _error(raw: dict[str, Any]) -> BufError:
    return BufError(
        path=raw.get("path", ""),
        line=raw.get("start_line", 0),
        rule=raw.get("type", ""),
        message=raw.get("message", ""),
    )
