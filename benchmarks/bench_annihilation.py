"""Positron track length, resonant-annihilation yields and their speed (docs/annihilation.md).

Run: python benchmarks/bench_annihilation.py [--workers 2] — prints the numbers quoted in
docs/annihilation.md:

1. positron track length T₊(>E) of 100 GeV e⁻ in Pb above 1, 10, 50 GeV, with the engine's
   defaults and with LPM/dielectric suppression off, against Rossi's approximation A;
2. T₊(>E) per EOT in the NA64 ECAL, lead and scintillator apart;
3. annihilation yields for 50 masses (2 MeV – 1 GeV) at the default statistics: wall time with a
   cold cache, largest statistical error where the pole is reachable (E_R ≤ E0);
4. the narrow-width identity Y = n_e (dT₊/dE)(E_R) 2π²α B_inv/m_e on the shower's tally;
5. the ratio to the bremsstrahlung (ETL) yield at 0.25 GeV;
6. the Doppler broadening estimate: the yields with the Pb electrons' momenta folded in.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import resource
import tempfile
import time

import numpy as np

from darkmiss.constants import ALPHA, GEV2_TO_PB, M_E, PB_TO_CM2
from darkmiss.physics.annihilation import Resonance, sigma_pb, vector_resonance
from darkmiss.shower.annihilation import annihilation_yield, annihilation_yields, positron_tally
from darkmiss.shower.cascade import Primaries, run_cascade
from darkmiss.shower.geometry import Geometry, build_slab_geometry
from darkmiss.shower.tally import PositronTally, log_edges, rossi_positron_track_length
from darkmiss.shower.yields import aprime_yields

#: Pb sub-shell binding energies [keV] and occupations (X-ray Data Booklet, LBNL, Table 1-1, after
#: Bearden & Burr 1967; 6s/6p from the first ionisation energies).
PB_SHELLS = (
    (88.005, 2), (15.861, 2), (15.200, 2), (13.035, 4), (3.851, 2), (3.554, 2), (3.066, 4),
    (2.586, 4), (2.484, 6), (0.891, 2), (0.761, 2), (0.645, 4), (0.435, 4), (0.413, 6),
    (0.143, 6), (0.138, 8), (0.147, 2), (0.106, 2), (0.083, 4), (0.020, 4), (0.018, 6),
    (0.015, 2), (0.0074, 2),
)  # fmt: skip
#: Total kinetic energy of the Pb atom's electrons = −E_HF (virial theorem), E_HF = −19523 hartree
#: (Bunge, Barrientos, Bunge, At. Data Nucl. Data Tables 53, 113 (1993)) [keV].
PB_KINETIC_KEV = 19523.0 * 27.211386e-3


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the worker pool)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _no_lpm(g: Geometry) -> Geometry:
    mt = g.mat_table.copy()
    mt[1:, 5] = 1e30
    mt[1:, 6] = 0.0
    return dataclasses.replace(g, mat_table=mt)


def _pb_tally(geom: Geometry, n: int, emin: float) -> PositronTally:
    out = run_cascade(
        Primaries.beam(n, 100.0), geom, mode="yield", seed=1, ecut=0.01, kc=0.01, yield_emin=emin,
        positron_edges=log_edges(emin, 100.01, 50),
    )  # fmt: skip
    assert out.positrons is not None
    return out.positrons


def track_lengths() -> None:
    """Section 1: pure Pb against Rossi's approximation A."""
    pb = build_slab_geometry("Pb", 40.0, n_slices=40)
    row = pb.mat_table[pb.materials.index("Pb")]
    x0, b = 1.0 / row[0], row[1] / row[0]
    print(f"1. T+(>E) of 100 GeV e- in Pb [X0 = {x0:.4f} cm]; Rossi A with Tsai's b = {b:.4f}")
    print("   E [GeV]   engine (LPM on)        LPM/dielectric off     Rossi A   on/A   off/A")
    for emin, n, energies in ((1.0, 20_000, (1.0, 10.0)), (30.0, 300_000, (50.0,))):
        on, off = _pb_tally(pb, n, emin), _pb_tally(_no_lpm(pb), n, emin)
        for e in energies:
            a = rossi_positron_track_length(e, 100.0, b)
            (v1, e1), (v2, e2) = on.above(e), off.above(e)
            print(
                f"   {e:5.0f}   {v1 / x0:8.4f} ± {e1 / x0:.4f} X0   {v2 / x0:8.4f} ± {e2 / x0:.4f} X0"
                f"   {a:8.4f}   {v1 / x0 / a:.3f}  {v2 / x0 / a:.3f}"
            )


