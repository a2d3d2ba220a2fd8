"""Real processes for the crash drill: started with a deadline on their readiness line, their
output drained into a log file (a full pipe would stall them), and killed for real."""

from __future__ import annotations

import asyncio
import contextlib
import os
import pathlib
import re
import signal
import sys
from collections.abc import Callable, Mapping

REPO = pathlib.Path(__file__).resolve().parents[4]
START_DEADLINE = 60.0  # a cold interpreter, migrations on PostgreSQL, and 2 cores shared with others
SERVING = re.compile(r"serving .* on [\w.\-]+:(\d+)")


class ChildProcess:
    """One child: `start` returns what `ready` found in the first output line it accepted."""

    def __init__(self, name: str, argv: list[str], env: Mapping[str, str], log_path: pathlib.Path) -> None:
        self.name, self._argv, self._env, self._log_path = name, argv, dict(env), log_path
        self._process: asyncio.subprocess.Process | None = None
        self._drains: list[asyncio.Task] = []

    @property
    def pid(self) -> int:
        assert self._process is not None, f"{self.name} was never started"
        return self._process.pid

    async def start(self, ready: Callable[[str], str | None]) -> str:
        self._process = await asyncio.create_subprocess_exec(
            *self._argv,
            cwd=REPO,
            env=self._env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=1 << 20,
        )
        found = asyncio.get_running_loop().create_future()
        self._drains = [
            asyncio.ensure_future(self._drain(stream, ready, found))
            for stream in (self._process.stdout, self._process.stderr)
        ]
        try:
            async with asyncio.timeout(START_DEADLINE):
                return await asyncio.shield(found)
        except TimeoutError:
            await self.kill()
            raise AssertionError(f"{self.name} was not ready within {START_DEADLINE}s; see {self._log_path}") from None

    async def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed or committed, as when a node dies."""
        if self._process is not None and self._process.returncode is None:
            os.kill(self._process.pid, signal.SIGKILL)
        await self.wait()

    async def wait(self) -> None:
        if self._process is not None:
            await self._process.wait()
        await asyncio.gather(*self._drains, return_exceptions=True)

    async def _drain(
        self, stream: asyncio.StreamReader, ready: Callable[[str], str | None], found: asyncio.Future
    ) -> None:
        while line := (await stream.readline()).decode(errors="replace"):
            with self._log_path.open("a", encoding="utf-8") as log:
                log.write(line)
            if not found.done() and (value := ready(line)) is not None:
                found.set_result(value)
        if not found.done():
            found.set_exception(AssertionError(f"{self.name} exited before it was ready; see {self._log_path}"))
        with contextlib.suppress(Exception):
            found.exception()  # retrieved: whichever drain ends last must not warn about it


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def port_line(line: str) -> str | None:
    """The sandbox server prints its bound port alone on a line."""
    return line.strip() if line.strip().isdigit() else None


def serving_port(line: str) -> str | None:
    """mesh.server logs "serving <services> on host:port" once it accepts calls."""
    found = SERVING.search(line)
    return found.group(1) if found else None
