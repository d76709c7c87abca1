"""Speed of the limit calculation (target: 50 masses in <= 1 minute on 2 cores, headline method).

Run: python benchmarks/bench_limits.py [--masses 50] [--workers 2]
Prints a table: method, masses, workers, wall time [s], time per mass [s].
The analysis is synthetic (three runs with the 2016 exposures, zero observed events and an
observed-count variant); the yields are smooth functions of the mass.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from darkmiss.analysis.result import AnalysisResult, RunAnalysis
from darkmiss.stats.limits import SimpleYield, compute_limits

SYST = {
    "eot": 0.02,
    "cross_section": 0.1,
    "primary_selection": 0.04,
    "ecal": 0.02,
    "reweighting": 0.07,
    "v2": 0.03,
    "hcal": 0.02,
}


def analysis(observed: tuple[int, int, int]) -> AnalysisResult:
    masses = list(np.geomspace(1e-3, 1.0, 10))
    runs = [
        RunAnalysis(
            run=name,
            eot=eot,
            intensity=1e6,
            observed=ob,
            background=b,
            background_err=0.3 * b,
            efficiency_masses=masses,
            efficiency=[eff * (1 - 0.3 * math.log10(m / 1e-3) / 3) for m in masses],
            systematics=dict(SYST),
        )
        for (name, eot, eff, b), ob in zip(
            [("I", 2.3e10, 0.55, 0.04), ("II", 1.1e10, 0.5, 0.03), ("III", 0.9e10, 0.45, 0.05)],
            observed,
            strict=False,
        )
    ]
    return AnalysisResult("na64-2016", False, 50.0, 1.0, True, 50.0, runs)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--masses", type=int, default=50)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--asymptotic", action="store_true", help="also time the pyhf asymptotic column")
    args = ap.parse_args()
    ys = [
        SimpleYield(
            m,
            2e-5 * (0.01 / m) ** 2,
            1.8e-5 * (0.01 / m) ** 2,
            1.7e-5 * (0.01 / m) ** 2,
            1.8e-7 * (0.01 / m) ** 2,
        )
        for m in np.geomspace(1e-3, 1.0, args.masses)
    ]
    compute_limits(analysis((0, 0, 0)), ys[:1], asymptotic=False)  # numba compilation / imports
    print(f"{'case':<28} {'masses':>6} {'workers':>7} {'wall [s]':>9} {'per mass [s]':>12}")
    for label, obs in [("exact, n = (0,0,0)", (0, 0, 0)), ("exact, n = (1,0,1)", (1, 0, 1))]:
        t0 = time.perf_counter()
        compute_limits(analysis(obs), ys, asymptotic=args.asymptotic, workers=args.workers)
        dt = time.perf_counter() - t0
        print(f"{label:<28} {len(ys):>6} {args.workers:>7} {dt:>9.2f} {dt / len(ys):>12.3f}")


if __name__ == "__main__":
    main()
