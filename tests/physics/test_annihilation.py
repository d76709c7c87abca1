"""Tests of σ(e⁺e⁻ → V → invisible) on electrons at rest (darkmiss.physics.annihilation).

References: the relativistic Breit–Wigner with σ_peak = 12π B_ee B_inv / m² for a vector (PDG
review "Cross-section formulae for specific processes", Eq. 51.1 with (2J + 1)/4 = 3/4), its
narrow-width integral ∫ σ ds = 12π² Γ_ee B_inv / m, and e⁺e⁻ → γ* → μ⁺μ⁻ far off the pole,
σ = 4πα²/(3s) (1 + 2m²/s) β (Peskin & Schroeder Eq. 5.13 with the lepton mass).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from darkmiss.constants import ALPHA, GEV2_TO_PB, M_E
from darkmiss.errors import UserInputError
from darkmiss.physics.annihilation import (
    SPIN_FACTORS,
    Resonance,
    mandelstam_s,
    narrow_width_integral_pb_gev,
    resonance_energy,
    sigma_integral_pb_gev,
    sigma_pb,
    sigma_quadrature,
    vector_resonance,
)
from darkmiss.physics.widths import width_chi, width_ll


def _constant_width(mass: float, ratio: float, br: float = 1.0) -> Resonance:
    g = ratio * mass
    return Resonance(mass, g, lambda m: np.full(np.shape(m), br * g), 1.0, "test")


def test_resonance_kinematics():
    # s = 2 m_e (E + m_e) for an electron at rest; E_R = m²/(2m_e) − m_e ≈ 61.15 GeV at 0.25 GeV.
    for m in (0.01, 0.25, 0.5):
        assert float(mandelstam_s(resonance_energy(m))) == pytest.approx(m * m, rel=1e-12)
    assert float(resonance_energy(0.25)) == pytest.approx(0.25**2 / (2 * M_E), rel=1e-5)


def test_default_width_is_not_narrow():
    # α_D = 0.5, m_χ = m/3 (spec Sec. X): Γ/m = (α_D/3)(1 + 2/9)√(1 − 4/9) = 0.1518 (spec Eq. 4).
    res = vector_resonance(0.25)
    assert res.gamma_total / res.mass == pytest.approx(0.5 / 3 * (1 + 2 / 9) * math.sqrt(5 / 9), rel=1e-12)
    assert res.br_invisible == pytest.approx(1.0)


def test_peak_cross_section():
    # Vector: σ(E_R) = 12π B_ee B_inv / m² with Γ_ee = α ε² m/3 (spec Eq. 3) and Γ = Γ_ee + Γ_inv.
    m, eps, ginv = 0.2, 1e-2, 1e-3
    gee = float(width_ll(m, eps, M_E))
    res = Resonance(m, ginv + gee, lambda x: np.full(np.shape(x), ginv), 1.0)
    peak = 12 * math.pi / m**2 * (gee / res.gamma_total) * (ginv / res.gamma_total) * GEV2_TO_PB
    # Γ_ee carries (1 + 2m_e²/m²)√(1 − 4m_e²/m²), which σ's tree-level coupling does not: 1e-4 here.
    assert float(sigma_pb(resonance_energy(m), res, eps)) == pytest.approx(peak, rel=2e-4)


def test_far_off_pole_is_ee_to_mumu_like():
    # s ≫ m²: σ → 4π α α_D ε² (1 + 2m_χ²/s) β_χ / (3s), e⁺e⁻ → μ⁺μ⁻ with α² → α α_D ε².
    res = Resonance(0.003, 1e-4, lambda m: np.asarray(width_chi(m, 0.5, 0.1)), 1.0)
    e = 400.0
    s = float(mandelstam_s(e))
    beta = math.sqrt(1 - 4 * 0.1**2 / s)
    ref = 4 * math.pi * ALPHA * 0.5 * (1 + 2 * 0.1**2 / s) * beta / (3 * s) * GEV2_TO_PB
    assert float(sigma_pb(e, res)) == pytest.approx(ref, rel=1e-3)


@pytest.mark.parametrize("ratio", [1e-6, 1e-4, 1e-2])
def test_narrow_width_integral(ratio):
    # ∫ σ dE = ∫ σ ds / (2 m_e) = 2π² α ε² B_inv / m_e for a narrow vector; independent check by the
    # trapezoidal rule on a grid fine compared with the width (ratio 1e-2), and the quadrature's limit.
    res = _constant_width(0.25, ratio, br=0.8)
    ref = 2 * math.pi**2 * ALPHA * 0.8 / M_E * GEV2_TO_PB
    assert narrow_width_integral_pb_gev(res) == pytest.approx(ref, rel=1e-12)
    lo, hi = 0.5 * res.energy, 2.0 * res.energy
    edges = np.geomspace(lo, hi, 121)  # bins of 1.2%, as the positron tally's
    total = sigma_integral_pb_gev(edges[:-1], edges[1:], res).sum()
    # the Lorentzian's tails outside [E_R/2, 2E_R] hold ≈ (2/π)(Γ/m) of it; √s ≠ m off the pole
    assert total == pytest.approx(ref, rel=2 * ratio + 1e-9)
    if ratio == 1e-2:
        e = np.linspace(lo, hi, 400_001)
        assert np.trapezoid(sigma_pb(e, res), e) == pytest.approx(total, rel=1e-5)


def test_wide_resonance_quadrature_matches_trapezoid():
    # Γ/m = 0.15 with the running numerator √s Γ_inv(√s): bins of 1% against a fine trapezoid.
    res = vector_resonance(0.25)
    edges = np.geomspace(30.0, 120.0, 141)
    parts = sigma_integral_pb_gev(edges[:-1], edges[1:], res)
    e = np.linspace(30.0, 120.0, 900_001)
    assert parts.sum() == pytest.approx(np.trapezoid(sigma_pb(e, res), e), rel=1e-6)
    # a smooth g is integrated with σ: g = E
    nodes, w = sigma_quadrature(edges[:-1], edges[1:], res)
    assert (w * nodes).sum() == pytest.approx(np.trapezoid(e * sigma_pb(e, res), e), rel=1e-6)


def test_spin_factor_and_epsilon_scaling():
    # Scalar and pseudoscalar: ½ of the vector at equal coupling ε e ((2J + 1) counting).
    assert SPIN_FACTORS == {"vector": 1.0, "axial": 1.0, "scalar": 0.5, "pseudoscalar": 0.5}
    v = vector_resonance(0.25)
    sc = dataclasses.replace(v, spin_factor=SPIN_FACTORS["scalar"])
    e = np.array([50.0, 61.0, 80.0])
    np.testing.assert_allclose(sigma_pb(e, sc), 0.5 * sigma_pb(e, v), rtol=1e-14)
    np.testing.assert_allclose(sigma_pb(e, v, 1e-3), 1e-6 * sigma_pb(e, v), rtol=1e-14)


def test_closed_invisible_channel_and_bad_inputs():
    with pytest.raises(UserInputError):
        vector_resonance(0.25, mchi=0.2)  # m_χ > m/2 and ε → 0: no width at all
    with pytest.raises(UserInputError):
        vector_resonance(0.25, chi_kind="majorana")
    with pytest.raises(UserInputError):
        _constant_width(0.0005, 0.1)
    with pytest.raises(UserInputError):
        sigma_integral_pb_gev(2.0, 1.0, vector_resonance(0.25))
    # below √s = 2 m_χ the invisible channel is closed: σ = 0 exactly
    res = vector_resonance(0.6)
    assert float(sigma_pb(100.0, res)) == 0.0
