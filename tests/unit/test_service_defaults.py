"""The defaults a deployment gets with no environment, as the README states them: a database
per service (SQLite named for it), every interface, a fixed port per service; all overridable."""

from __future__ import annotations

import pathlib

import pytest

from mesh.config import SERVICE_PORTS, MeshSettings
from services.invoicing.main import InvoicingSettings
from services.payments.main import PaymentsSettings

README = pathlib.Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(autouse=True)
def no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DATABASE_URL", "GRPC_HOST", "GRPC_PORT", "SERVICE_NAME"):
        monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("settings", "name", "port"), [(PaymentsSettings, "payments", 50051), (InvoicingSettings, "invoicing", 50052)]
)
def test_each_service_has_its_own_database_and_port_on_every_interface(settings, name: str, port: int) -> None:
    defaults = settings()
    assert defaults.database_url == f"sqlite+aiosqlite:///./{name}.db"
    assert (defaults.grpc_host, defaults.grpc_port) == ("0.0.0.0", port)
    assert SERVICE_PORTS[name] == port


def test_the_reserved_ports_do_not_collide() -> None:
    assert len(set(SERVICE_PORTS.values())) == len(SERVICE_PORTS)


def test_the_environment_overrides_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRPC_PORT", "0")
    monkeypatch.setenv("GRPC_HOST", "127.0.0.1")
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://user@db:5432/payments")
    settings = PaymentsSettings()
    assert (settings.grpc_host, settings.grpc_port) == ("127.0.0.1", 0)
    assert settings.database_url == "postgresql+asyncpg://user@db:5432/payments"


def test_the_database_follows_the_service_name() -> None:
    assert MeshSettings(service_name="checkout").database_url == "sqlite+aiosqlite:///./checkout.db"
    assert MeshSettings().grpc_port == 0  # the base names no service: a free port


def test_the_readme_states_these_defaults() -> None:
    text = README.read_text()
    for expected in (
        "`sqlite+aiosqlite:///./<service>.db`",
        "`GRPC_HOST`",
        "`0.0.0.0`",
        "payments 50051",
        "invoicing 50052",
    ):
        assert expected in text, expected
