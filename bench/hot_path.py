"""The payments hot path under load, as ratios against baselines measured in the same run.

Every server runs in a process of its own and every load in another (bench/hot_path_load.py
driving grpc.aio stubs), so the server's figure is not the client's. The payments service runs
through its real entry point (`python -m services.payments.main`) configured by environment:
SQLite in a temporary file, or a fresh PostgreSQL database plus Redis under a key prefix of the
run's own. Baselines (bench/hot_path_servers.py): `bare` is a plain grpc.aio server whose
servicer answers the same GetPaymentIntent message, on asyncio's own loop; `bare_uvloop` is the
same on uvloop, the loop services run on, so figures 1 and 2 also give the ratio with the loop
held equal; `chain` is that servicer behind MeshServer's whole layer chain with telemetry wired
as services wire it, on uvloop.

  1 get_qps      GetPaymentIntent, concurrency 64: QPS vs bare (goal ≥ 0.5× PostgreSQL, ≥ 0.4× SQLite)
  2 chain_qps    the layer chain with telemetry, no database: QPS vs bare (goal ≥ 0.8×)
  3 fixed_rate   GetPaymentIntent at 500 rps open loop, PostgreSQL: keeps up? p50/p99 (goal p99 ≤ 50 ms)
  4 psp_latency  authorize + capture, 200 ms sandbox PSP latency, concurrency 64: payments/s
                 (goal ≥ 112/s) vs the ideal 64 / 0.4 s and a bare servicer sleeping 2 × 200 ms
  5 instant_psp  authorize + capture, instant PSP, concurrency 32, PostgreSQL: payments/s (goal ≥ 150/s)

Closed-loop series alternate between servers in rounds, so drift on a shared machine hits
baseline and target alike. `server_cpu_us_per_call` (server CPU over calls) moves less with
other load than QPS does.

    python -m bench.hot_path [--figures 1,2,3,4,5] [--window 6] [--label before] [--out bench/results/hot_path.json]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import statistics
import tempfile
from collections.abc import Callable

from bench.harness import machine
from bench.hot_path_fleet import Fleet

CONCURRENCY = 64
FIXED_RATE = 500.0
PSP_LATENCY_MS = 200.0
IDEAL_PSP_BOUND = CONCURRENCY / (2 * PSP_LATENCY_MS / 1000)  # 64 payments in flight, 0.4 s each
INSTANT_PSP_CONCURRENCY = 32
GOALS = {
    "get_qps": {"postgres": 0.5, "sqlite": 0.4},
    "chain_qps": 0.8,
    "fixed_rate_p99_ms": 50.0,
    "psp_latency_payments_per_s": 112.0,
    "instant_psp_payments_per_s": 150.0,
}


def closed_rounds(fleet: Fleet, names: list[str], window: float, rounds: int = 3) -> dict[str, dict]:
    """Each server in turn, `rounds` times: QPS at concurrency 64 after a 1 s warm-up."""
    runs: dict[str, list[dict]] = {name: [] for name in names}
    for _ in range(rounds):
        for name in names:
            runs[name].append(fleet.drive(name, "closed", concurrency=CONCURRENCY, seconds=window / rounds, warmup=1))
    return {name: _merged(series) for name, series in runs.items()}


def _merged(series: list[dict]) -> dict[str, object]:
    return {
        "qps": round(statistics.median(r["qps"] for r in series), 1),
        "p50_ms": round(statistics.median(r["p50_ms"] for r in series), 2),
        "p99_ms": max(r["p99_ms"] for r in series),
        "server_cpu_us_per_call": round(statistics.median(r["server_cpu_us_per_call"] for r in series)),
        "client_cpu_share": max(r["client_cpu_share"] for r in series),
        "errors": sum(sum(r["errors"].values()) for r in series),
        "rounds": series,
    }


def paired_ratio(target: dict, baseline: dict, key: str = "qps") -> float:
    """The median over rounds of target / baseline, each pair measured back to back."""
    pairs = zip(target["rounds"], baseline["rounds"], strict=True)
    return round(statistics.median(t[key] / b[key] for t, b in pairs), 2)


def _ratio(value: float | None, baseline: float | None) -> float | None:
    return round(value / baseline, 2) if value is not None and baseline else None


def get_qps_figure(measured: dict[str, dict]) -> dict[str, object]:
    bare, bare_uvloop = measured["bare"], measured["bare_uvloop"]
    figure: dict[str, object] = {
        "what": "GetPaymentIntent QPS at concurrency 64 vs a bare grpc.aio servicer (and the same on uvloop)",
        "goal": GOALS["get_qps"],
        "baseline_bare": bare,
        "baseline_bare_uvloop": bare_uvloop,
    }
    for backend in ("sqlite", "postgres"):
        result = measured[f"payments_{backend}"]
        ratio = paired_ratio(result, bare)
        figure[backend] = {
            **result,
            "ratio_vs_bare": ratio,
            "ratio_vs_bare_uvloop": paired_ratio(result, bare_uvloop),
            "meets_goal": ratio >= GOALS["get_qps"][backend],
        }
    return figure


def chain_qps_figure(measured: dict[str, dict]) -> dict[str, object]:
    bare, bare_uvloop, chain = measured["bare"], measured["bare_uvloop"], measured["chain"]
    ratio = paired_ratio(chain, bare)
    return {
        "what": "a trivial servicer behind MeshServer's layer chain, telemetry on, no database access, vs bare",
        "goal": GOALS["chain_qps"],
        "baseline_bare": bare,
        "baseline_bare_uvloop": bare_uvloop,
        "chain": chain,
        "ratio_vs_bare": ratio,
        "ratio_vs_bare_uvloop": paired_ratio(chain, bare_uvloop),
        # QPS needs an idle machine; server CPU per call barely feels other load.
        "cpu_per_call_ratio_bare_over_chain": round(1 / paired_ratio(chain, bare, "server_cpu_us_per_call"), 2),
        "meets_goal": ratio >= GOALS["chain_qps"],
    }


def fixed_rate_figure(fleet: Fleet, window: float) -> dict[str, object]:
    bare = fleet.drive("bare", "open", rate=FIXED_RATE, seconds=window)
    postgres = fleet.drive("payments_postgres", "open", rate=FIXED_RATE, seconds=window)
    p99 = postgres["p99_ms"]  # None when nothing succeeded
    meets_goal = bool(postgres["keeps_up"]) and p99 is not None and p99 <= GOALS["fixed_rate_p99_ms"]
    return {
        "what": f"GetPaymentIntent at a fixed {FIXED_RATE:.0f} rps, open loop, latency from the scheduled send",
        "goal": {"keeps_up": True, "p99_ms_max": GOALS["fixed_rate_p99_ms"]},
        "baseline_bare": bare,
        "postgres": {**postgres, "p99_ratio_vs_bare": _ratio(p99, bare["p99_ms"]), "meets_goal": meets_goal},
    }


def payments_series(fleet: Fleet, name: str, concurrency: int, goal: float, window: float) -> dict[str, object]:
    """At most enough intents for the goal rate over the window plus a fifth, created before the
    clock starts (the client sizes the pool down from a pilot round when the service is slower)."""
    pool = int(goal * window * 1.2)
    return fleet.drive(name, "payments", concurrency=concurrency, seconds=window, pool=pool)


def psp_latency_figure(fleet: Fleet, window: float) -> dict[str, object]:
    goal = GOALS["psp_latency_payments_per_s"]
    bare = payments_series(fleet, "bare_psp_latency", CONCURRENCY, goal, window)
    figure: dict[str, object] = {
        "what": f"authorize + capture with {PSP_LATENCY_MS:.0f} ms sandbox PSP latency at concurrency {CONCURRENCY}",
        "goal": goal,
        "ideal_payments_per_s": IDEAL_PSP_BOUND,
        "baseline_bare_sleeping_2x200ms": bare,
    }
    for backend in ("sqlite", "postgres"):
        result = payments_series(fleet, f"payments_{backend}_psp_latency", CONCURRENCY, goal, window)
        figure[backend] = {
            **result,
            "ratio_vs_ideal": _ratio(result["payments_per_s"], IDEAL_PSP_BOUND),
            "ratio_vs_bare": _ratio(result["payments_per_s"], bare["payments_per_s"]),
            "meets_goal": result["payments_per_s"] >= goal,
        }
    return figure


def instant_psp_figure(fleet: Fleet, window: float) -> dict[str, object]:
    goal = GOALS["instant_psp_payments_per_s"]
    bare = payments_series(fleet, "bare", INSTANT_PSP_CONCURRENCY, goal, window)
    postgres = payments_series(fleet, "payments_postgres", INSTANT_PSP_CONCURRENCY, goal, window)
    return {
        "what": f"authorize + capture with an instant PSP at concurrency {INSTANT_PSP_CONCURRENCY}",
        "goal": goal,
        "baseline_bare": bare,
        "postgres": {
            **postgres,
            "ratio_vs_bare": _ratio(postgres["payments_per_s"], bare["payments_per_s"]),
            "meets_goal": postgres["payments_per_s"] >= goal,
        },
    }


def run(figures: set[int], window: float, new_fleet: Callable[[], Fleet]) -> dict[str, object]:
    """Each figure with servers of its own; 1 and 2 share theirs (and the bare baseline)."""
    results: dict[str, object] = {}
    if figures & {1, 2}:
        names = [
            "bare",
            "bare_uvloop",
            *(["chain"] if 2 in figures else []),
            *(["payments_sqlite", "payments_postgres"] if 1 in figures else []),
        ]
        with new_fleet() as fleet:
            measured = closed_rounds(fleet, names, window)
        if 1 in figures:
            results["1_get_qps"] = get_qps_figure(measured)
        if 2 in figures:
            results["2_chain_qps"] = chain_qps_figure(measured)
    later = {
        3: ("3_fixed_rate", fixed_rate_figure),
        4: ("4_psp_latency", psp_latency_figure),
        5: ("5_instant_psp", instant_psp_figure),
    }
    for number in sorted(figures & set(later)):
        key, figure = later[number]
        with new_fleet() as fleet:
            results[key] = figure(fleet, window)
    return results


def save(out: str, label: str, record: dict[str, object]) -> None:
    """Under `label` in the results file, beside the runs already there (a "before" stays)."""
    path = pathlib.Path(out)
    existing = json.loads(path.read_text()) if path.exists() else {"runs": {}}
    existing["runs"][label] = record
    path.write_text(json.dumps(existing, indent=2) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--figures", default="1,2,3,4,5", help="comma-separated figure numbers")
    parser.add_argument("--window", type=float, default=6.0, help="measured seconds per series")
    parser.add_argument("--label", default="run", help="the key of this run in --out (earlier labels stay)")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--logs", help="keep the servers' logs (and SQLite files) here; default: discarded")
    parser.add_argument("--out")
    args = parser.parse_args()
    figures = {int(number) for number in args.figures.split(",")}
    started, load_before = datetime.datetime.now(datetime.UTC), os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        workdir = pathlib.Path(args.logs or tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        results = run(figures, args.window, lambda: Fleet(workdir, args.redis_url, PSP_LATENCY_MS))
    record = {
        "machine": machine(),
        "started": started.isoformat(timespec="seconds"),
        "load_average_before_after": [round(load_before[0], 1), round(os.getloadavg()[0], 1)],
        "window_seconds": args.window,
        "figures": results,
    }
    print(json.dumps(record, indent=2))
    if args.out:
        save(args.out, args.label, record)


if __name__ == "__main__":
    main()
