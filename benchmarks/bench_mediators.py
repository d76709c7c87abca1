"""σ_ETL and k = σ_WW/σ_ETL for every mediator, and the speed of one σ_ETL point and of 50-mass yields.

Run: ``python benchmarks/bench_mediators.py [--yields] [--workers 2]``. Prints (docs/physics-mediators.md):
- σ_ETL [pb] at ε = 1e-4, electrons on Pb, E0 = 100 and 20 GeV, m = 1 MeV–1 GeV, with its vegas error and
  k = σ_WW/σ_ETL, for the vector, scalar, pseudoscalar and axial mediators, each point timed (after compilation);
- with ``--yields``: the wall and CPU time of yields for 50 masses (2 MeV–1 GeV) of one mediator at ≤ 1% statistical
  error (6000 showers) from a cold cross-section cache, for e- and for mu- beams.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

MASSES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
MEDIATORS = ("vector", "scalar", "pseudoscalar", "axial")


def cross_sections() -> None:
    """The σ_ETL and k table."""
    from darkmiss.physics.etl import sigma_etl
    from darkmiss.physics.ww_mediators import sigma_ww_mediator

    sigma_etl(0.01, 100.0, mediator="axial")  # compile
    print("| E0 [GeV] | mediator | " + " | ".join(f"{1e3 * m:g} MeV" for m in MASSES) + " |")
    print("|---|---|" + "---|" * len(MASSES))
    times, cpu = [], []
    for energy in (100.0, 20.0):
        for med in MEDIATORS:
            cells = []
            for m in MASSES:
                t0, c0 = time.perf_counter(), time.process_time()
                r = sigma_etl(m, energy, epsilon=1e-4, mediator=med)
                times.append(time.perf_counter() - t0)
                cpu.append(time.process_time() - c0)
                k = float(sigma_ww_mediator(m, energy, "Pb", 1e-4, mediator=med)) / r.sigma_pb
                cells.append(f"{r.sigma_pb:.4g} ({100 * r.rel_err:.2f}%), k = {k:.3f}")
            print(f"| {energy:g} | {med} | " + " | ".join(cells) + " |")
    med_wall, med_cpu = sorted(times)[len(times) // 2], sorted(cpu)[len(cpu) // 2]
    print(
        f"\none σ_ETL point at 0.5%: wall median {1e3 * med_wall:.0f} ms (max {1e3 * max(times):.0f} ms), "
        f"CPU median {1e3 * med_cpu:.0f} ms (max {1e3 * max(cpu):.0f} ms)"
    )


def _cpu() -> float:
    """CPU seconds of this process and of its finished worker processes (the pools are closed after each map)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def yields(workers: int) -> None:
    """Wall time of 50-mass yields from a cold cross-section cache (numba already compiled)."""
    import numpy as np

    from darkmiss.shower.yields import aprime_yields

    masses = np.geomspace(0.002, 1.0, 50)
    for med, beam, showers in (("scalar", "e-", 6000), ("axial", "e-", 6000), ("vector", "mu-", None)):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["DARKMISS_CACHE"] = tmp
            t0, c0 = time.perf_counter(), _cpu()
            res = aprime_yields(
                "na64-2016", masses, showers=showers, kinds=("ww", "etl"), workers=workers, seed=1,
                mediator=med, beam=beam,
            )  # fmt: skip
            dt, dc = time.perf_counter() - t0, _cpu() - c0
        rel = max(y.yield_etl_err / y.yield_etl for y in res)
        print(
            f"yields, 50 masses, {med}, {beam}: {dt:.1f} s wall, {dc:.1f} s CPU (this process and its workers), "
            f"largest relative error {100 * rel:.2f}%"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--yields", action="store_true", help="also time the 50-mass yields")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--no-xsec", action="store_true", help="skip the σ_ETL table")
    args = ap.parse_args()
    if not args.no_xsec:
        cross_sections()
    if args.yields:
        yields(args.workers)


if __name__ == "__main__":
    main()
