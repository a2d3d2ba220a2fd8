"""Invoicing's domain (invoices, tax, the ledger's rules) and reconciliation stay pure: no gRPC,
no proto, no database, no network, no clock of their own. (Money comes from mesh.money, the one
shared money type.)"""

from __future__ import annotations

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
PURE = sorted(
    [
        *(ROOT / "services/invoicing/domain").rglob("*.py"),
        *(ROOT / "services/invoicing/reconciliation").glob("*.py"),
    ]
)
FORBIDDEN = (
    "grpc",
    "commerce",
    "google",
    "sqlalchemy",
    "mesh.persistence",
    "mesh.events",
    "socket",
    "asyncio",
    "aiohttp",
    "httpx",
    "time",
    "random",
)


def imported_modules(path: pathlib.Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("path", PURE, ids=lambda path: str(path.relative_to(ROOT)))
def test_a_pure_module_imports_nothing_that_does_io(path: pathlib.Path) -> None:
    bad = {
        module
        for module in imported_modules(path)
        if any(module == prefix or module.startswith(prefix + ".") for prefix in FORBIDDEN)
    }

    assert not bad, f"{path.name} imports {sorted(bad)}"


def test_the_pure_modules_are_all_checked() -> None:
    assert len(PURE) == 25
