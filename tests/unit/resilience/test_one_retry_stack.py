"""One retry stack: only mesh.resilience imports tenacity; everyone else retries through it.

Checked on the source (AST, nothing imported), type-checking and function-local imports included.
A second tenacity loop beside the runtime's would drift from its backoff and its rules.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
CHECKED = ("mesh", "services", "bench", "tests", "tools")
OWNER = "mesh/resilience/"


def imports_tenacity(source: str) -> list[int]:
    """The lines of `source` that import tenacity or one of its modules."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        else:
            continue
        if any(name == "tenacity" or name.startswith("tenacity.") for name in names):
            lines.append(node.lineno)
    return lines


def python_files() -> list[pathlib.Path]:
    return sorted(path for top in CHECKED for path in (ROOT / top).rglob("*.py"))


def test_only_mesh_resilience_imports_tenacity() -> None:
    found = [
        f"{path.relative_to(ROOT).as_posix()}:{line}"
        for path in python_files()
        for line in imports_tenacity(path.read_text())
        if not path.relative_to(ROOT).as_posix().startswith(OWNER)
    ]

    assert not found, "tenacity imported outside mesh/resilience (use mesh.resilience.retry):\n" + "\n".join(found)


def test_the_check_sees_the_runtimes_own_import() -> None:
    # A check that finds nothing because it looks nowhere would pass too.
    assert imports_tenacity((ROOT / "mesh/resilience/retry.py").read_text())


@pytest.mark.parametrize(
    "source",
    [
        "import tenacity",
        "import tenacity.asyncio as retrying",
        "from tenacity import AsyncRetrying",
        "from tenacity.wait import wait_random_exponential",
        "def later():\n    from tenacity import retry\n",
        "import typing\nif typing.TYPE_CHECKING:\n    import tenacity\n",
    ],
)
def test_every_form_of_import_is_seen(source: str) -> None:
    assert imports_tenacity(source)


@pytest.mark.parametrize(
    "source",
    [
        "import tenacious",
        "from mesh.resilience.retry import retrying_on",
        "from .tenacity import x",
        "tenacity = 'a word, not a module'",
    ],
)
def test_lookalikes_are_not_imports(source: str) -> None:
    assert not imports_tenacity(source)
