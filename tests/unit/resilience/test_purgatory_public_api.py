"""purgatory is used through its public API only: `import purgatory` and the names in its
__all__, never its modules (purgatory.domain…, purgatory.service._async…), which change freely
between releases."""

from __future__ import annotations

import ast
import pathlib

import purgatory

ROOT = pathlib.Path(__file__).parents[3]


def private_uses(tree: ast.Module) -> list[str]:
    """Every import of a purgatory submodule and every purgatory.<name> outside its __all__."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("purgatory"):
            names = [alias.name for alias in node.names]
            if node.module != "purgatory" or set(names) - set(purgatory.__all__):
                found.append(f"{node.lineno}: from {node.module} import {', '.join(names)}")
        elif isinstance(node, ast.Import):
            found += [f"{node.lineno}: import {a.name}" for a in node.names if a.name.startswith("purgatory.")]
        elif isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "purgatory":
            if node.attr not in purgatory.__all__:
                found.append(f"{node.lineno}: purgatory.{node.attr}")
    return found


def test_the_runtime_and_services_use_only_purgatorys_public_names() -> None:
    sources = sorted(ROOT.glob("mesh/**/*.py")) + sorted(ROOT.glob("services/**/*.py"))
    found = {
        str(path.relative_to(ROOT)): uses for path in sources if (uses := private_uses(ast.parse(path.read_text())))
    }

    assert found == {}


def test_the_check_catches_the_private_imports_the_breaker_used_to_make() -> None:
    source = (
        "import purgatory\n"
        "from purgatory.domain.model import Context, OpenedState\n"
        "from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker\n"
        "purgatory.AsyncCircuitBreakerFactory\n"
        "purgatory.service\n"
    )

    assert private_uses(ast.parse(source)) == [
        "2: from purgatory.domain.model import Context, OpenedState",
        "3: from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker",
        "5: purgatory.service",
    ]
