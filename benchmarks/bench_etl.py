"""Speed of the exact-tree-level A′ cross-section and of the k-factor table.

Run: ``python benchmarks/bench_etl.py [--no-table]``. Prints a table:
- numba compilation (cold cache, in a fresh process with an empty NUMBA_CACHE_DIR) and cached start-up;
- σ_ETL for one (m_A′, E0) point at the default 0.5% precision on one core (compile time excluded);
- k-factor lookups from the shipped table (vectorised);
- the default k-factor table (40 masses × 8 energies × Pb, W) on 2 worker processes (written to a temp file).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

_FIRST_CALL = (
    "import time; t0=time.perf_counter(); from darkmiss.physics.etl import sigma_etl; t1=time.perf_counter();"
    "sigma_etl(0.1, 100.0); t2=time.perf_counter(); sigma_etl(0.1, 100.0, seed=1); t3=time.perf_counter();"
    "print(t1-t0, t2-t1, t3-t2)"
)


def _fresh_process(cache_dir: str | None) -> tuple[float, float, float]:
    env = dict(os.environ)
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    out = subprocess.run(
        [sys.executable, "-c", _FIRST_CALL], env=env, capture_output=True, text=True, check=True
    )
    a, b, c = (float(v) for v in out.stdout.split())
    return a, b, c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-table", action="store_true", help="skip the (≈15 s) table build")
    args = ap.parse_args()

    from darkmiss.physics.etl import sigma_etl

    rows: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory() as numba_dir:
        imp, first, second = _fresh_process(numba_dir)
        rows.append(("numba compile, cold cache (first σ_ETL − second)", f"{first - second:.2f} s"))
        imp, first, second = _fresh_process(numba_dir)
        rows.append(("start-up with cached kernels (first σ_ETL − second)", f"{first - second:.2f} s"))
        rows.append(("import darkmiss.physics.etl (cached kernels)", f"{imp:.2f} s"))

    sigma_etl(0.1, 100.0)  # compile / load in this process
    points = [(0.001, 100.0), (0.01, 100.0), (0.1, 100.0), (1.0, 100.0), (3.0, 10.0), (0.001, 200.0)]
    for m, e in points:
        n = 5
        t0 = time.perf_counter()
        for s in range(n):
            r = sigma_etl(m, e, seed=s)
        dt = (time.perf_counter() - t0) / n
        rows.append(
            (f"σ_ETL m={m:g} GeV, E0={e:g} GeV, one core", f"{dt * 1e3:.1f} ms (rel. err {r.rel_err:.2%})")
        )

    import numpy as np

    from darkmiss.physics.kfactor import kfactor

    kfactor(0.1, 100.0)
    mm, ee = np.meshgrid(np.geomspace(1e-3, 3.0, 1000), np.linspace(50.0, 100.0, 100))
    t0 = time.perf_counter()
    kfactor(mm, ee, "Pb")
    dt = time.perf_counter() - t0
    rows.append(("k-factor table lookup, 10^5 (m, E0) points", f"{dt * 1e3:.0f} ms"))

    if not args.no_table:
        from darkmiss.physics.kfactor import build_table, load_table

        with tempfile.TemporaryDirectory() as d:
            t0 = time.perf_counter()
            path = build_table(workers=2, out=os.path.join(d, "k.npz"))
            dt = time.perf_counter() - t0
            t = load_table(path)
            assert t is not None
            size = os.path.getsize(path)
            rows.append(
                (
                    f"default table {len(t.masses)}×{len(t.energies)}×{len(t.targets)}, 2 workers",
                    f"{dt:.1f} s ({size / 1024:.0f} KiB, max rel. err {(t.k_err / t.k).max():.2%})",
                )
            )

    w = max(len(a) for a, _ in rows)
    print(f"{'benchmark':<{w}}  result")
    print("-" * (w + 30))
    for a, b in rows:
        print(f"{a:<{w}}  {b}")


if __name__ == "__main__":
    main()