def ecal_track_lengths(workers: int) -> None:
    """Section 2: the NA64 ECAL per EOT."""
    tal = positron_tally("na64-2016", emin=1.0, per_decade=50, showers=20_000, seed=2, workers=workers)
    print("2. T+(>E) per EOT in the NA64 ECAL (preshower + ECAL), 100 GeV e-")
    for e in (1.0, 10.0, 50.0):
        cells = [f"{m} {v:.4f} ± {err:.4f} cm" for m in tal.materials for v, err in [tal.above(e, m)]]
        print(f"   > {e:4.0f} GeV: " + ", ".join(cells))


def yields_speed(workers: int) -> list[float]:
    """Section 3: 50 masses, cold cache; returns the masses."""
    masses = list(np.geomspace(0.002, 1.0, 50))
    t0, c0 = time.perf_counter(), _cpu()
    ys = annihilation_yields("na64-2016", masses, workers=workers)
    wall, cpu = time.perf_counter() - t0, _cpu() - c0
    reach = [y for y in ys if y.resonance_energy <= y.energy]
    worst = max(y.yield_annihilation_err / y.yield_annihilation for y in reach)
    print(
        f"3. 50 masses 2 MeV-1 GeV, {ys[0].showers} showers, {workers} workers: {wall:.1f} s wall,"
        f" {cpu:.1f} CPU-s (this process and its workers; wall ≈ CPU/{workers} on {workers} idle cores)"
    )
    print(f"   largest statistical error with E_R <= E0 (m <= 0.32 GeV): {100 * worst:.2f}%")
    for y in ys:
        if 0.15 < y.mass < 0.45:
            print(
                f"   m = {y.mass:.4f} GeV  E_R = {y.resonance_energy:6.1f} GeV  Y = {y.yield_annihilation:.3e}"
                f" ± {100 * y.yield_annihilation_err / y.yield_annihilation:.2f}%"
            )
    return masses


def narrow_width(workers: int) -> None:
    """Section 4: the narrow-width identity on the default tally (Σ over 100 pole energies)."""
    tal = positron_tally("na64-2016", workers=workers)
    c = tal.centers
    fits = []
    for m in tal.materials:
        d, de = tal.differential(m)
        ok = d > 0
        fits.append(np.polyfit(np.log(c[ok]), np.log(d[ok]), 3, w=d[ok] / de[ok]))
    k = 2 * math.pi**2 * ALPHA / M_E * GEV2_TO_PB * PB_TO_CM2
    ys, refs = [], []
    for er in np.linspace(52.0, 95.0, 100):
        mass = math.sqrt(2 * M_E * (er + M_E))
        g = 1e-4 * mass
        res = Resonance(mass, g, lambda x, g=g: np.full(np.shape(x), g), 1.0)
        ys.append(annihilation_yield(tal, res, 50.0)[0])
        refs.append(
            sum(
                n * math.exp(np.polyval(p, math.log(er)))
                for n, p in zip(tal.electron_density, fits, strict=True)
            )
        )
    print(
        f"4. narrow width (Γ/m = 1e-4), Σ over 100 E_R in 52-95 GeV: Y/ref - 1 = {sum(ys) / (k * sum(refs)) - 1:+.4f}"
    )


