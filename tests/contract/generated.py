"""The generated Python modules under gen/python/commerce, by name.

pkgutil cannot walk them: they are PEP 420 namespace packages (no __init__.py), as buf writes them.
"""

from __future__ import annotations

import importlib
import pathlib
from types import ModuleType

GEN_PYTHON = pathlib.Path(__file__).resolve().parents[2] / "gen" / "python"


def generated_modules(*suffixes: str) -> list[ModuleType]:
    paths = sorted((GEN_PYTHON / "commerce").rglob("*.py"))
    names = [".".join(p.relative_to(GEN_PYTHON).with_suffix("").parts) for p in paths]
    return [importlib.import_module(n) for n in names if n.endswith(suffixes)]
