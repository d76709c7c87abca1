"""Form factors and the photon flux χ (spec Eqs. 10–11; Bjorken et al. 2009, App. A)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.errors import UserInputError
from darkmiss.physics.formfactors import (
    chi_flux,
    chi_flux_numeric,
    g2_elastic,
    g2_inelastic,
    nuclear_d,
    screening_a_elastic,
)
from darkmiss.physics.materials import ELEMENTS

PB = ELEMENTS["Pb"]


@pytest.mark.parametrize("symbol", ["H", "C", "Al", "Fe", "W", "Pb"])
@pytest.mark.parametrize("mass", [0.001, 0.0167, 0.1, 0.5, 1.0])
@pytest.mark.parametrize("inelastic", [False, True])
def test_closed_form_matches_quadrature(symbol, mass, inelastic):
    # Closed form (partial fractions) vs adaptive quadrature of Eq. 10: agreement to 1e-9 relative
    # (both are accurate to ~1e-12; the tolerance leaves room for quad's 1e-10 request).
    el = ELEMENTS[symbol]
    tmin, tmax = mass**4 / (4 * 100.0**2), mass**2
    exact = chi_flux(tmin, tmax, el.Z, el.A, inelastic=inelastic)
    numeric = chi_flux_numeric(tmin, tmax, el.Z, el.A, inelastic=inelastic)
    assert exact == pytest.approx(numeric, rel=1e-9)


def test_closed_form_vectorised_and_zero_when_empty():
    tmin = np.array([1e-9, 1e-6, 0.5])
    tmax = np.array([1e-2, 1e-2, 0.1])  # last interval is empty
    out = chi_flux(tmin, tmax, PB.Z, PB.A)
    assert out.shape == (3,)
    assert out[2] == 0.0
    for i in range(2):
        assert out[i] == pytest.approx(chi_flux_numeric(tmin[i], tmax[i], PB.Z, PB.A), rel=1e-9)


def test_elastic_form_factor_limits():
    # Between the screening scale 1/a² (4e-10 GeV²) and the nuclear scale d (4.7e-3 GeV²) the
    # elastic G2 is Z² (a²t = 2500 at t = 1e-6: (2500/2501)² (1/(1+2.1e-4))² = 0.99878).
    t = 1e-6
    assert float(g2_elastic(t, PB.Z, PB.A)) == pytest.approx(PB.Z**2 * 0.99878, rel=1e-4)
    # Screened (t ≪ 1/a²): G2 → Z² (a²t)²; cut off by the nucleus (t ≫ d): G2 → Z² d²/t².
    a2 = screening_a_elastic(PB.Z) ** 2
    assert float(g2_elastic(1e-13, PB.Z, PB.A)) == pytest.approx(PB.Z**2 * (a2 * 1e-13) ** 2, rel=1e-3)
    d = nuclear_d(PB.A)
    assert float(g2_elastic(100.0, PB.Z, PB.A)) == pytest.approx(PB.Z**2 * (d / 100.0) ** 2, rel=1e-3)
    # Inelastic: ≈ Z once unscreened, with the proton dipole (1+t/0.71)^-8 suppression above.
    assert float(g2_inelastic(1e-4, PB.Z, PB.A)) == pytest.approx(PB.Z, rel=2e-3)
    assert float(g2_inelastic(5.0, PB.Z, PB.A)) < 1e-3 * PB.Z


def test_unscreened_point_nucleus_log():
    # Independent analytic limit: for 1/a² ≪ tmin ≪ d ≪ tmax,
    # χ_el/Z² = ∫ (t−tmin)/t² · d²/(d+t)² dt = ln(d/tmin) − 2 + O(1/(a² tmin), tmin/d).
    # tmin = 1e-7: 2/(a² tmin) = 8e-3 absolute on ~8.8 → tolerance 2e-3 relative.
    d = nuclear_d(PB.A)
    tmin = 1e-7
    chi = chi_flux(tmin, 10.0, PB.Z, PB.A, inelastic=False)
    assert chi / PB.Z**2 == pytest.approx(math.log(d / tmin) - 2.0, rel=2e-3)


def _log_pb(mass: float, energy: float = 100.0) -> float:
    return chi_flux(mass**4 / (4 * energy**2), mass**2, PB.Z, PB.A) / PB.Z**2


def test_spec_log_range_at_ends():
    # Spec Sec. II: Φ = Z²·Log with Log ≈ 5–10 for m ≤ 500 MeV (100 GeV, Pb).
    # Holds at the ends of the range: Log(1 MeV) = 6.9, Log(500 MeV) = 6.1.
    assert 5.0 <= _log_pb(0.001) <= 10.0
    assert 5.0 <= _log_pb(0.5) <= 10.0


@pytest.mark.xfail(
    strict=True,
    reason="Spec's 'Log ≈ 5–10' is loose: with Eq. 11 (+ inelastic) Log peaks at ≈12.5 near m = 20–100 MeV, "
    "in line with the analytic ln(d/tmin) − 2 of the unscreened regime (test_unscreened_point_nucleus_log)",
)
def test_spec_log_range_everywhere():
    logs = [_log_pb(m) for m in np.geomspace(0.001, 0.5, 30)]
    assert max(logs) <= 10.0


@given(
    tmin=st.floats(1e-14, 1e-2),
    span=st.floats(1e-3, 1e4),
    grow=st.floats(1.01, 100.0),
    z=st.sampled_from(["H", "C", "Fe", "W", "Pb"]),
)
def test_chi_positive_and_monotone(tmin, span, grow, z):
    el = ELEMENTS[z]
    tmax = tmin * (1.0 + span)
    c = chi_flux(tmin, tmax, el.Z, el.A)
    assert c > 0.0
    # More flux for a wider t range, on either side.
    assert chi_flux(tmin, tmax * grow, el.Z, el.A) >= c
    assert chi_flux(tmin / grow, tmax, el.Z, el.A) >= c


def test_bad_input():
    with pytest.raises(UserInputError):
        chi_flux(-1.0, 1.0, 82, 207.2)
    with pytest.raises(UserInputError):
        chi_flux(1e-6, 1.0, 0, 207.2)
    with pytest.raises(UserInputError):
        g2_elastic(1e-3, 82, float("nan"))
