"""Benchmark: each stage of ``darkmiss reproduce`` for 1, 2, 4 … workers, with speed-up and parallel efficiency.

    python benchmarks/bench_reproduce.py [--full] [--workers 1,2] [--preset NAME] [--seed S] [--keep DIR]

Every worker count runs the whole chain into a fresh output folder with an empty darkmiss cache
(``DARKMISS_CACHE`` points at a fresh folder), so each run is cold for darkmiss; numba's compiled
kernels are shared between runs (compile once, as a user does after the first command). ``--quick``
is the default; ``--full`` times the README's full reproduction. Each run's per-stage times come from
its ``results.json`` (``stages`` and ``provenance.usage``). The table ends with the projection to 16
cores: Amdahl's law per stage, its serial fraction fitted to the 1- and 2-worker times
(T_n = T_1 (s + (1 − s)/n)), and the stage that would limit the run there.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _counts(arg: str | None) -> list[int]:
    if arg:
        return [int(x) for x in arg.split(",")]
    cores = len(os.sched_getaffinity(0))
    out = [1]
    while out[-1] * 2 <= cores:
        out.append(out[-1] * 2)
    if out[-1] != cores:
        out.append(cores)
    return out


def _run(workers: int, full: bool, preset: str, seed: int, root: Path) -> tuple[dict[str, float], float]:
    out = root / f"w{workers}"
    env = dict(os.environ, DARKMISS_CACHE=str(root / f"cache-w{workers}"), MPLBACKEND="Agg")
    cmd = [sys.executable, "-m", "darkmiss.cli.main", "reproduce", "--preset", preset, "--out", str(out)]
    cmd += ["--workers", str(workers), "--seed", str(seed)] + ([] if full else ["--quick"])
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env=env, stdout=subprocess.DEVNULL)
    total = time.perf_counter() - t0
    res = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return {s["stage"]: float(s["seconds"]) for s in res["provenance"]["stages"]}, total


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--full", action="store_true", help="the full reproduction instead of --quick")
    ap.add_argument("--workers", default=None, help="comma list of worker counts (default 1, 2, 4 … cores)")
    ap.add_argument("--preset", default="na64-2016")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", type=Path, default=None, help="keep the outputs in this folder")
    a = ap.parse_args(argv)
    root = a.keep or Path(tempfile.mkdtemp(prefix="darkmiss-bench-reproduce-"))
    counts = _counts(a.workers)
    times: dict[int, dict[str, float]] = {}
    totals: dict[int, float] = {}
    for n in counts:
        times[n], totals[n] = _run(n, a.full, a.preset, a.seed, root)
        print(f"  {n} worker(s): {totals[n]:.1f} s", file=sys.stderr)
    stages = list(times[counts[0]])
    head = "| stage | " + " | ".join(f"{n} w [s] (speed-up, eff.)" for n in counts) + " |"
    print(
        f"reproduce {'full' if a.full else '--quick'}, preset {a.preset}, seed {a.seed}, {os.cpu_count()} CPUs"
    )
    print(head)
    print("|" + "---|" * (len(counts) + 1))
    rows = [*stages, "total (command)"]
    for st in rows:
        cells = []
        for n in counts:
            t = totals[n] if st == rows[-1] else times[n].get(st, float("nan"))
            t1 = totals[counts[0]] if st == rows[-1] else times[counts[0]].get(st, float("nan"))
            sp = t1 / t if t > 0 else float("nan")
            cells.append(f"{t:.1f} ({sp:.2f}, {100 * sp / n * counts[0]:.0f}%)")
        print(f"| {st} | " + " | ".join(cells) + " |")
    if 1 in counts and 2 in counts:
        proj: dict[str, float] = {}
        for st in stages:
            t1, t2 = times[1][st], times[2][st]
            s = min(max(2.0 * t2 / t1 - 1.0, 0.0), 1.0) if t1 > 0 else 1.0
            proj[st] = t1 * (s + (1.0 - s) / 16)
        limit = max(proj, key=lambda k: proj[k])
        print(
            f"\nprojected on 16 cores (Amdahl, serial fraction from 1 and 2 workers): {sum(proj.values()):.0f} s "
            f"of stages; the longest stage there: {limit} ({proj[limit]:.0f} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
