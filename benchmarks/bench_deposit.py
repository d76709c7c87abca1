"""Speed of the GFlash spot deposition (:func:`darkmiss.shower.parametrized.deposit_showers`) in ns per spot.

    python benchmarks/bench_deposit.py [--showers N] [--repeat K]

Fixed inputs, the same on every run: (1) the hand-off list of ``N`` 100 GeV e⁻ fast-mode cascades
(split energy of the na64-2016 preset, cascade seed 7), the particles below the split that the
parametrisation deposits in the dimuon, signal and EM events; (2) ``N`` 100 GeV e⁻ starting at the
HCAL face (the HCAL calibration showers). Each kernel call starts from ``default_rng(11)``; the
table gives the best of ``--repeat`` calls in CPU time of this process (so that a shared machine
distorts it less), per spot (Σ n_spots over the particles), and a digest of the deposits, leaks and
the generator's next draw (equal digests: identical results and identical random streams).

The second row of each input is the floor set by the random numbers alone: the same draws from the
kernel's inline PCG64 (:mod:`darkmiss.shower.pcg64`: two normals per shower, the conversion depth of
photons, a gamma and two uniforms per spot) without the geometry. The difference is what the spot
geometry costs.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import time
from collections.abc import Callable

import numba
import numpy as np

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.shower import pcg64
from darkmiss.shower.cascade import Primaries, run_cascade
from darkmiss.shower.geometry import build_geometry
from darkmiss.shower.parametrized import gflash_parameters, n_spots
from darkmiss.shower.response import default_settings, parametrised_deposits, slab_table


@numba.njit(cache=False)
def _draws_only(pid: np.ndarray, energy: np.ndarray, media: np.ndarray, state: np.ndarray) -> float:
    """The draws of deposit_showers without the geometry (medium: ECAL for all)."""
    s = 0.0
    for i in range(energy.size):
        e = energy[i]
        g1 = pcg64.normal(state)
        tmax, alpha = gflash_parameters(e, media[0], g1, pcg64.normal(state))
        beta = (alpha - 1.0) / tmax
        if pid[i] == 22:
            s += pcg64.exponential(state)
        d = alpha - 1.0 / 3.0
        c = 1.0 / math.sqrt(9.0 * d)
        for _ in range(n_spots(e)):
            s += pcg64.gamma_mt(state, d, c) / beta + pcg64.uniform(state) + pcg64.uniform(state)
    return s


def _inputs(showers: int) -> dict[str, dict[str, np.ndarray]]:
    setup = SetupGeometry.from_preset(load_preset("na64-2016"))
    settings = default_settings()
    out = run_cascade(
        Primaries.beam(showers, 100.0),
        build_geometry(setup),
        mode="fast",
        seed=7,
        split_energy=settings.fast_split_gev,
    )
    h = {k: np.asarray(v) for k, v in out.handoff.items()}
    h["n"] = np.array(showers)
    z = np.zeros(showers)
    hcal = {
        "event": np.arange(showers),
        "pid": np.full(showers, 11),
        "energy": np.full(showers, 100.0),
        "x": z,
        "y": z,
        "z": z + setup.hcal_z0_cm,
        "ux": z,
        "uy": z,
        "uz": z + 1.0,
        "n": np.array(showers),
    }
    return {
        f"hand-off of {showers} x 100 GeV e- cascades": h,
        f"{showers} x 100 GeV e- at the HCAL face": hcal,
    }


def _best(fn: Callable[[], object], repeat: int) -> tuple[float, object]:
    best, res = float("inf"), None
    for _ in range(repeat):
        t0 = time.process_time()
        res = fn()
        best = min(best, time.process_time() - t0)
    return best, res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--showers", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    setup = SetupGeometry.from_preset(load_preset("na64-2016"))
    table = slab_table(setup, default_settings().sampling_coefficient)
    media = np.stack([table.ecal.params(), table.hcal.params()])
    rows = []
    for name, h in _inputs(a.showers).items():
        spots = int(sum(n_spots(float(e)) for e in h["energy"]))

        def kernel(h: dict[str, np.ndarray] = h) -> str:
            rng = np.random.default_rng(11)
            dep, leak = parametrised_deposits(
                h["event"],
                h["pid"],
                h["energy"],
                (h["x"], h["y"], h["z"]),
                (h["ux"], h["uy"], h["uz"]),
                int(h["n"]),
                table,
                rng,
            )
            d = hashlib.sha256(dep.tobytes() + leak.tobytes() + rng.random(4).tobytes())
            return d.hexdigest()[:12]

        def draws(h: dict[str, np.ndarray] = h) -> str:
            pid = np.ascontiguousarray(h["pid"], dtype=np.int64)
            energy = np.ascontiguousarray(h["energy"], dtype=np.float64)
            return f"{_draws_only(pid, energy, media, pcg64.state_of(np.random.default_rng(11))):.6g}"

        kernel()  # load the compiled kernels
        draws()
        t_k, dig = _best(kernel, a.repeat)
        t_d, _ = _best(draws, a.repeat)
        rows.append((name, "deposit_showers", spots, t_k, str(dig)))
        rows.append((name, "random draws alone", spots, t_d, ""))
    print(f"{'input':44s} {'kernel':20s} {'spots':>10s} {'CPU s':>8s} {'ns/spot':>8s}  digest")
    for name, what, spots, t, dig in rows:
        print(f"{name:44s} {what:20s} {spots:10d} {t:8.3f} {t / spots * 1e9:8.1f}  {dig}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
