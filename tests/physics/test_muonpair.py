"""Bethe–Heitler γZ → μ⁺μ⁻Z (spec Eqs. 17–22; Geant4 G4GammaConversionToMuons)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

from darkmiss.constants import M_MU
from darkmiss.errors import UserInputError
from darkmiss.physics.muonpair import (
    THRESHOLD_GEV,
    dsigma_dx,
    sample_x,
    sigma_total,
    soft_split,
    x_limits,
)


@pytest.mark.parametrize(("energy", "reference_ub"), [(1.0, 30.2), (10.0, 334.0), (100.0, 886.0)])
def test_sigma_total_pb_matches_spec(energy, reference_ub):
    # Spec Sec. V.A: "Numerically for Pb nuclei σtot = 30.2; 334; 886 μb for Eγ = 1, 10, 100 GeV" (1%).
    assert sigma_total(energy, "Pb") == pytest.approx(reference_ub, rel=0.01)


def test_sigma_total_equals_plain_quadrature_of_eq18():
    # Independent integration of Eq. 18 directly in x (no substitution, no symmetry).
    for e in (0.6, 3.0, 50.0):
        lo, hi = (float(v) for v in x_limits(e))
        val, _ = integrate.quad(lambda x, e=e: dsigma_dx(x, e, "Pb"), lo, hi, epsrel=1e-10, limit=500)
        assert sigma_total(e, "Pb") == pytest.approx(val, rel=1e-7)


def test_threshold_is_zero_and_finite_above():
    # Geant4 threshold 4 m_μ: σ = 0 at and below, small and finite just above, never NaN.
    assert THRESHOLD_GEV == pytest.approx(4 * M_MU)
    e = np.array([0.0, 0.3, THRESHOLD_GEV, THRESHOLD_GEV * (1 + 1e-9), THRESHOLD_GEV * 1.01, 0.5])
    s = sigma_total(e, "Pb")
    assert np.all(np.isfinite(s))
    assert s[0] == s[1] == s[2] == 0.0
    assert 0.0 <= s[3] < 1e-3 and s[4] < s[5]
    d = dsigma_dx(np.linspace(0, 1, 11), THRESHOLD_GEV * (1 + 1e-12), "Pb")
    assert np.all(np.isfinite(d)) and np.all(d >= 0)


def test_z_squared_scaling_roughly():
    # Eq. 18 ∝ Z² ln W, with ln W depending only weakly on Z: σ(Pb)/σ(Fe) ≈ (82/26)² up to ~20%.
    ratio = sigma_total(10.0, "Pb") / sigma_total(10.0, "Fe")
    assert ratio == pytest.approx((82 / 26) ** 2, rel=0.2)
    assert sigma_total(10.0, "H") > 0.0  # hydrogen uses B = 202.4, D_n = 1.49


@given(e1=st.floats(0.43, 1e4), ratio=st.floats(1.01, 10.0))
def test_sigma_increases_with_energy(e1, ratio):
    s1 = sigma_total(e1, "Pb")
    assert s1 > 0.0
    assert sigma_total(e1 * ratio, "Pb") > s1


@given(x=st.floats(0.0, 1.0), e=st.floats(0.0, 1e4), z=st.sampled_from(["H", "C", "Fe", "Pb"]))
def test_dsigma_dx_nonnegative_and_symmetric(x, e, z):
    a, b = dsigma_dx(x, e, z), dsigma_dx(1.0 - x, e, z)
    assert math.isfinite(a) and a >= 0.0
    assert a == pytest.approx(b, rel=1e-9, abs=1e-12)


def _cdf(e: float):
    lo, hi = (float(v) for v in x_limits(e))
    grid = np.linspace(lo, hi, 20001)
    pdf = dsigma_dx(grid, e, "Pb")
    cdf = integrate.cumulative_trapezoid(pdf, grid, initial=0.0)
    cdf /= cdf[-1]
    return lambda x: np.interp(x, grid, cdf)


@pytest.mark.parametrize("energy", [0.6, 10.0, 100.0])
def test_sampler_reproduces_eq18_shape(energy):
    # Kolmogorov–Smirnov against the numerical CDF of Eq. 18; fixed seed, 20000 draws.
    x = sample_x(energy, "Pb", np.random.default_rng(12345), 20000)
    lo, hi = x_limits(energy)
    assert x.shape == (20000,) and np.all((x >= lo) & (x <= hi))
    res = stats.kstest(x, _cdf(energy))
    assert res.pvalue > 1e-3


def test_sampler_reproducible_and_checks_input():
    a = sample_x(10.0, "Pb", np.random.default_rng(7), 100)
    b = sample_x(10.0, "Pb", np.random.default_rng(7), 100)
    np.testing.assert_array_equal(a, b)
    assert sample_x(10.0, "Pb", np.random.default_rng(7), 0).shape == (0,)
    with pytest.raises(UserInputError):
        sample_x(0.3, "Pb", np.random.default_rng(7), 10)
    with pytest.raises(UserInputError):  # just above 4 m_μ, W ≤ 1 everywhere: σ = 0, nothing to sample
        sample_x(THRESHOLD_GEV * (1 + 1e-9), "Pb", np.random.default_rng(7), 10)
    with pytest.raises(UserInputError):
        sigma_total(-1.0, "Pb")
    with pytest.raises(UserInputError):
        sigma_total(10.0, "Unobtainium")


@pytest.mark.parametrize(("energy", "t_max"), [(60.0, 0.33), (20.0, 1.0)])
def test_soft_split_agrees_with_the_unforced_sampler(energy, t_max):
    # independent: Geant4's rejection sampler of Eq. 18 (sample_x), 4e6 pairs at E = 60 GeV hold
    # ~5000 with a muon below t_max; P agrees within 4 sigma of its binomial error, and the forced
    # kinetic energies follow the same spectrum (two-sample KS)
    x = sample_x(energy, "Pb", np.random.default_rng(21), 4_000_000)
    kin = np.minimum(x, 1.0 - x) * energy - M_MU
    soft = kin < t_max
    e_soft, p = soft_split(np.full(20000, energy), t_max, "Pb", np.random.default_rng(22))
    assert np.all(p == p[0]) and abs(p[0] - soft.mean()) < 4.0 * math.sqrt(soft.sum()) / x.size
    assert np.all((e_soft - M_MU >= 0.0) & (e_soft - M_MU <= t_max * (1 + 1e-12)))
    assert stats.ks_2samp(e_soft - M_MU, kin[soft]).pvalue > 1e-3


def test_soft_split_checks_input():
    rng = np.random.default_rng(0)
    e, p = soft_split(np.array([40.0, 90.0]), 0.33, "Pb", rng)
    assert e.shape == p.shape == (2,) and p[0] > p[1] > 0  # softer splits are likelier at lower E_γ
    with pytest.raises(UserInputError, match="t_max"):
        soft_split(np.array([40.0]), 0.0, "Pb", rng)
    with pytest.raises(UserInputError, match="e_gamma"):  # both muons could be that soft
        soft_split(np.array([0.8]), 0.33, "Pb", rng)
