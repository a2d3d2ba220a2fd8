"""The servers of one hot-path figure, each started the first time the figure drives it and all
stopped when the figure is done (an idle payments server still polls its outbox, and would
take CPU from the next figure). Payments servers get the backend their name says: a SQLite
file, or a fresh PostgreSQL database with Redis under a key prefix of their own."""

from __future__ import annotations

import base64
import contextlib
import itertools
import pathlib
from collections.abc import Iterator

from bench.hot_path_procs import RunningServer, drive, fresh_postgres, redis_prefix, serving

PAYMENTS = "services.payments.main"
BASELINES = "bench.hot_path_servers"
# Fixed keys: the bench needs no secrecy, only the settings a non-embedded deployment requires.
BENCH_KEYS = {
    "VAULT_KEYS": f"bench:{base64.b64encode(b'hot-path-bench-vault-key-32bytes').decode()}",
    "VAULT_FINGERPRINT_KEY": base64.b64encode(b"hot-path-bench-card-fingerprint!").decode(),
    "IDEMPOTENCY_FINGERPRINT_KEY": base64.b64encode(b"hot-path-bench-request-fingerprt").decode(),
}

_instances = itertools.count(1)  # a log file and SQLite file per server started in the process


class Fleet(contextlib.ExitStack):
    """Use as `with Fleet(...) as fleet:`; leaving the block stops every server it started."""

    def __init__(self, workdir: pathlib.Path, redis_url: str, psp_latency_ms: float) -> None:
        super().__init__()
        self._workdir, self._redis_url = workdir, redis_url
        self._psp_latency_ms = psp_latency_ms
        self._running: dict[str, RunningServer] = {}

    def drive(self, name: str, mode: str, **options: object) -> dict[str, object]:
        return drive(self._server(name), mode, **options)

    def _server(self, name: str) -> RunningServer:
        if name not in self._running:
            self._running[name] = self.enter_context(self._start(name))
        return self._running[name]

    @contextlib.contextmanager
    def _start(self, name: str) -> Iterator[RunningServer]:
        """ "bare", "chain", "bare_psp_latency", "payments_<sqlite|postgres>[_psp_latency]"."""
        latency = self._psp_latency_ms if name.endswith("_psp_latency") else 0.0
        log = self._workdir / f"{name}-{next(_instances)}.log"
        if not name.startswith("payments_"):
            kind = name.removesuffix("_psp_latency")
            with serving(BASELINES, [kind, "--psp-latency-ms", str(latency)], {}, log) as server:
                yield server
            return
        with self._backend(name.split("_")[1]) as settings:
            settings |= {**BENCH_KEYS, "SANDBOX_PSP_LATENCY_MS": str(latency)}
            with serving(PAYMENTS, [], settings, log) as server:
                yield server

    @contextlib.contextmanager
    def _backend(self, backend: str) -> Iterator[dict[str, str]]:
        if backend == "sqlite":
            yield {"DATABASE_URL": f"sqlite+aiosqlite:///{self._workdir}/payments-{next(_instances)}.db"}
            return
        with fresh_postgres() as database_url, redis_prefix(self._redis_url) as prefix:
            yield {"DATABASE_URL": database_url, "REDIS_URL": self._redis_url, "REDIS_KEY_PREFIX": prefix}
