"""Timing of the analytic physics: σ_ww, σ_iww, σ_μμ and χ for 1000 points each.

Run: ``python benchmarks/bench_physics.py [--points N] [--repeat R]``; prints a table (best of R).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from darkmiss.physics.aprime import dsigma_dx_iww, sigma_iww, sigma_ww
from darkmiss.physics.formfactors import chi_flux, chi_flux_numeric
from darkmiss.physics.muonpair import sample_x, sigma_total


def _best(fn: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--points", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    n = args.points
    masses = np.geomspace(0.002, 1.0, n)
    energies = np.geomspace(1.0, 1000.0, n)
    xs = np.linspace(0.01, 0.99, n)
    rng = np.random.default_rng(1)
    cases: list[tuple[str, Callable[[], object], int]] = [
        ("chi_flux (closed form, Pb)", lambda: chi_flux(masses**4 / 4e4, masses**2, 82, 207.2), n),
        (
            "chi_flux_numeric (quad, Pb)",
            lambda: chi_flux_numeric(masses[:100] ** 4 / 4e4, masses[:100] ** 2, 82, 207.2),
            100,
        ),
        ("sigma_ww (Eq. 9, Pb, 100 GeV)", lambda: sigma_ww(masses, 100.0, "Pb"), n),
        ("dsigma_dx_iww (Pb, m=0.1)", lambda: dsigma_dx_iww(xs, 0.1, 100.0, "Pb"), n),
        ("sigma_iww (quad, Pb, 100 GeV)", lambda: sigma_iww(masses, 100.0, "Pb"), n),
        ("sigma_total mu-pair (Eq. 22, Pb)", lambda: sigma_total(energies, "Pb"), n),
        ("sample_x mu-pair (10 GeV, Pb)", lambda: sample_x(10.0, "Pb", rng, 100_000), 100_000),
    ]
    print(f"{'function':<36} {'points':>8} {'total [ms]':>12} {'per point [us]':>16}")
    print("-" * 76)
    for name, fn, npts in cases:
        t = _best(fn, args.repeat)
        print(f"{name:<36} {npts:>8} {1e3 * t:>12.2f} {1e6 * t / npts:>16.2f}")


if __name__ == "__main__":
    main()
