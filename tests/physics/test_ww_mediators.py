"""WW and improved-WW production of every mediator (darkmiss.physics.ww_mediators, physics.production)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from darkmiss.constants import M_E, M_MU
from darkmiss.errors import UserInputError
from darkmiss.physics.aprime import d2sigma_dx_dcos_iww, dsigma_dx_iww, sigma_iww, sigma_ww
from darkmiss.physics.etl import dsigma_dx_etl
from darkmiss.physics.models import MEDIATORS, get_mediator
from darkmiss.physics.production import cross_section
from darkmiss.physics.ww_mediators import (
    _shape_integral,
    d2sigma_dx_dcos_iww_mediator,
    dsigma_dx_iww_mediator,
    iww_integral,
    sigma_iww_mediator,
    sigma_ww_mediator,
)

NEW = ("scalar", "pseudoscalar", "axial")


def test_vector_is_the_spec_and_bjorken_forms():
    # The vector keeps spec Eq. 9 and Bjorken et al. Eqs. A12/A14 exactly (no change to the dark photon).
    assert sigma_ww_mediator(0.1, 100.0) == sigma_ww(0.1, 100.0)
    assert dsigma_dx_iww_mediator(0.4, 0.1, 100.0) == dsigma_dx_iww(0.4, 0.1, 100.0)
    assert d2sigma_dx_dcos_iww_mediator(0.4, 0.99999, 0.1, 100.0) == d2sigma_dx_dcos_iww(
        0.4, 0.99999, 0.1, 100.0
    )
    assert sigma_iww_mediator(0.1, 100.0)[0] == float(sigma_iww(0.1, 100.0))


def test_ww_coefficients():
    # σ_WW = c ε²α³χ ln δ⁻¹/m²: c = 4/3 (vector, axial), 2/3 (spin 0) — the x → 1 leading logarithm of each
    # mediator's IWW dσ/dx (module docstring).
    v = float(sigma_ww(0.05, 100.0))
    for med, c in (("scalar", 2 / 3), ("pseudoscalar", 2 / 3), ("axial", 4 / 3)):
        assert get_mediator(med).ww_coefficient == pytest.approx(c)
        assert float(sigma_ww_mediator(0.05, 100.0, mediator=med)) == pytest.approx(
            v * c / (4 / 3), rel=1e-14
        )


@pytest.mark.parametrize("mediator", NEW)
def test_leading_log_of_the_iww_shape(mediator):
    # (1 − x) m² F(x) → c for m_ℓ²/m² ≪ 1 − x ≪ 1 (the ln δ⁻¹ of Eq. 9 comes from this region).
    m, ml = 1.0, 1e-6
    x = 1.0 - 1e-4
    f = float(dsigma_dx_iww_mediator(x, m, 1e6, "Pb", 1.0, ml, mediator))
    pref = float(dsigma_dx_iww_mediator(x, m, 1e6, "Pb", 1.0, ml, "vector")) / (4.0 / 3.0)
    assert f / pref == pytest.approx(get_mediator(mediator).ww_coefficient, rel=2e-3)


@pytest.mark.parametrize("mediator", NEW)
@pytest.mark.parametrize(
    ("mass", "energy", "ml"), [(0.02, 100.0, M_E), (0.2, 160.0, M_MU), (0.002, 100.0, M_E)]
)
def test_angular_integral_of_the_double_differential(mediator, mass, energy, ml):
    # ∫ d²σ/(dx dcosθ) dcosθ (trapezoid in θ, 20001 log-spaced points) = dσ/dx: two independently written
    # forms of the same 2→2 amplitude, within 1e-4 (the θ grid).
    x = 0.6
    th = np.geomspace(1e-9, 1.0, 20001)
    d2 = d2sigma_dx_dcos_iww_mediator(x, np.cos(th), mass, energy, "Pb", 1.0, ml, mediator)
    integral = np.trapezoid(d2 * np.sin(th), th)
    assert integral == pytest.approx(
        float(dsigma_dx_iww_mediator(x, mass, energy, "Pb", 1.0, ml, mediator)), rel=1e-4
    )


@pytest.mark.parametrize("mediator", NEW)
def test_etl_agrees_with_iww_for_a_light_boson(mediator):
    # WW regime (m = 20 MeV ≪ E0 = 100 GeV, 0.3 ≤ x ≤ 0.7): ETL/IWW within 6% for every mediator, as for the
    # vector (measured: +1.6% to +4.4%; docs/physics-mediators.md).
    xs = np.array([0.3, 0.5, 0.7])
    etl, err = dsigma_dx_etl(xs, 0.02, 100.0, mediator=mediator)
    iww = np.asarray(dsigma_dx_iww_mediator(xs, 0.02, 100.0, mediator=mediator))
    assert np.all(err / etl < 0.005)
    np.testing.assert_allclose(etl / iww, 1.0, atol=0.06)


def test_vectorised_integral_matches_adaptive_quadrature():
    # The composite Gauss–Legendre of the tables against scipy quad (rel. 1e-9) over masses, energies, leptons.
    worst = 0.0
    for med in MEDIATORS:
        for ml in (M_E, M_MU):
            for m in (0.001, 0.01, 0.2, 2.5):
                for e in (10.0, 160.0):
                    if m + ml >= e:
                        continue
                    for lo in (m / e, 0.5):
                        ref, _ = _shape_integral(m, ml, get_mediator(med), max(lo, m / e), 1 - ml / e)
                        got = iww_integral(m, ml, med, max(lo, m / e), 1 - ml / e)[0]
                        worst = max(worst, abs(got / ref - 1.0))
    assert worst < 1e-8


def test_positivity_and_epsilon_scaling():
    xs = np.linspace(0.01, 0.99, 50)
    for med in NEW:
        for ml in (M_E, M_MU):
            f = np.asarray(dsigma_dx_iww_mediator(xs, 0.05, 100.0, "Pb", 1.0, ml, med))
            assert np.all(f > 0)
        a = sigma_iww_mediator(0.05, 100.0, mediator=med)[0]
        b = sigma_iww_mediator(0.05, 100.0, epsilon=1e-3, mediator=med)[0]
        assert b == pytest.approx(1e-6 * a, rel=1e-13)


def test_production_entry_point_records_and_models():
    ww = cross_section("ww", 0.1, 100.0, mediator="scalar")
    assert (ww.mediator, ww.model, ww.beam) == ("scalar", "universal", "e-")
    assert ww.sigma_pb == pytest.approx(float(sigma_ww(0.1, 100.0)) / 2, rel=1e-14)
    pos = cross_section("iww", 0.1, 100.0, lepton="e+")
    assert pos.beam == "e+" and pos.sigma_pb == cross_section("iww", 0.1, 100.0).sigma_pb
    lmt = cross_section("iww", 0.01, 100.0, model="Lmu-Ltau")
    dp = cross_section("iww", 0.01, 100.0)
    ratio = (2 * (1 / 137.035999084) / math.pi * math.log(1.77686 / 0.1056584) / 3) ** 2
    assert lmt.sigma_pb / dp.sigma_pb == pytest.approx(ratio, rel=1e-3)  # loop-induced electron coupling
    assert cross_section("iww", 0.01, 100.0, lepton="mu-", model="Lmu-Ltau").sigma_pb == pytest.approx(
        cross_section("iww", 0.01, 100.0, lepton="mu").sigma_pb, rel=1e-14
    )
    with pytest.raises(UserInputError):
        cross_section("ww", 0.1, 100.0, mediator="scalar", model="B-L")
