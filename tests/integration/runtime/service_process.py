"""A service in a process of its own, started as it is deployed: `python -m services.<name>.main`.

It listens on port 0; the port is read from the server's "serving … on host:port" log line, which
it writes once health is SERVING. Its output is kept for failure messages.
"""

from __future__ import annotations

import os
import pathlib
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping

ROOT = pathlib.Path(__file__).resolve().parents[3]
SERVING_LINE = re.compile(r"serving .* on 127\.0\.0\.1:(\d+)")


class ServiceProcess:
    def __init__(self, module: str, env: Mapping[str, str]) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", module],
            cwd=ROOT,
            env={**os.environ, "GRPC_HOST": "127.0.0.1", "GRPC_PORT": "0", **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.output: list[str] = []
        self.port: int | None = None
        self._serving_or_dead = threading.Event()
        self._reader = threading.Thread(target=self._read_output, daemon=True)
        self._reader.start()

    def wait_until_serving(self, timeout: float = 60) -> int:
        """The port, once the server says it serves; fails with the output if it never does."""
        if not self._serving_or_dead.wait(timeout) or self.port is None:
            raise AssertionError(f"the service did not start within {timeout}s:\n{self.log()}")
        return self.port

    def terminate(self) -> None:
        """SIGTERM, as Kubernetes sends it."""
        self._process.send_signal(signal.SIGTERM)

    def wait(self, timeout: float) -> int:
        """The exit code; fails with the output if the process is still running after `timeout`."""
        try:
            code = self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the service did not exit within {timeout}s:\n{self.log()}") from None
        self._close_output()
        return code

    def kill(self) -> None:
        """Teardown: whatever state it is in, the process is gone afterwards."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.wait(10)
        self._close_output()

    def _close_output(self) -> None:
        self._reader.join(10)
        self._process.stdout.close()

    def log(self) -> str:
        return "".join(self.output[-40:])

    def _read_output(self) -> None:
        for line in self._process.stdout:
            self.output.append(line)
            found = SERVING_LINE.search(line)
            if found and self.port is None:
                self.port = int(found.group(1))
                self._serving_or_dead.set()
        self._serving_or_dead.set()  # end of output: the process is gone
