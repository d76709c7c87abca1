"""Efficiency machinery (spec Sec. VI): binomial intervals, Eq. 23 factorisation, log-m
interpolation, Eq. 25 threshold curves, RR double ratio (Eq. 24)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.analysis.dimuon import dimuon_ratio, rr_double_ratio
from darkmiss.analysis.efficiency import (
    FACTORS,
    clopper_pearson,
    interpolate_log_mass,
    mass_efficiency,
    threshold_curve,
    weighted_fraction,
)
from darkmiss.analysis.pseudodata import make_events
from darkmiss.config.load import load_preset
from darkmiss.events.schema import Process
from darkmiss.reco import AnalysisConfig, build_selection, reconstruct_arrays

CFG = AnalysisConfig.from_preset(load_preset("na64-2016"))


def test_clopper_pearson_reference_values():
    # k = 0: upper = 1 - (alpha/2)^(1/n) (closed form); k = n: lower = (alpha/2)^(1/n)
    a = (1 - 0.6827) / 2
    assert clopper_pearson(0, 10)[1] == pytest.approx(1 - a ** (1 / 10), rel=1e-9)
    assert clopper_pearson(10, 10)[0] == pytest.approx(a ** (1 / 10), rel=1e-9)
    # k = 5 of 10 at 95% CL: [0.187086, 0.812914] (standard tables, e.g. Clopper & Pearson 1934)
    lo, hi = clopper_pearson(5, 10, 0.95)
    assert (lo, hi) == pytest.approx((0.187086, 0.812914), abs=1e-6)


@given(st.integers(0, 50), st.integers(1, 50))
def test_weighted_fraction_unit_weights(k, n):
    k = min(k, n)
    w_all = np.ones(n)
    eff, lo, hi = weighted_fraction(np.ones(k), w_all)
    assert eff == pytest.approx(k / n)
    assert 0 <= lo <= eff <= hi <= 1


def test_log_mass_interpolation():
    m = [0.001, 0.01, 0.1]
    v = [0.2, 0.4, 0.8]
    assert interpolate_log_mass(m, v, 0.01) == pytest.approx(0.4)
    assert interpolate_log_mass(m, v, np.sqrt(0.01 * 0.1)) == pytest.approx(0.6)
    assert interpolate_log_mass(m, v, 1.0) == pytest.approx(0.8)


def test_threshold_curve_is_eq25():
    x = np.array([0.1, 0.5, 0.9, 1.5, 3.0])
    c = threshold_curve(x, np.array([0.0, 1.0, 10.0]))
    assert c.tolist() == [0.0, 0.6, 1.0]


def test_mass_efficiency_factorises_and_uses_yield_population():
    rng = np.random.default_rng(5)
    e = rng.uniform(1.0, 70.0, 3000)
    a = make_events(3000, Process.SIGNAL, rng, CFG, mass=0.05, ecal_energy=e, track_loss=0.2, waveforms=False)
    a["v2_energy"][::7] = 3.0  # some V2 activity
    reco = reconstruct_arrays(a, CFG, None, is_data=False)
    sel = build_selection(reco, CFG)
    me = mass_efficiency(reco, sel, CFG, 0.05, 50.0)
    # population: E_A' = 100 - E_ECAL > 50 GeV  <=>  E_ECAL < 50
    assert me.n_events == int((e < 50).sum())
    assert np.prod([me.factors[k] for k in FACTORS]) == pytest.approx(me.total, rel=1e-12)
    assert me.factors["aprime"] == pytest.approx(1.0)
    assert me.factors["e"] == pytest.approx(0.8, abs=0.03)
    assert me.factors["v2"] == pytest.approx(6 / 7, abs=0.03)
    # the per-bin efficiency (all cuts but the E_ECAL cut) sums to the total below the cut
    edges = np.array(me.ecal_edges)
    below = edges[1:] <= CFG.ecal_cut
    assert np.sum(np.array(me.ecal_eff)[below]) == pytest.approx(me.total, rel=1e-9)


def test_rr_is_flat_for_identical_spectra_and_normalised():
    rng = np.random.default_rng(7)
    x = rng.uniform(1, 60, 20000)
    y = rng.uniform(1, 60, 40000)
    rr = rr_double_ratio(x, y, np.ones_like(y), np.linspace(1, 60, 13))
    assert rr.valid
    fn = rr.function()
    assert np.allclose(fn(np.array([2.0, 30.0, 59.0])), 1.0, atol=0.05)
    # data with a low-energy loss: RR < 1 at low E, and the MC-weighted mean stays 1
    keep = rng.random(len(x)) > 0.5 * np.exp(-x / 5.0)
    rr2 = rr_double_ratio(x[keep], y, np.ones_like(y), np.linspace(1, 60, 13))
    fn2 = rr2.function()
    assert fn2(np.array([2.0]))[0] < 0.85 < fn2(np.array([40.0]))[0]
    assert np.mean(fn2(y)) == pytest.approx(1.0, abs=0.01)


def test_dimuon_ratio_errors():
    r = dimuon_ratio("I", 1.8e6, 1e10, 90, np.full(100, 1e-10))  # 100 MC events predicted
    assert r.f == pytest.approx(0.9)
    assert r.f_err == pytest.approx(0.9 * np.sqrt(1 / 90 + 1 / 100))  # Poisson data ⊕ MC weights
    assert dimuon_ratio("I", 1.8e6, 1e10, 5, np.zeros(0)).f is None
