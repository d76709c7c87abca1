"""Speed of the explicit cascade and the A′ yields (speed targets: see below).

Run: python benchmarks/bench_shower.py  — prints a table. Rates are per CPU-second of this process
(i.e. per core; CPU time so that a shared machine does not distort them).

- yield-only mode, 100 GeV e⁻, A′ threshold 50 GeV (target ≥ 20,000 showers/s per core);
- one mass point's yield_etl at 1% statistical precision (target ≤ 10 s per core);
- fast mode explicit part (split 1 GeV, cells filled by the cascade, hand-off list for GFlash);
- detailed mode (1 MeV cuts), 10 and 100 GeV e⁻.
"""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np

from darkmiss.config.load import load_preset
from darkmiss.shower.cascade import Primaries, run_cascade
from darkmiss.shower.xsec_tables import aprime_tables
from darkmiss.shower.yields import ShowerSettings, aprime_yields, setup_geometry


def _rate(fn, n: int) -> float:
    t0 = time.process_time()
    fn()
    return n / (time.process_time() - t0)


def main() -> None:
    os.environ.setdefault("DARKMISS_CACHE", tempfile.mkdtemp(prefix="darkmiss-bench-"))
    pre = load_preset("na64-2016")
    cfg = ShowerSettings.from_preset(pre)
    geom = setup_geometry(pre)
    tab, _ = aprime_tables(0.0167, 50.0, 100.0, "Pb", ("ww", "etl"))
    # warm-up (numba compilation from the cache)
    run_cascade(Primaries.beam(10, 100.0), geom, mode="yield", seed=0, kc=cfg.yield_kc, yield_table=tab)
    run_cascade(Primaries.beam(2, 10.0), geom, mode="detailed", seed=0, ecut=cfg.ecut)
    run_cascade(Primaries.beam(2, 100.0), geom, mode="fast", seed=0, ecut=cfg.fast_kc, kc=cfg.fast_kc)
    rows: list[tuple[str, str]] = []
    n = 50000
    r = _rate(
        lambda: run_cascade(
            Primaries.beam(n, 100.0), geom, mode="yield", seed=1, kc=cfg.yield_kc, yield_table=tab
        ),
        n,
    )
    rows.append(("yield-only, 100 GeV e-, E_A' > 50 GeV", f"{r:,.0f} showers/s"))
    # 1% on yield_etl: the per-shower relative spread s gives N = (s/0.01)^2 showers
    out = run_cascade(
        Primaries.beam(20000, 100.0), geom, mode="yield", seed=2, kc=cfg.yield_kc, yield_table=tab
    )
    y = out.yields[:, 1]
    n1 = int(np.ceil((y.std() / y.mean() / 0.01) ** 2))
    t0 = time.process_time()
    res = aprime_yields(pre, [0.02], showers=n1, seed=3, kinds=("ww", "etl"))[0]  # tables built inside
    dt = time.process_time() - t0
    rows.append(
        (
            f"yield_etl at 1% (m=20 MeV, {n1} showers)",
            f"{dt:.2f} s (rel. err {res.yield_etl_err / res.yield_etl:.4f})",
        )
    )
    n = 300
    r = _rate(
        lambda: run_cascade(
            Primaries.beam(n, 100.0),
            geom,
            mode="fast",
            seed=4,
            ecut=cfg.fast_kc,
            kc=cfg.fast_kc,
            split_energy=cfg.split_energy,
        ),
        n,
    )
    rows.append((f"fast explicit part, 100 GeV e-, split {cfg.split_energy:g} GeV", f"{r:,.0f} showers/s"))
    for e, n in ((10.0, 50), (100.0, 5)):
        r = _rate(
            lambda e=e, n=n: run_cascade(Primaries.beam(n, e), geom, mode="detailed", seed=5, ecut=cfg.ecut),
            n,
        )
        rows.append((f"detailed, {e:g} GeV e- (1 MeV cuts)", f"{r:,.1f} showers/s"))
    print(f"{'case':52s} {'result':>30s}")
    for label, val in rows:
        print(f"{label:52s} {val:>30s}")


if __name__ == "__main__":
    main()
