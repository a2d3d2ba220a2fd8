"""The import direction of a service's inner shape, checked on the source (AST, nothing imported).

    main (wiring) → api (proto ↔ domain) → app (use cases, transactions) → domain (pure) and store
    handlers (events) → app

A module's layer is its name inside services/<service>/: `domain/` (the package), `main`, `app`,
`handlers`, `api` or `*_api`, `store` or `*_store`. Anything else (vault/, psp/, routing/, …) is
a helper of its own and not checked. Only direct imports are seen, type-checking ones included
(they are dependencies too); what a module reaches through another (mesh.errors imports grpc)
is that module's business.
"""

from __future__ import annotations

import ast
import dataclasses
import pathlib
from collections.abc import Iterator

__all__ = ["RULES", "Rule", "Violation", "layer_of", "service_violations", "violations_in"]

LAYERS = ("main", "api", "app", "domain", "store", "handlers")


@dataclasses.dataclass(frozen=True)
class Rule:
    """What a layer must not import: other layers of its own service, and outside packages."""

    layers: frozenset[str]
    packages: tuple[str, ...] = ()


RULES: dict[str, Rule] = {
    # Pure: no proto, no grpc, no persistence, and nothing that depends on it.
    "domain": Rule(frozenset({"api", "app", "store", "main", "handlers"}), ("grpc", "commerce", "sqlalchemy")),
    "store": Rule(frozenset({"api", "app", "handlers", "main"})),
    "app": Rule(frozenset({"api", "main", "handlers"})),
    "api": Rule(frozenset({"store", "main"})),  # through app, which owns the transactions
    "handlers": Rule(frozenset({"api", "main"})),
}


@dataclasses.dataclass(frozen=True)
class Violation:
    path: str  # relative to the repository root
    line: int
    imported: str
    rule: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line} imports {self.imported} ({self.rule})"


def layer_of(name: str) -> str | None:
    """The layer of a module or package named `name` directly inside a service, or None."""
    for layer in ("api", "store"):
        if name.endswith(f"_{layer}"):
            return layer
    return name if name in LAYERS else None


def service_violations(root: pathlib.Path) -> list[Violation]:
    """Every violation in services/*/ under the repository `root`, in file and line order."""
    found = []
    for path in sorted((root / "services").glob("*/**/*.py")):
        found += violations_in(path.read_text(), path.relative_to(root).as_posix())
    return found


def violations_in(source: str, path: str) -> list[Violation]:
    """The violations of one module whose text is `source`, at `path` ("services/<service>/…")."""
    _, service, *inside = pathlib.PurePosixPath(path).parts
    layer = layer_of(pathlib.PurePosixPath(inside[0]).stem)
    if layer not in RULES:
        return []
    module = path.removesuffix(".py").replace("/", ".")
    judged = (_judge(layer, service, path, line, imported) for line, imported in _imports(ast.parse(source), module))
    return sorted({violation for violation in judged if violation}, key=lambda v: (v.line, v.imported))


def _judge(layer: str, service: str, path: str, line: int, imported: str) -> Violation | None:
    rule = RULES[layer]
    parts = imported.split(".")
    if parts[0] in rule.packages:
        return Violation(path, line, imported, f"{layer} must not import {parts[0]}")
    target = layer_of(parts[2]) if parts[:2] == ["services", service] and len(parts) > 2 else None
    if target in rule.layers:  # named by the layer's module, not by what was taken from it
        return Violation(path, line, ".".join(parts[:3]), f"{layer} must not import {target}")
    return None


def _imports(tree: ast.Module, module: str) -> Iterator[tuple[int, str]]:
    """(line, dotted module) of every import; `from package import name` yields package.name,
    since the name may be a module (`from services.payments import store`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module != "__future__":
            base = _absolute(node, module)
            yield from ((node.lineno, f"{base}.{alias.name}" if base else alias.name) for alias in node.names)


def _absolute(node: ast.ImportFrom, module: str) -> str:
    """The absolute module of a `from … import`, relative ones resolved against `module`."""
    if not node.level:
        return node.module or ""
    package = module.split(".")[: -node.level]
    return ".".join(package + ([node.module] if node.module else []))
