"""Shared fixtures: every module in tests/fixtures/ is a pytest plugin (databases, Redis, …)."""

import pathlib

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}"
    for path in (pathlib.Path(__file__).parent / "fixtures").glob("[!_]*.py")
)
