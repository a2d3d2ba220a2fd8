"""configure_process installs the SDK meter provider, exporting RED metrics, exactly when a
collector is configured. Each case runs in a process of its own: the providers are global."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
from opentelemetry import metrics
from opentelemetry.sdk.metrics import MeterProvider
from mesh.config import MeshSettings
from mesh.runtime import configure_process
configure_process(MeshSettings(service_name="probe"))
provider = metrics.get_meter_provider()
print("sdk" if isinstance(provider, MeterProvider) else "no-op")
"""


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        ("http://127.0.0.1:4317", "sdk"),  # build_meter_provider adds the exporting reader (test_metrics)
        ("", "no-op"),
    ],
)
def test_metrics_are_exported_only_when_a_collector_is_set(endpoint: str, expected: str) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("OTEL_")}
    env |= {"OTEL_EXPORTER_OTLP_ENDPOINT": endpoint} if endpoint else {}
    probe = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60)

    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().splitlines()[-1] == expected
