"""A′ decay widths (spec Eqs. 3–4)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.constants import HBARC_GEV_CM, M_E, M_MU
from darkmiss.errors import UserInputError
from darkmiss.physics.widths import decay_widths, width_chi, width_ll


def test_width_ee_by_hand():
    # Eq. 3, m = 100 MeV, ε = 1e-4: α/3 = 7.2973526e-3/3 = 2.4324509e-3; × ε² m = 1e-9 → 2.4324509e-12 GeV;
    # r = m_e²/m² = 2.6112e-5: (1 + 2r)√(1 − 4r) = 1 − 6r² + … = 1 − 4.1e-9 → Γ_ee = 2.43245e-12 GeV.
    assert width_ll(0.1, 1e-4, M_E) == pytest.approx(2.43245e-12, rel=1e-5)


def test_width_mumu_by_hand():
    # Eq. 3, m = 0.5 GeV, ε = 1e-3, m_μ = 0.1056584: r = 0.0446558; (1 + 2r) = 1.0893116,
    # √(1 − 4r) = √0.8213768 = 0.9062984; α/3 · 1e-6 · 0.5 = 1.21622543e-9 GeV → Γ_μμ = 1.20066e-9 GeV.
    assert width_ll(0.5, 1e-3, M_MU) == pytest.approx(1.20066e-9, rel=1e-5)


def test_width_chi_by_hand():
    # Eq. 4, fermion, m = 0.1, m_χ = 0.03, α_D = 0.5: r = 0.09, (1 + 0.18)·√0.64 = 0.944,
    # α_D m/3 = 0.0166667 → Γ = 0.0157333 GeV. Scalar: α_D m/12 · β³ = 0.00416667 · 0.512 = 0.00213333 GeV.
    assert width_chi(0.1, 0.5, 0.03, "fermion") == pytest.approx(0.0157333, rel=1e-5)
    assert width_chi(0.1, 0.5, 0.03, "scalar") == pytest.approx(0.00213333, rel=1e-5)


def test_decay_widths_record_and_lengths():
    w = decay_widths(0.1, 1e-4, 0.5, 0.03)
    assert w.gamma_mumu == 0.0  # below 2 m_μ
    assert w.total == pytest.approx(w.gamma_ee + w.gamma_chi, rel=1e-15)
    assert w.br_ee + w.br_mumu + w.br_chi == pytest.approx(1.0, rel=1e-14)
    # cτ = ħc/Γ = 1.97327e-14 GeV cm / 0.0157333 GeV = 1.25420e-12 cm
    assert w.ctau_cm == pytest.approx(HBARC_GEV_CM / w.total, rel=1e-14)
    assert w.ctau_cm == pytest.approx(1.2542e-12, rel=1e-4)
    # Lab length at E = 50 GeV: βγ = √(50² − 0.1²)/0.1 = 499.999
    assert w.decay_length_cm(50.0) == pytest.approx(499.999 * w.ctau_cm, rel=1e-6)
    rec = w.as_record()
    assert rec["br_chi"] == w.br_chi and rec["gamma_total"] == w.total
    with pytest.raises(UserInputError):
        w.decay_length_cm(0.05)


def test_closed_channels_give_zero_not_nan():
    # m_χ ≥ m/2 is allowed and closes the invisible channel; below 2 m_e everything is closed.
    assert width_chi(0.1, 0.5, 0.05) == 0.0
    assert width_chi(0.1, 0.5, 0.2, "scalar") == 0.0
    w = decay_widths(0.0009, 1e-4, 0.5, 0.001)
    assert w.total == 0.0 and w.br_chi == 0.0 and w.br_ee == 0.0
    assert math.isinf(w.ctau_cm)


def test_vectorised():
    m = np.array([0.001, 0.1, 0.3])
    out = width_ll(m, 1e-3, M_MU)
    assert out.shape == (3,)
    assert out[0] == 0.0 and out[1] == 0.0 and out[2] > 0.0


@given(m1=st.floats(0.0011, 5.0), ratio=st.floats(1.001, 10.0), eps=st.floats(1e-6, 1e-2))
def test_lepton_widths_increase_with_mass(m1, ratio, eps):
    for ml in (M_E, M_MU):
        assert width_ll(m1 * ratio, eps, ml) >= width_ll(m1, eps, ml)
        assert width_ll(m1 * ratio, eps, ml) >= 0.0
    assert width_ll(m1, 2 * eps, M_E) == pytest.approx(4 * width_ll(m1, eps, M_E), rel=1e-13)


@given(
    m1=st.floats(0.001, 5.0),
    ratio=st.floats(1.001, 10.0),
    frac=st.floats(0.0, 0.6),
    alpha_d=st.floats(1e-3, 1.0),
)
def test_chi_widths_increase_with_mass(m1, ratio, frac, alpha_d):
    mchi = frac * m1
    for kind in ("fermion", "scalar"):
        g1 = width_chi(m1, alpha_d, mchi, kind)
        g2 = width_chi(m1 * ratio, alpha_d, mchi, kind)
        assert 0.0 <= g1 <= g2
    # The P-wave scalar width never exceeds the fermion one.
    assert width_chi(m1, alpha_d, mchi, "scalar") <= width_chi(m1, alpha_d, mchi, "fermion")


@given(mass=st.floats(0.002, 2.0), frac=st.floats(0.0, 0.49), eps=st.floats(1e-6, 1e-2))
def test_branching_ratios_sum_to_one(mass, frac, eps):
    w = decay_widths(mass, eps, 0.1, frac * mass, "scalar")
    assert w.br_ee + w.br_mumu + w.br_chi == pytest.approx(1.0, rel=1e-12)
    assert 0.0 < w.br_chi <= 1.0


def test_bad_input():
    with pytest.raises(UserInputError):
        width_ll(0.0, 1e-4, M_E)
    with pytest.raises(UserInputError):
        width_chi(0.1, -0.5, 0.01)
    with pytest.raises(UserInputError):
        width_chi(0.1, 0.5, 0.01, kind="vector")
