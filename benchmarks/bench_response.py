"""Speed of the calorimeter response (fast mode, full events: cells filled), 100 GeV e⁻ in ECAL+HCAL.

Run: python benchmarks/bench_response.py  — prints a table (showers per CPU-second of this process,
i.e. per core; CPU time rather than wall time so that a shared machine does not distort it).
"""

from __future__ import annotations

import time

import numpy as np

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.shower.response import default_settings, em_response, parametrised_deposits, slab_table


def main() -> None:
    setup = SetupGeometry.from_preset(load_preset("na64-2016"))
    rng = np.random.default_rng(1)
    em_response(np.full(5, 100.0), 1.9, 1.9, setup, rng)  # compile + calibrate
    table = slab_table(setup, default_settings().sampling_coefficient)
    rows = []
    for label, particle, e in (
        ("e- 100 GeV, fast (cascade + GFlash)", "e-", 100.0),
        ("mu- 20 GeV", "mu-", 20.0),
    ):
        n = 500
        t0 = time.process_time()
        em_response(np.full(n, e), 1.9, 1.9, setup, rng, particle=particle)
        rows.append((label, n / (time.process_time() - t0)))
    n = 1000
    z = np.zeros(n)
    t0 = time.process_time()
    parametrised_deposits(
        np.arange(n),
        np.full(n, 11),
        np.full(n, 100.0),
        (z, z, z),
        (z, z, z + 1),
        n,
        table,
        np.random.default_rng(3),
    )
    rows.append(("e- 100 GeV, GFlash only (kernel)", n / (time.process_time() - t0)))
    print(f"{'case':40s} {'showers/s':>12s}")
    for label, rate in rows:
        print(f"{label:40s} {rate:12.0f}")


if __name__ == "__main__":
    main()
