"""Tests of the A′ yields per EOT (darkmiss.shower.yields, xsec_tables): Eqs. 8, 9, 13 of the spec."""

from __future__ import annotations

import numpy as np
import pytest

from darkmiss.config.load import load_preset
from darkmiss.constants import PB_TO_CM2
from darkmiss.errors import UserInputError
from darkmiss.physics.aprime import sigma_iww, sigma_ww
from darkmiss.shower.cascade import Primaries, SigmaTable, run_cascade
from darkmiss.shower.geometry import build_slab_geometry
from darkmiss.shower.xsec_tables import aprime_force_table, aprime_tables
from darkmiss.shower.yields import aprime_yields, setup_geometry, track_length_tally


def test_thin_target_matches_n_sigma_l():
    # 1e-3 X0 of Pb, 100 GeV e⁻: yield_ww = n_Pb σ_WW(100 GeV; x > 0.5) L (independent: physics core).
    m, th, e0 = 0.05, 50.0, 100.0
    geom = build_slab_geometry("Pb", 1e-3, n_slices=1)
    tab, _ = aprime_tables(m, th, e0, "Pb", ("ww",))
    out = run_cascade(Primaries.beam(100, e0), geom, mode="yield", seed=3, yield_table=tab)
    sig = (
        float(sigma_ww(m, e0)) * float(sigma_iww(m, e0, x_min=th / e0)) / float(sigma_iww(m, e0)) * PB_TO_CM2
    )
    expected = geom.target_atoms_per_cm3() * sig * geom.length_cm
    assert out.yields[:, 0].mean() == pytest.approx(expected, rel=3e-3)


def test_yields_scale_as_epsilon_squared():
    # The fold is linear in σ and σ ∝ ε² (Eq. 9): yields with σ·ε² are the ε = 1 yields × ε², shower by shower.
    geom = setup_geometry("na64-2016")
    tab, _ = aprime_tables(0.0167, 50.0, 100.0, "Pb", ("ww",))
    eps2 = (3.3e-4) ** 2
    tab2 = SigmaTable(tab.logemin, tab.dloge, tab.sigma * eps2, tab.emin)
    p = Primaries.beam(200, 100.0)
    a = run_cascade(p, geom, mode="yield", seed=4, kc=0.01, yield_table=tab)
    b = run_cascade(p, geom, mode="yield", seed=4, kc=0.01, yield_table=tab2)
    np.testing.assert_allclose(b.yields, a.yields * eps2, rtol=1e-12)


def test_forced_signal_weights_sum_to_yield():
    # Σ weights of forced A′ showers (fast mode) = tally-based yield_ww of the same showers (exactly),
    # and agrees with an independent-seed aprime_yields within statistics.
    geom = setup_geometry("na64-2016")
    ft = aprime_force_table(0.0167, 50.0, 100.0, "Pb", "ww")
    p = Primaries.beam(400, 100.0)
    out = run_cascade(
        p, geom, mode="fast", seed=7, ecut=0.01, kc=0.01, force=("aprime", 0.0167, 50.0, "ww"), force_table=ft
    )
    ref = aprime_yields("na64-2016", [0.0167], showers=4000, seed=1, kinds=("ww",))[0]
    err = np.hypot(out.weight.std(ddof=1) / np.sqrt(p.pid.size), ref.yield_ww_err)
    assert out.weight.mean() == pytest.approx(ref.yield_ww, abs=4 * err)
    assert np.all(out.aprime_energy[out.weight > 0] > 50.0 * (1 - 1e-9))
    np.testing.assert_allclose(out.energy_sum(), p.available_energy(), rtol=1e-9)


def test_workers_do_not_change_results(tmp_path, monkeypatch):
    pre = load_preset("na64-2016").with_overrides({"shower": {"chunk_size": 300}})
    ya = aprime_yields(pre, [0.02, 0.1], showers=900, seed=5, workers=1, kinds=("ww", "etl"))
    # a fresh cache: the tables, showers and spectra are all computed again, on two workers
    monkeypatch.setenv("DARKMISS_CACHE", str(tmp_path))
    yb = aprime_yields(pre, [0.02, 0.1], showers=900, seed=5, workers=2, kinds=("ww", "etl"))
    for a, b in zip(ya, yb, strict=True):
        assert a.yield_ww == b.yield_ww and a.yield_etl == b.yield_etl
        np.testing.assert_array_equal(a.spectrum_ww, b.spectrum_ww)
        np.testing.assert_array_equal(a.spectrum_etl, b.spectrum_etl)


