"""Benchmark: the 2016 pseudo-data production (three runs, 4.3e10 EOT, data mode, prescales of
``[production.prescale]``) — wall time, events per second, peak memory per process.

    python benchmarks/bench_simulate.py [--fraction F] [--workers N] [--out DIR] [--processes a,b]

``--fraction`` simulates F × each run's EOT (the production time scales linearly with the event
count, so the table also gives the extrapolation to the full EOT).  Prints a table.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from darkmiss.config.load import load_preset
from darkmiss.config.schema import runs_from_preset
from darkmiss.detsim.generate import simulate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--fraction", type=float, default=1.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--processes", default=None)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)
    preset = load_preset("na64-2016")
    runs = runs_from_preset(preset)
    procs = a.processes.split(",") if a.processes else None
    out = a.out or Path(tempfile.mkdtemp(prefix="darkmiss-bench-"))
    rows = []
    t_all = time.perf_counter()
    # rate estimates are cached after the first call: time them separately
    t0 = time.perf_counter()
    for name in runs:
        simulate(preset, name, "data", out / "_rates", processes=procs, eot=1.0, seed=a.seed)
    t_rates = time.perf_counter() - t0
    for name, run in runs.items():
        t0 = time.perf_counter()
        s = simulate(
            preset,
            name,
            "data",
            out,
            processes=procs,
            eot=run.eot * a.fraction,
            workers=a.workers,
            seed=a.seed,
        )
        dt = time.perf_counter() - t0
        n = sum(p.n_events for p in s.plans)
        stored = sum(s.stored_events[name].values())
        rows.append((name, run.eot * a.fraction, n, stored, dt, s.mean_pileup[name], s.dead_time[name]))
    total = time.perf_counter() - t_all
    rss_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rss_kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"{'run':>4} {'EOT':>10} {'generated':>10} {'stored':>8} {'time[s]':>8} {'ev/s':>8} {'<pileup>':>8} {'dead':>6}"
    )
    for name, eot, n, stored, dt, mu, dead in rows:
        print(
            f"{name:>4} {eot:10.3g} {n:10d} {stored:8d} {dt:8.1f} {n / max(dt, 1e-9):8.0f} {mu:8.3f} {dead:6.3f}"
        )
    gen_time = sum(r[4] for r in rows)
    print(f"rate estimates (first call, cached afterwards): {t_rates:.1f} s")
    print(
        f"total: {total:.1f} s with {a.workers} workers; production {gen_time:.1f} s; "
        f"extrapolated to the full EOT: {gen_time / a.fraction:.0f} s (+ rates)"
    )
    print(f"peak RSS: main {rss_self:.0f} MiB, largest worker {rss_kids:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
