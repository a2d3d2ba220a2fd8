"""Every service keeps the one inner shape: imports point main → api → app → domain and store,
handlers → app, and the domain stays pure (the rules: tests.unit.layering).

The tree may hold the violations listed in ALLOWED (none today) and no other: a new one fails
with "file:line imports X (rule)".
"""

from __future__ import annotations

import pathlib
import shutil

import pytest

from tests.unit.layering import Violation, service_violations, violations_in

ROOT = pathlib.Path(__file__).parents[2]
# Imports against the direction the tree may still hold, each (file, module) with why it stays and
# what removes it. None today: a new entry needs a reason and an owner.
ALLOWED: dict[tuple[str, str], str] = {}


def unexplained(violations: list[Violation]) -> list[Violation]:
    """The violations no allow-list entry covers (an entry covers its module and what is in it)."""
    return [
        v
        for v in violations
        if not any(
            v.path == path and (v.imported == module or v.imported.startswith(module + ".")) for path, module in ALLOWED
        )
    ]


def test_services_keep_the_import_direction() -> None:
    new = unexplained(service_violations(ROOT))

    assert not new, "imports against the layering:\n" + "\n".join(map(str, new))


def test_the_check_sees_the_services(tmp_path: pathlib.Path) -> None:
    # A check that finds nothing because it looks nowhere would pass too: the real services, with
    # one impure import added to a real domain module, must fail.
    shutil.copytree(ROOT / "services", tmp_path / "services", ignore=shutil.ignore_patterns("__pycache__"))
    errors = tmp_path / "services" / "payments" / "domain" / "errors.py"
    errors.write_text(errors.read_text() + "\nimport grpc\n")

    assert [v.path for v in unexplained(service_violations(tmp_path))] == ["services/payments/domain/errors.py"]


def check(path: str, source: str) -> list[str]:
    return [str(v) for v in violations_in(source, path)]


DOMAIN = "services/shop/domain/model.py"


@pytest.mark.parametrize(
    ("source", "rule"),
    [
        ("import grpc", "domain must not import grpc"),
        ("from grpc import StatusCode", "domain must not import grpc"),
        ("from commerce.shop.v1 import order_pb2", "domain must not import commerce"),
        ("import sqlalchemy as sa", "domain must not import sqlalchemy"),
        ("from sqlalchemy.ext.asyncio import AsyncConnection", "domain must not import sqlalchemy"),
        ("from services.shop import store", "domain must not import store"),
        ("from services.shop.app import ShopApp", "domain must not import app"),
        ("from services.shop.api import ShopApi", "domain must not import api"),
        ("from services.shop.handlers import on_paid", "domain must not import handlers"),
        ("from services.shop.main import build_app", "domain must not import main"),
        ("from services.shop.orders_store import OrderRow", "domain must not import store"),
        ("from ..store import OrderRow", "domain must not import store"),
    ],
)
def test_a_synthetic_impure_domain_module_fails(source: str, rule: str) -> None:
    [found] = check(DOMAIN, f'"""A domain module."""\n\n{source}\n')

    assert found.startswith(f"{DOMAIN}:3 imports ") and found.endswith(f"({rule})")


@pytest.mark.parametrize(
    ("path", "source", "expected"),
    [
        (
            "services/shop/store.py",
            "from services.shop.app import ShopApp",
            "services/shop/store.py:1 imports services.shop.app (store must not import app)",
        ),
        (
            "services/shop/store.py",
            "from services.shop import handlers",
            "services/shop/store.py:1 imports services.shop.handlers (store must not import handlers)",
        ),
        (
            "services/shop/app.py",
            "from services.shop.api import to_proto",
            "services/shop/app.py:1 imports services.shop.api (app must not import api)",
        ),
        (
            "services/shop/app.py",
            "from services.shop.main import settings",
            "services/shop/app.py:1 imports services.shop.main (app must not import main)",
        ),
        (
            "services/shop/api.py",
            "from services.shop import store",
            "services/shop/api.py:1 imports services.shop.store (api must not import store)",
        ),
        (
            "services/shop/order_api.py",
            "from services.shop.orders_store import OrderRow",
            "services/shop/order_api.py:1 imports services.shop.orders_store (api must not import store)",
        ),
        (
            "services/shop/handlers.py",
            "from services.shop.api import ShopApi",
            "services/shop/handlers.py:1 imports services.shop.api (handlers must not import api)",
        ),
        (
            "services/shop/app.py",
            "def later():\n    from services.shop.handlers import on_paid",
            "services/shop/app.py:2 imports services.shop.handlers (app must not import handlers)",
        ),
    ],
)
def test_a_synthetic_import_against_the_direction_fails(path: str, source: str, expected: str) -> None:
    assert check(path, source) == [expected]


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("services/shop/main.py", "from services.shop import api, app, handlers, store\nimport grpc"),
        ("services/shop/api.py", "import grpc\nfrom commerce.shop.v1 import order_pb2\nfrom services.shop import app"),
        ("services/shop/api.py", "from services.shop.domain import Order"),
        ("services/shop/app.py", "from services.shop import store\nfrom services.shop.domain import Order"),
        ("services/shop/handlers.py", "from services.shop.app import ShopApp\nfrom services.shop import store"),
        ("services/shop/store.py", "import sqlalchemy as sa\nfrom services.shop.domain import Order"),
        (DOMAIN, "from mesh.money import Money\nfrom services.shop.domain.states import State\nfrom . import rules"),
        ("services/shop/psp/client.py", "from services.shop import api, store"),  # not a layer: unchecked
        ("services/shop/app.py", "from services.other.api import OtherApi"),  # another service: not this rule
    ],
)
def test_imports_along_the_direction_pass(path: str, source: str) -> None:
    assert check(path, source) == []


def test_a_new_violation_in_the_tree_fails_even_beside_allowed_ones(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(globals(), "ALLOWED", {("services/payments/domain/errors.py", "grpc"): "for this test"})
    domain = tmp_path / "services" / "payments" / "domain"
    domain.mkdir(parents=True)
    (domain / "errors.py").write_text("import grpc\n")  # allow-listed
    (domain / "intent.py").write_text("import grpc\n")  # the same import, in a file that may not

    assert [str(v) for v in unexplained(service_violations(tmp_path))] == [
        "services/payments/domain/intent.py:1 imports grpc (domain must not import grpc)"
    ]


def test_an_allowed_module_does_not_cover_its_neighbours(monkeypatch: pytest.MonkeyPatch) -> None:
    allowed = ("services/payments/domain/errors.py", "commerce.payments.v1.error_reason_pb2")
    monkeypatch.setitem(globals(), "ALLOWED", {allowed: "for this test"})
    assert (
        unexplained(violations_in(f"from commerce.payments.v1 import {allowed[1].rsplit('.', 1)[1]}", allowed[0])) == []
    )  # the entry itself is covered
    neighbour = violations_in("from commerce.payments.v1 import events_pb2", "services/payments/domain/errors.py")

    assert unexplained(neighbour) == neighbour
