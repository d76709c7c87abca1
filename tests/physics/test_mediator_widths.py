"""Widths, branching ratios and decays in flight of every mediator and model (physics.mediator_widths)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkmiss.constants import ALPHA, HBARC_GEV_CM, M_E, M_MU, M_PI0
from darkmiss.errors import UserInputError
from darkmiss.physics.mediator_widths import (
    CHANNELS,
    escape_probability,
    fermion_pair_width,
    gamma_gamma_width,
    model_widths,
)
from darkmiss.physics.widths import decay_widths


def test_dark_photon_agrees_with_spec_eqs_3_and_4():
    for mass, kind in ((0.05, "fermion"), (0.5, "fermion"), (0.5, "scalar")):
        new = model_widths("dark-photon", mass, 1e-3, alpha_d=0.5, mchi=0.1, chi_kind=kind)
        old = decay_widths(mass, 1e-3, 0.5, 0.1, kind)
        assert new.partial["ee"] == pytest.approx(old.gamma_ee, rel=1e-13)
        assert new.partial["mumu"] == pytest.approx(old.gamma_mumu, rel=1e-13)
        assert new.partial["chi"] == pytest.approx(old.gamma_chi, rel=1e-13)
        assert new.partial["nunu"] == 0.0 and new.partial["gammagamma"] == 0.0


@pytest.mark.parametrize(
    ("mediator", "power", "denominator"),
    [("scalar", 3, 8.0), ("pseudoscalar", 1, 8.0), ("axial", 3, 12.0)],
)
def test_lepton_pair_widths_by_hand(mediator, power, denominator):
    # Γ = g² m β^n/(dπ), g² = 4πα ε²: m = 0.5 GeV, ε = 1e-3, μ pair: β² = 1 − 4m_μ²/m².
    g2 = 4 * math.pi * ALPHA * 1e-6
    beta = math.sqrt(1 - 4 * M_MU**2 / 0.25)
    ref = g2 * 0.5 * beta**power / (denominator * math.pi)
    assert fermion_pair_width(mediator, 0.5, g2, M_MU) == pytest.approx(ref, rel=1e-14)
    assert model_widths(None, 0.5, 1e-3, mediator=mediator).partial["mumu"] == pytest.approx(ref, rel=1e-14)
    assert fermion_pair_width(mediator, 0.2, g2, M_MU) == 0.0  # below 2 m_μ


@pytest.mark.parametrize(("mediator", "amp"), [("scalar", 4.0 / 3.0), ("pseudoscalar", 2.0)])
def test_two_photon_width_heavy_lepton_limit(mediator, amp):
    # m ≪ m_ℓ: the low-energy theorems. Pseudoscalar: g_aγγ = αg/(π m_ℓ), Γ = g_aγγ² m³/(64π) (the ALP
    # formula); scalar: g_φγγ = 2αg/(3π m_ℓ). Both are α² g² m³ A²/(256π³ m_ℓ²) with A = 2 and 4/3.
    g, m = 1e-4, 1e-4  # m = 0.1 MeV ≪ m_e
    got = gamma_gamma_width(mediator, m, {"e": g})
    geff = amp * ALPHA * g / (2 * math.pi * M_E)
    assert got == pytest.approx(geff**2 * m**3 / (64 * math.pi), rel=1e-5)
    assert gamma_gamma_width("vector", m, {"e": g}) == 0.0 == gamma_gamma_width("axial", m, {"e": g})


def test_two_photon_amplitude_is_continuous_across_threshold():
    # f(τ) is continuous at τ = 1 (arcsin² → π²/4); so is the width just below and above 2 m_e.
    lo = gamma_gamma_width("scalar", 2 * M_E * (1 - 1e-7), {"e": 1.0})
    hi = gamma_gamma_width("scalar", 2 * M_E * (1 + 1e-7), {"e": 1.0})
    assert hi == pytest.approx(lo, rel=1e-3)
    small = gamma_gamma_width("pseudoscalar", 1e-3 * M_E, {"e": 1.0})  # series branch
    mid = gamma_gamma_width("pseudoscalar", 2.1e-2 * M_E, {"e": 1.0})  # closed form
    assert mid / small == pytest.approx(21.0**3, rel=1e-3)


def test_b_minus_l_neutrinos_and_branching():
    # 2m_e < m < 2m_μ: Γ_νν = 3 g²m/24π, Γ_ee ≈ g²m/12π → B_inv = 3/5 (massless limit).
    w = model_widths("B-L", 0.05, 1e-4)
    assert w.b_invisible == pytest.approx(0.6, rel=1e-6)
    assert w.br("nunu") + w.br("ee") == pytest.approx(1.0, rel=1e-14)
    below = model_widths("B-L", 1e-3, 1e-4)  # below 2 m_e only neutrinos
    assert below.b_invisible == 1.0 and below.b_visible == 0.0
    with pytest.raises(UserInputError):
        model_widths("B-L", M_PI0, 1e-4)  # hadronic decays not modelled


def test_lmu_ltau_widths():
    w = model_widths("Lmu-Ltau", 0.1, 1e-4)  # below 2 m_μ: νν̄ (two flavours) and a loop-suppressed e⁺e⁻
    g2 = 4 * math.pi * ALPHA * 1e-8
    assert w.partial["nunu"] == pytest.approx(2 * g2 * 0.1 / (24 * math.pi), rel=1e-14)
    assert w.partial["ee"] / w.partial["nunu"] < 1e-4
    assert 0.9999 < w.b_invisible < 1.0
    above = model_widths("Lmu-Ltau", 0.5, 1e-4)
    # Γ_μμ/Γ_νν = [g²m(1 + 2r)β/12π]/[2 g²m/24π] = (1 + 2r)β, r = m_μ²/m²
    assert above.partial["mumu"] / above.partial["nunu"] == pytest.approx(
        (1 + 2 * M_MU**2 / 0.25) * math.sqrt(1 - 4 * M_MU**2 / 0.25), rel=1e-9
    )


def test_record_and_branching_ratios():
    w = model_widths(None, 0.3, 1e-4, mediator="pseudoscalar", alpha_d=0.1, mchi=0.05)
    rec = w.as_record()
    assert {f"gamma_{c}" for c in CHANNELS} <= set(rec) and {f"br_{c}" for c in CHANNELS} <= set(rec)
    assert sum(rec[f"br_{c}"] for c in CHANNELS) == pytest.approx(1.0, rel=1e-14)
    assert rec["ctau_cm"] == pytest.approx(HBARC_GEV_CM / rec["gamma_total"], rel=1e-14)
    assert rec["mediator"] == "pseudoscalar" and rec["model"] == "universal"
    assert w.b_invisible == pytest.approx(rec["br_chi"], rel=1e-14)
    with pytest.raises(UserInputError):
        model_widths(None, 0.3, 1e-4, mediator="scalar", mchi=0.05, chi_kind="scalar")


def test_escape_probability_and_invisible_fraction():
    # exp(−L/λ) with λ = (p/m) cτ, one energy; a spectrum averages it.
    m, ctau, e, length = 0.01, 10.0, 50.0, 600.0
    lam = math.sqrt(e * e - m * m) / m * ctau
    assert escape_probability(ctau, m, e, length) == pytest.approx(math.exp(-length / lam), rel=1e-14)
    es = np.array([30.0, 60.0, 90.0])
    ws = np.array([1.0, 2.0, 1.0])
    ref = np.sum(ws * np.exp(-length * m / (np.sqrt(es**2 - m**2) * ctau))) / ws.sum()
    assert escape_probability(ctau, m, es, length, ws) == pytest.approx(ref, rel=1e-14)
    assert escape_probability(math.inf, m, es, length) == 1.0
    # B−L: f_inv = B_inv + B_vis P_out → 1 for a tiny coupling (cτ huge), → B_inv for a large one
    weak = model_widths("B-L", 0.05, 1e-9)
    strong = model_widths("B-L", 0.05, 1e-2)
    assert weak.invisible_fraction(es, 650.0, ws) == pytest.approx(1.0, abs=1e-6)
    assert strong.invisible_fraction(es, 650.0, ws) == pytest.approx(strong.b_invisible, abs=1e-6)
    with pytest.raises(UserInputError):
        escape_probability(ctau, m, [0.005], length)  # energy below the mass
