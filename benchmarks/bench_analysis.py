"""Benchmark of `darkmiss analyze` on toy pseudo-data of the size of the 2016 selected sample.

The spec (Sec. IV) has ~7e4 events after the primary selection in the full 2016 data; this
benchmark writes ~1e5 data-mode events (three runs, with waveforms and 5% out-of-time pile-up)
and ~4e4 MC events (signal at two masses, dimuons, calibration), then times the analysis with 1
and 2 workers (numba kernels compiled once beforehand). Prints a table; no assertions.

    python benchmarks/bench_analysis.py [--scale 1.0]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from darkmiss.analysis.pseudodata import write_mc, write_pseudodata
from darkmiss.analysis.run import analyze
from darkmiss.config.load import load_preset
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.pileup import pulse_samples, remove_pileup


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0, help="multiply the event counts")
    args = ap.parse_args()
    cfg = AnalysisConfig.from_preset(load_preset("na64-2016"))
    s = args.scale
    runs = {
        r: {
            "n_em": int(20000 * s * f),
            "n_upstream": int(3000 * s * f),
            "slope": 0.3,
            "n_hadronic": int(5000 * s * f),
            "n_dimuon": int(4000 * s * f),
            "n_cal": int(2000 * s * f),
            "track_loss": loss,
            "pileup_prob": 0.05,
            "eot": eot,
            "intensity": inten,
        }
        for r, f, loss, eot, inten in (
            ("I", 0.5, 0.08, 2.3e10, 1.8e6),
            ("II", 0.25, 0.15, 1.1e10, 3.2e6),
            ("III", 0.25, 0.19, 0.9e10, 4.6e6),
        )
    }
    # compile the kernels once
    w = np.zeros((1, 6, 6, 32), np.float32)
    w[0, 2, 2] = pulse_samples(5.0, 0.0, cfg.pileup)
    remove_pileup(w, np.ones(1, bool), w.sum(-1), np.zeros((1, 6, 6)), cfg.pileup)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        t0 = time.perf_counter()
        write_pseudodata(base / "data", cfg, 1, runs=runs)
        write_mc(
            base / "mc",
            cfg,
            2,
            n_signal=int(10000 * s),
            n_dimuon=int(15000 * s),
            n_cal=int(5000 * s),
            dimuon_eot=1e11,
        )
        t_write = time.perf_counter() - t0
        n_data = sum(sum(v for k, v in r.items() if k.startswith("n_")) for r in runs.values())
        n_mc = int(2 * 10000 * s + 15000 * s + 5000 * s)
        # pile-up removal alone
        from darkmiss.events.io import read_events

        ev = read_events(
            base / "data" / "runI.root", ["ecal_waveforms", "has_waveforms", "ecal_cells", "ecal_time"]
        )
        t0 = time.perf_counter()
        remove_pileup(
            ev.arrays["ecal_waveforms"],
            ev.arrays["has_waveforms"],
            ev.arrays["ecal_cells"],
            ev.arrays["ecal_time"],
            cfg.pileup,
        )
        t_pu = time.perf_counter() - t0
        rows.append(("pile-up removal (run I file)", ev.n, t_pu, 1e6 * t_pu / max(ev.n, 1)))
        for workers in (1, 2):
            t0 = time.perf_counter()
            analyze(
                base / "data",
                base / "mc",
                base / f"out{workers}",
                "na64-2016",
                workers=workers,
                figures=False,
            )
            dt = time.perf_counter() - t0
            rows.append(
                (f"analyze, {workers} worker(s), no figures", n_data + n_mc, dt, 1e6 * dt / (n_data + n_mc))
            )
        t0 = time.perf_counter()
        analyze(base / "data", base / "mc", base / "outf", "na64-2016", workers=2, figures=True)
        dt = time.perf_counter() - t0
        rows.append(("analyze, 2 workers, with figures", n_data + n_mc, dt, 1e6 * dt / (n_data + n_mc)))
    print(f"toy production (write): {t_write:.1f} s; data events {n_data}, MC events {n_mc}")
    print(f"{'step':40s} {'events':>9s} {'wall [s]':>9s} {'us/event':>9s}")
    for name, n, t, per in rows:
        print(f"{name:40s} {n:9d} {t:9.2f} {per:9.1f}")


if __name__ == "__main__":
    main()
