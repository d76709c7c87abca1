"""Speed of ``darkmiss project``: shower yields vs the expected-limit statistics.

Run: ``python benchmarks/bench_project.py [--showers N] [--workers W] [--eot E]``. Uses a fresh
temporary cache (nothing is reused between rows except numba's compiled kernels, warmed first).
Prints a table: the yield showers on the default mass grid, the expected exact-CLs limits per
background level (one mass), and the whole ``project`` call, cold and warm (yields cached).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--showers", type=int, default=20000, help="yield showers (preset default: 100000)")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--eot", type=float, default=1e12)
    args = ap.parse_args()
    os.environ["DARKMISS_CACHE"] = tempfile.mkdtemp(prefix="darkmiss-bench-project-")

    from darkmiss.interpret.projection import ProjectionConfig, expected_n90, project, resolve_projection
    from darkmiss.shower.yields import aprime_yields

    masses = list(ProjectionConfig.from_preset("na64-2016").masses)
    rows: list[tuple[str, float]] = []

    t0 = time.perf_counter()
    aprime_yields("na64-2016", [0.01], showers=20, seed=999, kinds=("ww", "etl"))  # numba + tables warm-up
    rows.append(("warm-up (numba load/compile, σ tables, 20 showers)", time.perf_counter() - t0))

    t0 = time.perf_counter()
    aprime_yields(
        "na64-2016", masses, showers=args.showers, seed=1, workers=args.workers, kinds=("ww", "etl")
    )
    rows.append(
        (
            f"yields: {len(masses)} masses x {args.showers} showers, {args.workers} worker(s)",
            time.perf_counter() - t0,
        )
    )

    for b in (0.0, 0.12, 2.79, 28.0):
        setup, _ = resolve_projection("na64-2016", args.eot, masses=[0.01], background=b)
        t0 = time.perf_counter()
        lim = expected_n90(setup, 0.01)
        rows.append(
            (f"expected N90 (exact CLs), b = {b:g}: median {lim.median:.3f}", time.perf_counter() - t0)
        )

    t0 = time.perf_counter()
    pts = project("na64-2016", args.eot, showers=args.showers, seed=2, workers=args.workers)
    rows.append((f"project(): {len(pts)} masses, cold yields", time.perf_counter() - t0))
    t0 = time.perf_counter()
    project("na64-2016", args.eot, showers=args.showers, seed=2, workers=args.workers)
    rows.append(("project(): same call again (yields cached)", time.perf_counter() - t0))

    width = max(len(r[0]) for r in rows)
    print(f"{'step':<{width}}  {'time [s]':>9}")
    for name, dt in rows:
        print(f"{name:<{width}}  {dt:9.2f}")
    print()
    print(
        f"{'mass [GeV]':>10} {'yield_etl':>10} {'eps_etl':>10} {'-1sigma':>10} {'+1sigma':>10} {'y(0.5)':>10} {'alpha_D':>10}"
    )
    for p in pts:
        lo, hi = p.epsilon_etl_band
        print(
            f"{p.mass:10.4g} {p.yield_etl:10.3e} {p.epsilon_etl:10.3e} {lo:10.3e} {hi:10.3e} {p.y:10.3e} {p.alpha_d:10.3e}"
        )


if __name__ == "__main__":
    main()
