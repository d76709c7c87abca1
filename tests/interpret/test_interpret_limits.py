"""ε, y and α_D from limits (spec Eq. 26, Eqs. 5-6), published bounds, and compute_limits end to end."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.analysis.result import AnalysisResult, RunAnalysis
from darkmiss.errors import BlindingError
from darkmiss.interpret.bounds import available_bounds, interpolate_bound, load_bound
from darkmiss.interpret.darkmatter import alpha_d_lower_bound, rescale_y, y_limit
from darkmiss.interpret.limits import interpret_limits
from darkmiss.stats.epsilon import epsilon_limit, interpolate_efficiency, signal_per_eps2
from darkmiss.stats.limits import SimpleYield, compute_limits
from darkmiss.stats.optimise import background_at_cut, optimise_cut

SYST = {"eot": 0.02, "signal_cross_section": 0.1, "primary_selection": 0.04, "reweighting": 0.07}


def make_analysis(
    blinded: bool = False, observed=(0, 0, 0), backgrounds=(0.02, 0.01, 0.03)
) -> AnalysisResult:
    masses = [0.001, 0.01, 0.1, 1.0]
    edges = [float(e) for e in range(0, 101, 10)]
    runs = []
    for (name, eot, eff), ob, b in zip(
        [("I", 2.3e10, 0.55), ("II", 1.1e10, 0.5), ("III", 0.9e10, 0.45)], observed, backgrounds, strict=False
    ):
        shape = np.exp(-np.arange(10) / 3.0)
        runs.append(
            RunAnalysis(
                run=name,
                eot=eot,
                intensity=1e6,
                observed=None if blinded else ob,
                background=b,
                background_err=0.3 * b,
                sideband_fit={
                    "p1": math.log(0.01 * b),
                    "p2": 0.06,
                    "cov": [[0.01, 0.0], [0.0, 1e-5]],
                    "range": [0, 50],
                },
                efficiency_masses=masses,
                efficiency=[eff, eff, 0.9 * eff, 0.7 * eff],
                signal_ecal_edges=edges,
                signal_ecal_eff={str(m): (1.1 * eff * shape / shape[:5].sum()).tolist() for m in masses},
                systematics=dict(SYST),
            )
        )
    return AnalysisResult("na64-2016", blinded, 50.0, 1.0, not blinded, 50.0, runs)


def test_epsilon_hand_calculation():
    s = signal_per_eps2([2e10, 1e10], [0.5, 0.4], 1e-5)
    assert s.tolist() == pytest.approx([1e5, 4e4])
    assert epsilon_limit(2.303, s.sum()) == pytest.approx(math.sqrt(2.303 / 1.4e5))


def test_efficiency_interpolation_log_mass():
    e, out = interpolate_efficiency([0.001, 0.1], [0.6, 0.4], 0.01)
    assert e == pytest.approx(0.5) and not out
    assert interpolate_efficiency([0.001, 0.1], [0.6, 0.4], 1.0) == (0.4, True)


def test_y_and_alpha_d_hand():
    # m_A' = 30 MeV, ε = 1e-4: y(0.5) = 1e-8*0.5/81; α_D(f=0.25) = 0.02*0.25*(10)^2*(0.3)^4*(10/10)^2
    assert y_limit(1e-4, 0.03, 0.5) == pytest.approx(0.5e-8 / 81)
    assert alpha_d_lower_bound(1e-4, 0.03, 0.25) == pytest.approx(0.02 * 0.25 * 100 * 0.3**4)
    assert rescale_y(1e-9, 0.1, 0.5) == pytest.approx(5e-9)


def test_bounds_shipped_and_sorted():
    for name in available_bounds():
        b = load_bound(name)
        assert b.mass.size > 10 and np.all(np.diff(b.mass) >= 0) and np.all(b.value > 0)
    babar = load_bound("babar_eps")
    assert interpolate_bound(babar, np.array([0.01]))[0] == pytest.approx(9.48e-4, rel=0.01)


def _yields(masses):
    return [
        SimpleYield(m, 2e-5 * (0.01 / m) ** 2, 1.8e-5 * (0.01 / m) ** 2, 1.7e-5 * (0.01 / m) ** 2, 0.0)
        for m in masses
    ]


def test_compute_limits_zero_observed():
    res = interpret_limits(compute_limits(make_analysis(), _yields([0.01, 0.1]), asymptotic=False))
    r = res.records[0]
    # total signal per ε² at 10 MeV: Σ eot·eff·n_A'
    s = (2.3e10 * 0.55 + 1.1e10 * 0.5 + 0.9e10 * 0.45) * 1.8e-5
    assert r.signal_per_eps2_etl == pytest.approx(s)
    # n = 0 -> N90 slightly above ln 10 (10% cross-section etc. integrated), and simplified agrees to ~1%
    assert math.log(10) < r.n90 < 1.05 * math.log(10)
    assert r.epsilon_etl == pytest.approx(math.sqrt(r.n90 / s))
    assert r.epsilon_ww < r.epsilon_etl  # larger yield -> stronger bound
    assert r.epsilon_etl_simplified == pytest.approx(r.epsilon_etl, rel=0.01)
    assert r.y_alpha_d_0p5 == pytest.approx(r.epsilon_etl**2 * 0.5 / 81)
    assert r.alpha_d_majorana == pytest.approx(12 * r.alpha_d_pseudodirac)
    assert r.epsilon_etl_expected_bands[2] == pytest.approx(r.epsilon_etl, rel=1e-9)
    # BaBar cross-check (Sec. X): ε_BaBar(10 MeV) ≈ 9.48e-4 through Eq. 5 with f = 0.25, m_χ = m_A'/3
    eps_b = 9.4758e-4
    ref = 0.02 * 0.25 * (1e-3 / eps_b) ** 2 * (0.01 / 0.1) ** 4 * (0.01 / (0.01 / 3)) ** 2
    assert r.alpha_d_pseudodirac_babar == pytest.approx(ref, rel=0.01)
    lo, hi = r.epsilon_amu_band
    assert 1e-3 < lo < hi < 3e-3


def test_blinded_gives_expected_only():
    res = interpret_limits(compute_limits(make_analysis(blinded=True), _yields([0.01]), asymptotic=False))
    r = res.records[0]
    assert r.n90 is None and r.epsilon_etl is None and r.alpha_d_pseudodirac is None
    assert r.epsilon_etl_expected > 0
    assert res.notes and "blinded" in res.notes[0]


@given(n90=st.floats(0.1, 50.0), s=st.floats(1e-3, 1e12), scale=st.floats(1e-3, 1e3))
def test_epsilon_limit_scales_as_inverse_sqrt_yield(n90, s, scale):
    assert epsilon_limit(n90, s * scale) == pytest.approx(epsilon_limit(n90, s) / math.sqrt(scale), rel=1e-12)


def test_compute_limits_inverse_sqrt_yield():
    an = make_analysis()
    y = _yields([0.01])[0]
    scale = 7.3
    y2 = SimpleYield(y.mass, y.yield_ww * scale, y.yield_etl * scale, y.yield_etl_direct * scale)
    a = compute_limits(an, [y], asymptotic=False).records[0]
    b = compute_limits(an, [y2], asymptotic=False).records[0]
    assert b.epsilon_etl == pytest.approx(a.epsilon_etl / math.sqrt(scale), rel=1e-9)


def test_background_at_cut_moves_with_sideband():
    an = make_analysis(blinded=True)
    run = an.runs[0]
    b50, _ = background_at_cut(run, 50.0, 50.0)
    b60, _ = background_at_cut(run, 60.0, 50.0)
    assert b50 == pytest.approx(run.background)
    p1, p2 = run.sideband_fit["p1"], run.sideband_fit["p2"]
    assert b60 - b50 == pytest.approx(math.exp(p1) * (math.exp(p2 * 60) - math.exp(p2 * 50)) / p2)


def test_optimise_refused_after_unblinding_and_runs_blind():
    with pytest.raises(BlindingError):
        optimise_cut(make_analysis(blinded=False))
    res = optimise_cut(make_analysis(blinded=True))
    assert len(res.curves) == 2
    assert 20.0 <= res.chosen_cut <= 80.0
    for c in res.curves:
        assert min(c.sensitivity) == pytest.approx(1.0)
        assert np.all(np.diff(c.background) >= 0)  # more background with a looser cut


def test_compute_limits_same_in_clean_workers():
    # one mass per task: serial, forked and clean (forkserver) workers give the same records
    an, ys = make_analysis(), _yields([0.01, 0.1, 1.0])
    serial = compute_limits(an, ys, asymptotic=False).to_dict()
    forked = compute_limits(an, ys, asymptotic=False, workers=2).to_dict()
    clean = compute_limits(an, ys, asymptotic=False, workers=2, clean_workers=True).to_dict()
    assert serial["records"] == forked["records"] == clean["records"]
    assert len(serial["records"]) == 3
