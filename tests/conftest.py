"""Shared fixtures: every module in tests/fixtures/ is a pytest plugin (databases, Redis, …)."""

import base64
import os
import pathlib

# Services on PostgreSQL refuse to start without a fingerprint key (a secret in production); the
# tests, and the service processes they start, share this one.
os.environ.setdefault("IDEMPOTENCY_FINGERPRINT_KEY", base64.b64encode(b"test-fingerprint-key-32-bytes!!!").decode())

pytest_plugins = sorted(
    f"tests.fixtures.{path.stem}" for path in (pathlib.Path(__file__).parent / "fixtures").glob("[!_]*.py")
)
