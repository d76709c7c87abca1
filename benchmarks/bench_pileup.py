"""Benchmark of the ECAL pile-up fit (spec Sec. VI.A, ``darkmiss.reco.pileup.remove_pileup``).

Simulates run III pseudo-data dimuons (data mode: pile-up at the run's instantaneous rates, waveforms
of every triggered event), then times the fit of all their cells, warm (numba compiled beforehand).
Prints a table with the fitted events per second and a digest of the fit's output, to compare two
versions of the code on the same events (``--events``: fit the event files under that folder instead, e.g.
``OUT/stages/data/physics/III/dimuon`` of a reproduction, when the versions simulate different events).
No assertions.

    python benchmarks/bench_pileup.py [--eot 1e8] [--events DIR] [--repeat 3]
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

import numpy as np

from darkmiss.config.load import load_preset
from darkmiss.detsim.generate import simulate
from darkmiss.events.io import read_events
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.pileup import remove_pileup


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--eot", type=float, default=1e8, help="EOT of run III dimuons to simulate")
    ap.add_argument("--events", type=Path, default=None, help="fit these event files instead of simulating")
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions (the best is shown)")
    args = ap.parse_args()
    preset = load_preset("na64-2016")
    cfg = AnalysisConfig.from_preset(preset).pileup
    if args.events is not None:
        a = read_events(args.events).arrays
    else:
        with tempfile.TemporaryDirectory() as tmp:
            simulate(preset, "III", "data", Path(tmp), processes=["dimuon"], eot=args.eot, seed=0)
            a = read_events(Path(tmp)).arrays
    inputs = (a["ecal_waveforms"], a["has_waveforms"], a["ecal_cells"] + a["ps_cells"], a["ecal_time"], cfg)
    remove_pileup(*(x[:20] for x in inputs[:4]), cfg)  # compile
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        res = remove_pileup(*inputs)
        times.append(time.perf_counter() - t0)
    digest = hashlib.sha1(
        np.concatenate(
            [
                res.scale.ravel(),
                res.time.ravel(),
                res.n_pulses.ravel().astype(float),
                res.timing_ok.astype(float),
            ]
        ).tobytes()
    ).hexdigest()[:12]
    n = len(a["event_id"])
    fitted = int((res.n_pulses > 0).sum())
    multi = int((res.n_pulses > 1).sum())
    best = min(times)
    print("| events | cells fitted | cells with pile-up pulses | best of runs [s] | events/s | digest |")
    print("|---|---|---|---|---|---|")
    print(f"| {n} | {fitted} | {multi} | {best:.3f} | {n / best:.0f} | {digest} |")


if __name__ == "__main__":
    main()
