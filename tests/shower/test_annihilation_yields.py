"""Tests of the positron track-length tally and the resonant-annihilation yields
(darkmiss.shower.cascade positron tally, darkmiss.shower.tally.PositronTally, darkmiss.shower.annihilation).

References: Rossi's approximation A (Rossi, High-Energy Particles (1952), §5.5) with Tsai's
complete-screening cross-sections (RMP 46, 815, Eqs. 3.83–3.84) for the positron track length of a
shower, computed by :func:`darkmiss.shower.tally.rossi_positron_track_length` (an independent
Mellin-space calculation); the narrow-width yield n_e (dT₊/dE)(E_R) 2π²αε² B_inv / m_e.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from darkmiss.config.load import load_preset
from darkmiss.constants import ALPHA, GEV2_TO_PB, M_E, PB_TO_CM2
from darkmiss.errors import UserInputError
from darkmiss.physics.annihilation import Resonance
from darkmiss.physics.materials import get_material
from darkmiss.shower.annihilation import annihilation_yield, annihilation_yields, fold_weights, positron_tally
from darkmiss.shower.cascade import PID_EM, PID_EP, Primaries, run_cascade
from darkmiss.shower.geometry import Geometry, build_slab_geometry
from darkmiss.shower.tally import PositronTally, log_edges, rossi_positron_track_length
from darkmiss.shower.yields import setup_geometry

#: 2π²α/m_e [pb·GeV → per unit B_inv] × pb → cm²: the narrow-width ∫σ dE of a vector at ε = 1.
NARROW = 2 * math.pi**2 * ALPHA / M_E * GEV2_TO_PB * PB_TO_CM2


def _narrow(mass: float, ratio: float = 1e-4) -> Resonance:
    g = ratio * mass
    return Resonance(mass, g, lambda m: np.full(np.shape(m), g), 1.0, "narrow")


def _no_lpm(g: Geometry) -> Geometry:
    """The geometry with LPM and dielectric suppression switched off (E_LPM → ∞, ħω_p → 0)."""
    mt = g.mat_table.copy()
    mt[1:, 5] = 1e30
    mt[1:, 6] = 0.0
    return dataclasses.replace(g, mat_table=mt)


def _tally(geom: Geometry, n: int, e0: float, emin: float, seed: int, pid: int = PID_EM) -> PositronTally:
    out = run_cascade(
        Primaries.beam(n, e0, pid), geom, mode="yield", seed=seed, ecut=0.01, kc=0.01, yield_emin=emin,
        positron_edges=log_edges(emin, e0 * 1.0001, 50),
    )  # fmt: skip
    assert out.positrons is not None
    return out.positrons


def test_single_shower_moments_and_fold_error():
    # One shower: the second-moment matrix is the outer product of its row (kernel flush); merged
    # single-shower tallies give the fold's error = standard error of the per-shower folds.
    geom = setup_geometry("na64-2016")
    parts = [_tally(geom, 1, 100.0, 5.0, seed) for seed in range(12)]
    w = np.random.default_rng(1).uniform(0.5, 2.0, parts[0].total.shape)
    for p in parts:
        t = p.total.ravel()
        np.testing.assert_allclose(p.cov, np.outer(t, t), rtol=1e-12, atol=0.0)
    merged = parts[0]
    for p in parts[1:]:
        merged = merged.merge(p)
    per = np.array([float((w * p.total).sum()) for p in parts])
    assert per.max() > 0
    mean, err = merged.fold(w)
    assert mean == pytest.approx(per.mean(), rel=1e-12)
    assert err == pytest.approx(per.std(ddof=1) / math.sqrt(per.size), rel=1e-9)
    # per-bin errors of dT₊/dE likewise
    d, de = merged.differential("Pb")
    rows = np.array([p.total[0] for p in parts]) / np.diff(merged.edges)
    np.testing.assert_allclose(d, rows.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(de, rows.std(axis=0, ddof=1) / math.sqrt(len(parts)), rtol=1e-9, atol=1e-300)


def test_thin_target_track_length():
    # 10 GeV e⁺ through 1e-3 X0 of Pb: T₊ = the thickness (multiple-scattering path excess ~1e-6),
    # in the bin of 10 GeV; an e⁻ beam makes no positron above 1 GeV there (pairs of pairs: 1e-7).
    geom = build_slab_geometry("Pb", 1e-3, n_slices=1)
    p = _tally(geom, 50, 10.0, 1.0, 3, PID_EP)
    assert p.above(1.0)[0] == pytest.approx(geom.length_cm, rel=1e-4)
    assert p.total[0, np.searchsorted(p.edges, 10.0) - 1] == pytest.approx(50 * geom.length_cm, rel=1e-4)
    assert _tally(geom, 50, 10.0, 1.0, 3, PID_EM).total.sum() == 0.0


def test_lead_and_scintillator_apart():
    geom = setup_geometry("na64-2016")
    p = _tally(geom, 400, 100.0, 10.0, 4)
    assert p.materials == ("Pb", "Sc")
    for m, n_e in zip(p.materials, p.electron_density, strict=True):
        assert n_e == pytest.approx(get_material(m).electrons_per_cm3, rel=1e-12)
    # equal plate thicknesses (1.5 mm each, spec Sec. III): equal track lengths up to statistics
    t_pb, e_pb = p.above(10.0, "Pb")
    t_sc, e_sc = p.above(10.0, "Sc")
    assert t_sc == pytest.approx(t_pb, abs=4 * math.hypot(e_pb, e_sc) + 0.02 * t_pb)
    total, _ = p.above(10.0)
    assert total == pytest.approx(t_pb + t_sc, rel=1e-12)
    # no positron tally unless asked for; bad bins are refused
    assert run_cascade(Primaries.beam(2, 10.0), geom, mode="yield", yield_emin=5.0).positrons is None
    with pytest.raises(UserInputError):
        run_cascade(
            Primaries.beam(2, 10.0),
            geom,
            mode="yield",
            yield_emin=5.0,
            positron_edges=np.array([5.0, 7.0, 8.0]),
        )
    with pytest.raises(UserInputError):
        run_cascade(
            Primaries.beam(2, 10.0), geom, positron_edges=log_edges(1, 10), positron_slabs=np.ones(3, bool)
        )


@pytest.mark.parametrize(
    ("emin", "n", "energies"),
    [(1.0, 3000, (1.0, 10.0)), (30.0, 60000, (50.0,))],
)
def test_positron_track_length_vs_rossi(emin, n, energies):
    # 100 GeV e⁻ in Pb, LPM and dielectric suppression off (Rossi has neither): T₊(>E) against
    # approximation A with Tsai's b = b₂/b₁ of Pb. Measured −0.5% (1 GeV: ionisation, which
    # approximation A neglects, shortens tracks by ~E_c/E), −0.3% (10 GeV), +0.2% ± 1% (50 GeV);
    # tolerance 1% + 3σ.
    geom = _no_lpm(build_slab_geometry("Pb", 40.0, n_slices=40))
    row = geom.mat_table[geom.materials.index("Pb")]
    x0, b = 1.0 / row[0], row[1] / row[0]
    p = _tally(geom, n, 100.0, emin, 21)
    for e in energies:
        t, err = p.above(e)
        ref = rossi_positron_track_length(e, 100.0, b) * x0
        assert t == pytest.approx(ref, rel=0.01 + 3 * err / t)


def test_positron_beam_vs_rossi():
    # A 100 GeV e⁺ primary: its own track dominates T₊(>50 GeV) (approximation A: 0.859 X0).
    geom = _no_lpm(build_slab_geometry("Pb", 40.0, n_slices=40))
    row = geom.mat_table[geom.materials.index("Pb")]
    t, err = _tally(geom, 3000, 100.0, 50.0, 22, PID_EP).above(50.0)
    ref = rossi_positron_track_length(50.0, 100.0, row[1] / row[0], particle=-11) / row[0]
    assert t == pytest.approx(ref, rel=0.01 + 3 * err / t)


def _synthetic(edges: np.ndarray, powers: tuple[float, ...], n_e: tuple[float, ...]) -> PositronTally:
    """A noiseless tally with dT₊/dE = E^(−p) per material (exact bin integrals), one shower."""
    rows = []
    for pw in powers:
        rows.append((edges[1:] ** (1 - pw) - edges[:-1] ** (1 - pw)) / (1 - pw))
    total = np.array(rows)
    t = total.ravel()
    return PositronTally(edges, ("A", "B")[: len(powers)], np.array(n_e), total, np.outer(t, t), 1, 100.0, 11)


def test_narrow_width_limit_exact_tally():
    # Y = Σ n_e (dT₊/dE)(E_R) 2π²α ε² B_inv / m_e for Γ/m → 0, with a known smooth dT₊/dE (E⁻³ and
    # E⁻⁵, as steep as the shower's near 90 GeV) on the tally's 200-per-decade bins: 2% asked, the
    # interpolated fold gives < 0.1%.
    edges = log_edges(50.0, 100.01, 200)
    tal = _synthetic(edges, (3.0, 5.0), (2.7e24, 3.4e23))
    for er in (52.3, 61.15, 77.0, 93.7):
        m = math.sqrt(2 * M_E * (er + M_E))
        y, _, parts = annihilation_yield(tal, _narrow(m), 50.0)
        ref = (2.7e24 * er**-3.0 + 3.4e23 * er**-5.0) * NARROW
        assert y == pytest.approx(ref, rel=1e-3)
        assert parts["A"] == pytest.approx(2.7e24 * er**-3.0 * NARROW, rel=1e-3)
    # scalar: half of it; below the threshold nothing counts
    half = dataclasses.replace(_narrow(math.sqrt(2 * M_E * 70.0)), spin_factor=0.5)
    assert annihilation_yield(tal, half, 50.0)[0] == pytest.approx(
        0.5 * annihilation_yield(tal, _narrow(math.sqrt(2 * M_E * 70.0)), 50.0)[0], rel=1e-12
    )
    below = annihilation_yield(tal, _narrow(math.sqrt(2 * M_E * 40.0)), 50.0)[0]
    assert below < 1e-3 * (2.7e24 * 50.0**-3.0) * NARROW  # the Lorentzian's tail above 50 GeV only
    # bins more than one bin below the threshold get no weight (the interpolation reaches one bin)
    assert np.all(fold_weights(tal, _narrow(0.25), 80.0)[:, : np.searchsorted(edges, 79.0) - 1] == 0.0)


def test_narrow_width_limit_shower_tally():
    # The same identity with the shower's tally (NA64 ECAL, 100 GeV e⁻, E > 50 GeV): dT₊/dE(E_R)
    # from a smooth fit (cubic in ln E of ln dT₊/dE per material) over the tally's bins. Each
    # narrow yield sees ~1 bin (3-10% statistical error, which the fold reports); averaged over
    # 100 resonance energies the identity holds to 2%.
    tal = positron_tally("na64-2016", showers=100_000, seed=5)
    c = tal.centers

    def smooth(material: str):
        d, de = tal.differential(material)
        ok = d > 0
        p = np.polyfit(np.log(c[ok]), np.log(d[ok]), 3, w=d[ok] / de[ok])
        return lambda e: math.exp(np.polyval(p, math.log(e)))

    fits = [smooth(m) for m in tal.materials]
    ys, refs = [], []
    for er in np.linspace(52.0, 95.0, 100):
        y, err, _ = annihilation_yield(tal, _narrow(math.sqrt(2 * M_E * (er + M_E))), 50.0)
        ref = sum(n * f(er) for n, f in zip(tal.electron_density, fits, strict=True)) * NARROW
        assert y == pytest.approx(ref, abs=4 * err + 0.02 * ref)
        ys.append(y)
        refs.append(ref)
    assert sum(ys) == pytest.approx(sum(refs), rel=0.02)


def test_annihilation_yields_records_and_workers(tmp_path, monkeypatch):
    pre = load_preset("na64-2016").with_overrides({"shower": {"chunk_size": 3000}})
    a = annihilation_yields(pre, [0.2, 0.25, 0.3], showers=9000, seed=3, workers=1)
    monkeypatch.setenv("DARKMISS_CACHE", str(tmp_path / "other"))
    b = annihilation_yields(pre, [0.2, 0.25, 0.3], showers=9000, seed=3, workers=2)
    for ya, yb in zip(a, b, strict=True):
        assert ya.record() == yb.record()
        r = ya.record()
        assert r["yield_annihilation"] > 0 and 0 < r["yield_annihilation_err"] < r["yield_annihilation"]
        assert r["yield_annihilation_Pb"] + r["yield_annihilation_Sc"] == pytest.approx(
            r["yield_annihilation"]
        )
        assert ya.threshold == 50.0 and ya.width_ratio == pytest.approx(0.1518, abs=1e-4)
        assert ya.scaled(1e-4)["yield_annihilation"] == pytest.approx(1e-8 * ya.yield_annihilation)
    # the pole at E_R = 61 GeV sits inside the window (50, 100) GeV; 0.2 GeV (E_R = 39 GeV) only
    # reaches above the threshold with its tail
    assert a[1].yield_annihilation > a[0].yield_annihilation
    with pytest.raises(UserInputError):
        annihilation_yields(pre, [0.25], threshold=150.0, showers=10)
    with pytest.raises(UserInputError):
        annihilation_yields(pre, [0.25], showers=1)
    with pytest.raises(UserInputError):
        annihilation_yields(pre, [0.25], mass_ratio=1.5, showers=10)
