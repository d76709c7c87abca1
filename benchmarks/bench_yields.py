"""Time of an A′ yield scan: 50 masses (geomspace 1 MeV … 1 GeV), one mediator, ≤ 1% statistical error.

    python benchmarks/bench_yields.py [--workers 2] [--showers 5500] [--cold-numba] [--annihilation] [--no-direct]

Runs ``darkmiss yield aprime --mass <50 masses> --showers N --workers W --json`` as a user does,
twice: *cold* (an empty ``DARKMISS_CACHE``: the σ tables of every mass are built) and *warm* (the
same cache, another seed, so that the tables are reused but the yields are computed anew).
``--cold-numba`` points ``NUMBA_CACHE_DIR`` at an empty folder for the cold run (every kernel
compiled; otherwise numba's cache of this checkout is used). ``--annihilation`` adds a row with
``--production brems,annihilation``; ``--no-direct`` leaves out ``yield_etl_direct`` (the vegas
cross-check of the k-factor ETL yield, the cold part of a scan). The table gives wall time, the CPU time of the command and its
workers, and the largest relative statistical error of yield_etl, yield_ww and yield_etl_direct
(and of yield_annihilation where it is non-zero). 5500 showers keep every error ≤ 1% for the
na64-2016 preset (the error scales as 1/√N).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MASSES = np.geomspace(1e-3, 1.0, 50)


def _children_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def _run(args: list[str], env: dict[str, str]) -> tuple[float, float, list[dict[str, object]]]:
    cmd = [sys.executable, "-m", "darkmiss.cli.main", "yield", "aprime", *args, "--json"]
    c0, t0 = _children_cpu(), time.perf_counter()
    out = subprocess.run(cmd, check=True, env=env, capture_output=True, text=True).stdout
    return time.perf_counter() - t0, _children_cpu() - c0, json.loads(out)


def _max_relerr(rows: list[dict[str, object]]) -> float:
    worst = 0.0
    for r in rows:
        for k in ("etl", "ww", "etl_direct", "annihilation"):
            v, e = r.get(f"yield_{k}"), r.get(f"yield_{k}_err")
            if isinstance(v, float) and isinstance(e, float) and v > 0:
                worst = max(worst, e / v)
    return worst


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--showers", type=int, default=5500)
    ap.add_argument("--cold-numba", action="store_true", help="compile every kernel in the cold run")
    ap.add_argument("--annihilation", action="store_true", help="also time brems,annihilation")
    ap.add_argument("--no-direct", action="store_true", help="skip the direct-ETL cross-check column (vegas)")
    a = ap.parse_args(argv)
    masses = ",".join(f"{m:.6g}" for m in MASSES)
    base = ["--mass", masses, "--showers", str(a.showers), "--workers", str(a.workers)]
    if a.no_direct:
        base.append("--no-direct")
    productions = [("brems", [])]
    if a.annihilation:
        productions.append(("brems,annihilation", ["--production", "brems,annihilation"]))
    print(f"{'production':20s} {'cache':6s} {'wall s':>8s} {'CPU s':>8s} {'max rel. err':>13s}")
    for name, extra in productions:
        root = Path(tempfile.mkdtemp(prefix="darkmiss-bench-yields-"))
        env = dict(os.environ, DARKMISS_CACHE=str(root / "cache"), MPLBACKEND="Agg")
        cold_env = dict(env, NUMBA_CACHE_DIR=str(root / "numba")) if a.cold_numba else env
        for label, e, seed in (("cold", cold_env, "1"), ("warm", env, "2")):
            wall, cpu, rows = _run([*base, *extra, "--seed", seed], e)
            print(f"{name:20s} {label:6s} {wall:8.1f} {cpu:8.1f} {100 * _max_relerr(rows):12.2f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
