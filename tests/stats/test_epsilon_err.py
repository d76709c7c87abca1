"""``epsilon_etl_err``: the Monte-Carlo error of the ε limit, propagated from the yield and the signal
efficiency. ε² = N90 / (Σ_i n_EOT,i ε_tot,i n_A′) (spec Eq. 26), so δε/ε = ½ √((δy/y)² + (δε_tot/ε_tot)²)."""

from __future__ import annotations

import math

import pytest

from darkmiss.analysis.result import AnalysisResult, RunAnalysis
from darkmiss.errors import UserInputError
from darkmiss.stats.limits import SimpleYield, compute_limits, efficiency_rel_err, epsilon_mc_error


def _analysis(mc_err: list[list[float]]) -> AnalysisResult:
    runs = [
        RunAnalysis(
            run=name,
            eot=eot,
            intensity=1e6,
            observed=0,
            background=0.01,
            background_err=0.003,
            efficiency_masses=[0.01, 0.1],
            efficiency=[eff, eff],
            efficiency_mc_err=err,
            systematics={"eot": 0.02},
        )
        for (name, eot, eff), err in zip([("I", 2e10, 0.5), ("II", 1e10, 0.4)], mc_err, strict=True)
    ]
    return AnalysisResult("na64-2016", False, 50.0, 1.0, True, 50.0, runs)


def test_the_formula_by_hand():
    # δε/ε = ½ √(0.04² + 0.03²) = ½ · 0.05
    assert epsilon_mc_error(1e-4, 0.04, 0.03) == pytest.approx(0.5 * 1e-4 * 0.05, rel=1e-12)
    assert epsilon_mc_error(None, 0.04, 0.03) is None


def test_the_runs_samples_are_independent():
    an = _analysis([[0.01, 0.01], [0.02, 0.02]])
    # √((2e10·0.01)² + (1e10·0.02)²) / (2e10·0.5 + 1e10·0.4) = 2.828e8 / 1.4e10
    assert efficiency_rel_err(an, 0.03) == pytest.approx(math.hypot(2e8, 2e8) / 1.4e10, rel=1e-12)
    assert efficiency_rel_err(_analysis([[], []]), 0.03) == 0.0  # efficiencies given by hand
    with pytest.raises(UserInputError, match="efficiency_mc_err"):
        efficiency_rel_err(_analysis([[0.01], [0.02, 0.02]]), 0.03)


def test_limits_carry_it():
    an = _analysis([[0.01, 0.01], [0.02, 0.02]])
    y = SimpleYield(0.03, 2e-5, 1.8e-5, 1.7e-5, 1.8e-5 * 0.04)
    (rec,) = compute_limits(an, [y], preset="na64-2016", asymptotic=False).records
    rel_eff = math.hypot(2e8, 2e8) / 1.4e10
    assert rec.efficiency_mc_rel_err == pytest.approx(rel_eff)
    assert rec.epsilon_etl_err == pytest.approx(0.5 * rec.epsilon_etl * math.hypot(0.04, rel_eff), rel=1e-9)
