"""Exact CLs (spec Sec. IX): reference values from closed-form Poisson sums computed here independently."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import optimize, stats

from darkmiss.stats.cls import ExactCLs, exact_upper_limit, expected_limits
from darkmiss.stats.model import Channel, CountingModel
from darkmiss.stats.workspace import asymptotic_limits


def _single(b: float, n: int, err: float = 0.0, syst: dict[str, float] | None = None) -> CountingModel:
    return CountingModel((Channel("a", 1.0, b, err, n, syst or {}),))


@pytest.mark.parametrize("b", [0.0, 0.03, 0.12, 1.0, 4.0])
def test_zero_observed_gives_ln10_for_any_background(b):
    # CLs = e^{-s} at n = 0 (Read 2002) -> s90 = ln(10) = 2.302585
    assert exact_upper_limit(_single(b, 0), integrate=False) == pytest.approx(math.log(10.0), rel=1e-6)


def test_one_observed_small_background_matches_poisson_sums():
    # Single channel: q~ is monotone in n, so CLs = P(n<=1|s+b)/P(n<=1|b); solve with scipy independently.
    b = 0.12

    def cls(s):
        return stats.poisson.cdf(1, s + b) / stats.poisson.cdf(1, b) - 0.1

    ref = optimize.brentq(cls, 0.1, 30.0, xtol=1e-12)
    assert ref == pytest.approx(3.7781, abs=1e-3)  # e^{-s}(1+s+b)/(1+b) = 0.1
    assert exact_upper_limit(_single(b, 1), integrate=False) == pytest.approx(ref, rel=1e-6)


@pytest.mark.parametrize(("n", "b"), [(2, 0.5), (3, 2.0), (0, 3.0)])
def test_single_channel_general_counts(n, b):
    ref = optimize.brentq(lambda s: stats.poisson.cdf(n, s + b) / stats.poisson.cdf(n, b) - 0.1, 1e-6, 50.0)
    assert exact_upper_limit(_single(b, n), integrate=False) == pytest.approx(ref, rel=1e-6)


def test_three_runs_zero_observed_equal_merged_channel():
    chans = tuple(
        Channel(k, w, b, 0.0, 0) for k, w, b in [("I", 0.5, 0.02), ("II", 0.3, 0.01), ("III", 0.2, 0.05)]
    )
    m = CountingModel(chans)
    multi = exact_upper_limit(m, integrate=False)
    merged = exact_upper_limit(m.merged(), integrate=False)
    assert multi == pytest.approx(merged, rel=1e-9)
    assert multi == pytest.approx(math.log(10.0), rel=1e-6)


def test_nuisances_integrated_match_lognormal_average():
    # n = 0: CLs(s) = E[exp(-s κ^θ)] (background cancels); with δ = 20% solve it by Gauss-Hermite.
    d = 0.2
    x, w = np.polynomial.hermite_e.hermegauss(80)
    w = w / w.sum()

    def f(s):
        return float(np.sum(w * np.exp(-s * (1 + d) ** x))) - 0.1

    ref = optimize.brentq(f, 1.0, 10.0)
    got = exact_upper_limit(_single(0.1, 0, 0.03, {"xs": d}), n_samples=4096)
    assert got == pytest.approx(ref, rel=2e-3)
    assert got > math.log(10.0)


def test_expected_bands_small_background():
    # b = 0.1: P(n=0) = 0.905, so the median and ±1σ are the n = 0 limit, +2σ is the n = 1 limit.
    e = expected_limits(_single(0.1, 0), integrate=False)
    n1 = exact_upper_limit(_single(0.1, 1), integrate=False)
    assert e.bands[2] == pytest.approx(math.log(10.0), rel=1e-6)
    assert e.bands[0] == e.bands[1] == e.bands[2] == e.bands[3]
    assert e.bands[4] == pytest.approx(n1, rel=1e-6)
    mean_ref = stats.poisson.pmf(0, 0.1) * math.log(10.0) + stats.poisson.pmf(1, 0.1) * n1
    assert e.mean >= mean_ref * 0.999  # higher outcomes only add


def test_asymptotic_at_zero_observed_underestimates():
    # the pyhf 0.7.x asymptotic trap: ≈1.5 events at n = 0 instead of 2.303; our exact result is not fooled
    a = asymptotic_limits(_single(0.1, 0, 0.02))
    assert a.observed is not None
    assert 1.2 < a.observed < 1.8
    assert exact_upper_limit(_single(0.1, 0, 0.02), integrate=False) / a.observed > 1.3


def test_blinded_model_refuses_observed_limit():
    from darkmiss.errors import UserInputError

    m = CountingModel((Channel("a", 1.0, 0.1, 0.0, None),))
    with pytest.raises(UserInputError):
        ExactCLs.build(m)


@given(
    b=st.floats(0.0, 3.0),
    scale=st.floats(0.01, 100.0),
    n=st.integers(0, 3),
)
def test_limit_scales_inversely_with_signal(b, scale, n):
    # μ_up · s is invariant: the limit on events does not depend on the signal normalisation
    base = CountingModel((Channel("a", 1.0, b, 0.0, n),))
    scaled = base.with_signal([scale])
    assert exact_upper_limit(scaled, integrate=False) * scale == pytest.approx(
        exact_upper_limit(base, integrate=False), rel=1e-5
    )


@given(b1=st.floats(0.0, 3.0), db=st.floats(0.05, 3.0), n=st.integers(1, 3))
def test_limit_monotone_decreasing_in_background(b1, db, n):
    lo = exact_upper_limit(_single(b1, n), integrate=False)
    hi = exact_upper_limit(_single(b1 + db, n), integrate=False)
    assert hi <= lo * (1 + 1e-7)


def test_large_outcome_sets_are_summed_in_blocks_with_the_same_result(monkeypatch):
    # a run with a large, uncertain background (the full chain once gave 1.4 +- 1.2 events from side
    # band A): the (nuisance draws x outcomes) matrices are summed in blocks of outcomes, so memory
    # stays bounded; the p-values, the limit and the expected limits equal those of one piece
    import darkmiss.stats.cls as cls_mod

    model = CountingModel(
        (
            Channel("I", 1.0, 1.4, 1.2, 1, {}),
            Channel("II", 1.5, 0.05, 0.02, 0, {}),
            Channel("III", 2.0, 0.06, 0.03, 1, {}),
        )
    )
    whole = ExactCLs.build(model, n_samples=256)
    ref_p = whole.pvalues(2.0)
    ref_lim = whole.upper_limit(0.9)
    ref_exp = expected_limits(model, n_samples=256, max_outcomes=20)
    assert len(whole._grid) > 1000  # enough outcomes to need several blocks below
    monkeypatch.setattr(cls_mod, "_BLOCK_ELEMENTS", 256 * 37)  # blocks of 37 outcomes
    blocked = ExactCLs.build(model, n_samples=256)
    assert blocked.pvalues(2.0) == pytest.approx(ref_p, rel=1e-12)
    assert blocked.upper_limit(0.9) == pytest.approx(ref_lim, rel=1e-9)
    got = expected_limits(model, n_samples=256, max_outcomes=20)
    assert got.bands == pytest.approx(ref_exp.bands, rel=1e-9)
    assert got.coverage == pytest.approx(ref_exp.coverage, rel=1e-12)
    assert cls_mod._outcome_blocks(100, 256)[-1] == slice(74, 100)
