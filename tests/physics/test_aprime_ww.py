"""A′ production in the WW and improved-WW approximations (spec Eq. 9; Bjorken et al. 2009, App. A)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import integrate

from darkmiss.constants import ALPHA, GEV2_TO_PB, M_E, M_MU
from darkmiss.errors import UserInputError
from darkmiss.physics.aprime import (
    CrossSection,
    chi_iww,
    chi_iww_points,
    d2sigma_dx_dcos_iww,
    dsigma_dx_iww,
    resolve_target,
    sigma_iww,
    sigma_ww,
)
from darkmiss.physics.formfactors import chi_flux_numeric
from darkmiss.physics.production import cross_section


def test_sigma_ww_by_hand():
    # Eq. 9 at m = 100 MeV, E0 = 100 GeV, Pb: δ = max(m_e²/m², m²/E0²) = max(2.611e-5, 1e-6) → ln δ⁻¹ = 10.553;
    # Φ from the *numerical* χ (independent of the closed form): Φ/Z² = 12.40;
    # σ = 4/3 · α³ · Φ / m² · ln δ⁻¹ = 4/3 · 3.8862e-7 · 83380 / 0.01 · 10.553 GeV⁻² = 45.59 GeV⁻² = 1.775e10 pb.
    m, e = 0.1, 100.0
    phi = chi_flux_numeric(m**4 / (4 * e**2), m**2, 82, 207.2)
    expected = 4.0 / 3.0 * ALPHA**3 * phi / m**2 * math.log(m**2 / M_E**2) * GEV2_TO_PB
    assert sigma_ww(m, e, "Pb") == pytest.approx(expected, rel=1e-9)
    assert sigma_ww(m, e, "Pb") == pytest.approx(1.775e10, rel=2e-3)


def test_sigma_ww_delta_switches_to_mass_over_energy():
    # When m²/E0² > m_e²/m² (heavy A′ at low energy) δ = m²/E0².
    m, e = 0.9, 10.0
    assert (m / e) ** 2 > (M_E / m) ** 2
    phi = chi_iww(m, e, "Pb")
    expected = 4.0 / 3.0 * ALPHA**3 * phi / m**2 * math.log(e**2 / m**2) * GEV2_TO_PB
    assert sigma_ww(m, e, "Pb") == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("method", ["ww", "iww"])
def test_sigma_scales_exactly_as_epsilon_squared(method):
    for eps in (1e-5, 3e-3, 0.7):
        s1 = cross_section(method, 0.05, 100.0, "Pb", epsilon=1.0).sigma_pb
        se = cross_section(method, 0.05, 100.0, "Pb", epsilon=eps).sigma_pb
        assert se == pytest.approx(eps**2 * s1, rel=1e-13)
    d1 = d2sigma_dx_dcos_iww(0.7, math.cos(1e-4), 0.05, 100.0)
    de = d2sigma_dx_dcos_iww(0.7, math.cos(1e-4), 0.05, 100.0, epsilon=2e-4)
    assert de == pytest.approx(4e-8 * d1, rel=1e-13)


@pytest.mark.parametrize(
    ("mass", "energy", "lepton_mass"),
    [(0.0167, 100.0, M_E), (0.1, 100.0, M_E), (1.0, 100.0, M_E), (0.002, 10.0, M_E), (0.3, 150.0, M_MU)],
)
def test_integral_of_dsigma_dx_equals_sigma_iww(mass, energy, lepton_mass):
    # Independent integration: trapezoid on a 40001-point grid uniform in ln(1 − x) (the x → 1 peak
    # at 1 − x ~ m_ℓ²/m² is resolved); agreement within 1e-5 relative.
    x_lo, x_hi = mass / energy, 1.0 - lepton_mass / energy
    y = np.geomspace(1.0 - x_hi, 1.0 - x_lo, 40001)
    x = 1.0 - y
    f = dsigma_dx_iww(x, mass, energy, "Pb", lepton_mass=lepton_mass)
    integral = integrate.trapezoid(f * y, np.log(y))
    assert sigma_iww(mass, energy, "Pb", lepton_mass=lepton_mass) == pytest.approx(integral, rel=1e-5)


def test_sigma_iww_partial_range_adds_up():
    m, e = 0.05, 100.0
    lo = sigma_iww(m, e, x_max=0.5)
    hi = sigma_iww(m, e, x_min=0.5)
    assert lo + hi == pytest.approx(sigma_iww(m, e), rel=1e-9)
    assert hi > lo  # the A′ takes most of the beam energy


@pytest.mark.parametrize("x", [0.2, 0.5, 0.8])
def test_angular_integral_gives_dsigma_dx(x):
    # ∫ d²σ/(dx dcosθ) dcosθ = dσ/dx (Bjorken Eq. A12 → A14, small angles; equal up to O(m_e²/m²) and
    # O(θ²) terms, < 1e-3 here). Integrated in ln θ over [1e-9, π] with sin θ dθ.
    m, e = 0.1, 100.0

    def f(lt: float) -> float:
        th = math.exp(lt)
        return float(d2sigma_dx_dcos_iww(x, math.cos(th), m, e)) * math.sin(th) * th

    val, _ = integrate.quad(f, math.log(1e-9), math.log(math.pi), limit=400, epsrel=1e-9)
    assert val == pytest.approx(dsigma_dx_iww(x, m, e), rel=1e-3)


@pytest.mark.parametrize("mass", [0.0167, 0.05, 0.1, 0.3])
def test_iww_and_ww_agree_at_leading_log(mass):
    # ∫ (1 − x + x²/3)/U dx = (1/3m²)[ln(m²/m_e²) + O(1)] reproduces Eq. 9's (4/3) ln δ⁻¹ (Bjorken et al.
    # App. A): the two agree to ~10% for m_e ≪ m ≪ E0 (measured: 0.95 at 16.7 and 100 MeV).
    assert sigma_iww(mass, 100.0) / sigma_ww(mass, 100.0) == pytest.approx(1.0, abs=0.1)


def test_muon_beam_cross_section_smaller_than_electron():
    for m in (0.01, 0.1, 1.0):
        assert sigma_iww(m, 150.0, lepton_mass=M_MU) < sigma_iww(m, 150.0, lepton_mass=M_E)


def test_dsigma_dx_zero_outside_kinematic_range():
    m, e = 0.1, 100.0
    out = dsigma_dx_iww(np.array([0.0005, 0.5, 1.0]), m, e)
    assert out[0] == 0.0 and out[2] == 0.0 and out[1] > 0.0
    assert d2sigma_dx_dcos_iww(1.0, 1.0, m, e) == 0.0


@given(
    m1=st.floats(0.003, 1.0),
    ratio=st.floats(1.01, 3.0),
    energy=st.floats(10.0, 300.0),
    target=st.sampled_from(["C", "Fe", "W", "Pb"]),
)
def test_sigma_ww_positive_and_decreasing_in_mass(m1, ratio, energy, target):
    m2 = m1 * ratio
    assume(m2 < 0.5 * energy)
    s1, s2 = sigma_ww(m1, energy, target), sigma_ww(m2, energy, target)
    assert s1 > 0 and s2 > 0
    assert s2 < s1


@given(mass=st.floats(0.003, 1.0), e1=st.floats(5.0, 200.0), ratio=st.floats(1.05, 5.0))
def test_sigma_iww_positive_and_nondecreasing_in_energy(mass, e1, ratio):
    assume(mass < 0.5 * e1)
    s1, s2 = sigma_iww(mass, e1), sigma_iww(mass, e1 * ratio)
    assert s1 > 0
    assert s2 >= s1 * (1 - 1e-9)


@given(
    x=st.floats(0.01, 0.999),
    theta=st.floats(0.0, 0.1),
    mass=st.floats(0.002, 1.0),
    energy=st.floats(20.0, 200.0),
)
def test_double_differential_positive(x, theta, mass, energy):
    # The bracket of Eq. A12 is ≥ (1 − x/2)² > 0 (its negative term peaks at E0²xθ² = U0).
    assume(mass / energy < x < 1 - M_E / energy)
    assert d2sigma_dx_dcos_iww(x, math.cos(theta), mass, energy) > 0.0


def test_vectorised_over_mass_and_energy():
    masses = np.array([0.01, 0.1, 0.5])
    out = sigma_ww(masses, 100.0)
    assert out.shape == (3,)
    assert out[1] == pytest.approx(sigma_ww(0.1, 100.0), rel=1e-14)
    grid = sigma_iww(masses[:, None], np.array([50.0, 100.0])[None, :])
    assert grid.shape == (3, 2)
    assert grid[2, 1] == pytest.approx(sigma_iww(0.5, 100.0), rel=1e-12)


def test_cross_section_dataclass_and_errors():
    ww = cross_section("ww", 0.1, 100.0, "W", epsilon=1e-4)
    assert isinstance(ww, CrossSection) and ww.sigma_err_pb == 0.0 and ww.target == "W"
    iww = cross_section("iww", 0.1, 100.0, resolve_target("Pb"), epsilon=1e-4)
    assert 0.0 < iww.sigma_err_pb < 1e-6 * iww.sigma_pb
    mu = cross_section("iww", 0.1, 150.0, "Pb", lepton="mu")
    assert mu.sigma_pb == pytest.approx(sigma_iww(0.1, 150.0, lepton_mass=M_MU), rel=1e-12)


@pytest.mark.parametrize(
    ("kwargs", "parameter"),
    [
        ({"mass": 0.0, "energy": 100.0}, "mass"),
        ({"mass": -0.1, "energy": 100.0}, "mass"),
        ({"mass": 100.0, "energy": 100.0}, "mass"),
        ({"mass": 0.1, "energy": 100.0, "epsilon": 0.0}, "epsilon"),
        ({"mass": 0.1, "energy": 100.0, "target": "Xx"}, "target"),
        ({"mass": 0.05, "energy": 100.0, "lepton_mass": M_MU}, "mass"),  # m ≤ m_ℓ: Eq. 9 invalid
        ({"mass": 0.1, "energy": float("nan")}, "energy"),
    ],
)
def test_sigma_ww_bad_input(kwargs, parameter):
    with pytest.raises(UserInputError) as err:
        sigma_ww(**kwargs)
    assert err.value.parameter == parameter


def test_other_bad_input():
    with pytest.raises(UserInputError):
        cross_section("xyz", 0.1, 100.0)
    with pytest.raises(UserInputError):
        cross_section("iww", 0.1, 100.0, lepton="tau")
    with pytest.raises(UserInputError):
        sigma_iww(0.1, 100.0, x_min=2.0)
    with pytest.raises(UserInputError):
        d2sigma_dx_dcos_iww(0.5, 1.5, 0.1, 100.0)


def test_chi_iww_points_is_chi_iww_at_every_point():
    """χ at broadcast (m, E₀) points: a scalar (m, E₀) is evaluated once and must give exactly the
    numbers of the elementwise evaluation (the cross-sections downstream are compared bit for bit)."""
    x = np.linspace(0.01, 0.99, 257)
    for m, e in ((0.0011, 100.0), (0.0167, 37.5), (0.5, 60.0), (0.32374575428176433, 3.665241237079628)):
        _, mm, ee = np.broadcast_arrays(x, m, e)
        assert not any(mm.strides)
        np.testing.assert_array_equal(chi_iww_points(mm, ee, "Pb"), chi_iww(mm, ee, "Pb"))
    # points with different masses take the elementwise path
    mm = np.geomspace(0.001, 0.5, 7)
    ee = np.full(7, 100.0)
    np.testing.assert_array_equal(chi_iww_points(mm, ee, "W"), chi_iww(mm, ee, "W"))