def test_yield_values_spectra_and_kfactor():
    ys = aprime_yields("na64-2016", [0.0167, 0.1], showers=20000, seed=2, kinds=("ww", "etl"))
    for y in ys:
        # spectrum integral = yield (same track length, binned in E_A′), to the binning of the tally
        width = np.diff(y.spectrum_edges)
        assert (y.spectrum_ww * width).sum() == pytest.approx(y.yield_ww, rel=0.02)
        assert (y.spectrum_etl * width).sum() == pytest.approx(y.yield_etl, rel=0.02)
        assert y.yield_ww_err < 0.01 * y.yield_ww
    # spec Sec. II: for m = 100 MeV, E0 = 100 GeV the ETL cross-sections are smaller by ≈ 1.7 than WW;
    # the thick-target ratio folds k(E) over 50-100 GeV (k-factor table of darkmiss.physics.kfactor).
    assert ys[1].yield_ww / ys[1].yield_etl == pytest.approx(1.7, rel=0.1)
    # heavier A′ are rarer (σ ∝ 1/m², Eq. 9)
    assert ys[0].yield_ww > 10 * ys[1].yield_ww


def test_etl_direct_close_to_kfactor_method():
    # Folding σ_ETL(x > 0.5) directly vs Eq. 13 (σ_WW(x>0.5)/k with the *total* k): they differ by the
    # x-shape difference between IWW and ETL; we measure −8% at 16.7 MeV (reported), bound 20% here.
    y = aprime_yields("na64-2016", [0.0167], showers=3000, seed=2)[0]
    assert np.isfinite(y.yield_etl_direct) and y.yield_etl_direct_err > 0
    assert y.yield_etl_direct == pytest.approx(y.yield_etl, rel=0.2)


def test_track_length_tally_cached():
    pre = load_preset("na64-2016")
    t1 = track_length_tally(pre, showers=3, seed=1, energy=5.0)
    t2 = track_length_tally(pre, showers=3, seed=1, energy=5.0)
    np.testing.assert_array_equal(t1.charged, t2.charged)
    assert t1.n_showers == 3 and t1.total_charged_cm("Pb") > 0
    # Rossi approximation B in the Pb/Sc sampling structure: e± track length in Pb ≈ E0 · X0(Pb)/E_c(Pb)
    # × (fraction of the energy deposited in Pb) — only a loose sanity bound here.
    assert 0.3 * 5.0 / 0.00743 * 0.5612 < t1.total_charged_cm("Pb", residual=True) < 5.0 / 0.00743 * 0.5612


def test_bad_yield_inputs():
    with pytest.raises(UserInputError):
        aprime_yields("na64-2016", [0.0001], showers=10)
    with pytest.raises(UserInputError):
        aprime_yields("na64-2016", [0.1], threshold=150.0, showers=10)
    with pytest.raises(UserInputError):
        aprime_yields("na64-2016", [0.1], showers=1)
    with pytest.raises(UserInputError):
        aprime_yields("no-such-preset", [0.1], showers=10)


def test_forced_dimuon_weights_match_photon_track_length():
    # Σ weights of forced γ → μμ showers = n_Pb Σ_i L_γ(E_i) σ_μμ(E_i) from the photon track-length
    # tally of the same (unforced, yield-mode) showers, within the tally's binning (2%).
    from darkmiss.physics.muonpair import sigma_total
    from darkmiss.shower.tally import log_edges
    from darkmiss.shower.xsec_tables import dimuon_force_table

    geom = setup_geometry("na64-2016")
    e0, emin = 100.0, 36.0
    tab = dimuon_force_table(emin, e0, "Pb")
    p = Primaries.beam(300, e0)
    forced = run_cascade(p, geom, mode="fast", seed=3, force=("dimuon", 60.0), force_table=tab)
    edges = log_edges(emin, e0 * 1.0001, 400)
    plain = run_cascade(p, geom, mode="yield", seed=3, yield_emin=emin, tally_edges=edges)
    centers = np.sqrt(edges[1:] * edges[:-1])
    lg = plain.tally.photon[geom.materials.index("Pb")] / p.pid.size
    expected = geom.target_atoms_per_cm3() * np.sum(lg * np.asarray(sigma_total(centers, "Pb")) * 1e-30)
    assert forced.weight.mean() == pytest.approx(expected, rel=0.02)
    mu = forced.muons
    hit = np.flatnonzero(forced.weight > 0)
    assert mu["event"].size == 2 * hit.size and set(mu["event"]) == set(hit)
    assert set(mu["charge"]) <= {-1, 1} and np.all(mu["energy"] > 0.105)
    np.testing.assert_allclose(forced.energy_sum(), p.available_energy(), rtol=1e-9)
