"""The API modules of every service are adapters only: they reach the store through the app,
and read resource names by pattern (mesh.resources), never by position."""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
API_MODULES = sorted([*ROOT.glob("services/*/api.py"), *ROOT.glob("services/*/*_api.py")])
STORE_MODULES = ("store", "billing_store", "reconciliation_store")


def imported_modules(tree: ast.Module) -> set[str]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            found |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module or ""}
    return found


def splits_names(tree: ast.Module) -> list[int]:
    """Lines that call .split("/"): a name read by position."""
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("split", "rsplit")
        and any(isinstance(arg, ast.Constant) and arg.value == "/" for arg in node.args)
    ]


def test_every_service_has_api_modules_to_check() -> None:
    assert {path.parent.name for path in API_MODULES} >= {"payments", "invoicing"}


@pytest.mark.parametrize("path", API_MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_an_api_module_imports_no_store(path: pathlib.Path) -> None:
    modules = imported_modules(ast.parse(path.read_text()))

    assert not {module for module in modules if module.rsplit(".", 1)[-1] in STORE_MODULES}


@pytest.mark.parametrize("path", API_MODULES, ids=lambda path: str(path.relative_to(ROOT)))
def test_an_api_module_parses_names_by_pattern(path: pathlib.Path) -> None:
    tree = ast.parse(path.read_text())

    assert splits_names(tree) == []
    assert "mesh.resources.ResourceName" in imported_modules(tree)
    assert "mesh.context.current_tenant" in imported_modules(tree)
