"""The tree as committed: lint, format, compatibility gate, fresh generated code."""

from __future__ import annotations

from mesh.schema import bufcli
from mesh.schema.gate import run_gate
from mesh.schema.generate import check_generated
from mesh.schema.layout import Layout
from tests.contract.generated import generated_modules


def test_buf_lint_is_clean(layout: Layout) -> None:
    result = bufcli.run(layout, "lint", check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_format_is_clean(layout: Layout) -> None:
    result = bufcli.run(layout, "format", "-d", "--exit-code", check=False)
    assert result.returncode == 0, f"run `buf format -w`:\n{result.stdout[:4000]}"


def test_gate_passes_against_the_released_schema(layout: Layout) -> None:
    report = run_gate(layout)
    assert report.ok, report.render()


def test_generated_code_is_fresh(layout: Layout) -> None:
    stale = check_generated(layout)
    assert not stale, f"run `mesh generate` and commit; stale: {stale[:20]}"


def test_every_generated_python_module_imports() -> None:
    modules = generated_modules("_pb2", "_pb2_grpc", "_connect")
    domains = {m.__name__.split(".")[1] for m in modules}
    assert {"checkout", "payments", "invoicing", "subscriptions", "type", "event"} <= domains
    assert any(m.__name__.endswith("_pb2_grpc") for m in modules)
    assert any(m.__name__.endswith("_connect") for m in modules)