def brems_ratio(workers: int) -> None:
    """Section 5: annihilation / bremsstrahlung at 0.25 GeV."""
    a = annihilation_yields("na64-2016", [0.25], workers=workers)[0]
    b = aprime_yields("na64-2016", [0.25], kinds=("ww", "etl"), workers=workers)[0]
    print(
        f"5. m = 0.25 GeV: Y_ann = {a.yield_annihilation:.3e}, Y_brems(ETL) = {b.yield_etl:.3e},"
        f" (WW) = {b.yield_ww:.3e}; ratio to ETL {a.yield_annihilation / b.yield_etl:.1f}"
    )


def _doppler_sigma(e: np.ndarray, res: Resonance, kinetic_scale: float) -> np.ndarray:
    """σ on Pb electrons with their momenta (impulse approximation): s = 2 m_e E (1 − q/m_e),
    flux factor (1 − q/m_e), q the electron momentum along the positron; per sub-shell a hydrogenic
    1s Compton profile J(q) = 8/(3π p0) (1 + q²/p0²)⁻³, p0² = 2 m_e B × ``kinetic_scale``."""
    q = np.linspace(-0.9, 0.9, 721) * M_E
    out = np.zeros_like(e)
    z = sum(n for _, n in PB_SHELLS)
    for b_kev, n in PB_SHELLS:
        p0 = math.sqrt(2 * M_E * b_kev * 1e-6 * kinetic_scale)
        j = 8 / (3 * math.pi * p0) / (1 + (q / p0) ** 2) ** 3
        j /= np.trapezoid(j, q)
        f = 1 - q / M_E
        sig = sigma_pb((e[:, None] + M_E) * f[None, :] - M_E, res)
        out += n / z * np.trapezoid(j[None, :] * f[None, :] * sig, q, axis=1)
    return out


def doppler(workers: int, masses: list[float]) -> None:
    """Section 6: yields with and without the Pb electron momenta (Sc electrons at rest)."""
    tal = positron_tally("na64-2016", workers=workers)
    bind = sum(b * n for b, n in PB_SHELLS)
    scale = PB_KINETIC_KEV / bind
    e = np.linspace(tal.edges[0], tal.edges[-1], 501)
    dpb = np.interp(e, tal.centers, tal.differential("Pb")[0])
    dsc = np.interp(e, tal.centers, tal.differential("Sc")[0])
    n_pb, n_sc = tal.electron_density
    print(f"6. Doppler broadening (Pb shells; Σ binding {bind:.0f} keV, HF kinetic {PB_KINETIC_KEV:.0f} keV)")
    rms = math.sqrt(sum(n * 2 * M_E * b * 1e-6 for b, n in PB_SHELLS) / 82 / 3) / M_E
    print(f"   rms q/m_e over the 82 electrons: {rms:.3f} (binding) / {rms * math.sqrt(scale):.3f} (kinetic)")
    for m in [x for x in masses if 0.18 < x < 0.42] + [0.25]:
        res = vector_resonance(m)
        s0 = sigma_pb(e, res)
        base = np.trapezoid((n_pb * dpb + n_sc * dsc) * s0, e)
        cells = []
        for sc in (1.0, scale):
            smeared = np.trapezoid(n_pb * dpb * _doppler_sigma(e, res, sc) + n_sc * dsc * s0, e)
            cells.append(f"{smeared / base - 1:+.3f}")
        print(f"   m = {m:.4f} GeV: Y_Doppler/Y_rest - 1 = {cells[0]} (binding), {cells[1]} (kinetic)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    os.environ.setdefault("DARKMISS_CACHE", tempfile.mkdtemp(prefix="darkmiss-bench-"))
    masses = yields_speed(args.workers)
    track_lengths()
    ecal_track_lengths(args.workers)
    narrow_width(args.workers)
    brems_ratio(args.workers)
    doppler(args.workers, masses)


if __name__ == "__main__":
    main()
