"""g-2 one-loop A′ contribution (Pospelov 2009) and the dark-matter relations (spec Eqs. 5-6)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate

from darkmiss.constants import ALPHA, DELTA_A_MU, DELTA_A_MU_ERR, M_E, M_MU
from darkmiss.errors import UserInputError
from darkmiss.physics.darkmatter import epsilon_from_y, invisible_width, relic_alpha_d, y_parameter
from darkmiss.physics.gminus2 import amu_favoured_band, delta_a, epsilon_for_delta_a, loop_integral


def test_light_aprime_limit_is_alpha_eps2_over_2pi():
    # m_A' -> 0: the integral -> ∫ 2z dz = 1, a_l -> α ε²/2π (Pospelov 2009)
    eps = 1e-3
    assert delta_a(eps, 1e-9, M_MU) == pytest.approx(ALPHA * eps**2 / (2 * math.pi), rel=1e-6)
    assert loop_integral(0.0, M_E) == pytest.approx(1.0, abs=1e-12)


def test_heavy_aprime_limit():
    # m_A' >> m_l: I -> (2/3)(m_l/m_A')²
    assert loop_integral(100 * M_MU, M_MU) == pytest.approx(2.0 / 3.0 / 100**2, rel=0.05)


@pytest.mark.parametrize("ma", [1e-4, 0.003, 0.03, 0.3, 3.0])
def test_loop_integral_against_quad(ma):
    r2 = (ma / M_MU) ** 2
    ref = integrate.quad(
        lambda z: 2 * z * (1 - z) ** 2 / ((1 - z) ** 2 + z * r2), 0, 1, epsabs=1e-14, epsrel=1e-12, limit=200
    )[0]
    assert loop_integral(ma, M_MU) == pytest.approx(ref, rel=1e-8)


def test_amu_band_reproduces_delta_amu():
    lo, hi = amu_favoured_band(np.array([0.01, 0.1]), nsigma=2.0)
    assert np.all(lo < hi)
    assert delta_a(lo, np.array([0.01, 0.1]), M_MU) == pytest.approx(
        DELTA_A_MU - 2 * DELTA_A_MU_ERR, rel=1e-10
    )
    # m_A' = 10 MeV: the favoured ε ~ 2e-3 (spec Sec. I: "ε ≃ 10⁻³")
    eps = epsilon_for_delta_a(DELTA_A_MU, 0.01, M_MU)
    assert 1e-3 < float(eps) < 3e-3


def test_y_hand_calculation():
    # Eq. 6: ε = 1e-4, α_D = 0.5, m_A' = 3 m_χ  ->  y = 1e-8 * 0.5 / 81
    assert y_parameter(1e-4, 0.5, 0.01, 0.03) == pytest.approx(1e-8 * 0.5 / 81, rel=1e-12)
    assert epsilon_from_y(1e-8 * 0.5 / 81, 0.5, 0.01, 0.03) == pytest.approx(1e-4, rel=1e-12)


def test_relic_alpha_d_reference_point():
    # Eq. 5 at its reference point ε = 1e-3, m_A' = 100 MeV, m_χ = 10 MeV gives 0.02 f
    assert relic_alpha_d(1e-3, 0.1, 0.01, 1.0) == pytest.approx(0.02)
    # m_A' = 30 MeV, m_χ = 10 MeV, ε = 1e-4, f = 0.25: 0.02*0.25*100*0.3^4*1 = 4.05e-3
    assert relic_alpha_d(1e-4, 0.03, 0.01, 0.25) == pytest.approx(0.02 * 0.25 * 100 * 0.3**4, rel=1e-12)
    with pytest.raises(UserInputError):
        relic_alpha_d(1e-4, 0.03, 0.01, -1.0)


def test_invisible_width_eq4():
    # Eq. 4 with m_χ = 0: Γ = α_D m_A'/3; closed below threshold
    assert invisible_width(0.03, 0.0, 0.5) == pytest.approx(0.005)
    assert invisible_width(0.03, 0.02, 0.5) == 0.0


@given(eps=st.floats(1e-6, 1e-2), ma=st.floats(1e-4, 2.0))
def test_delta_a_scales_as_eps2(eps, ma):
    assert delta_a(2 * eps, ma, M_MU) == pytest.approx(4 * delta_a(eps, ma, M_MU), rel=1e-12)
