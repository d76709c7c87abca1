"""Mediators, beams and models (darkmiss.physics.models): couplings and the Lμ−Lτ loop mixing."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from scipy import integrate

from darkmiss.constants import ALPHA, M_E, M_MU, M_PI0, M_TAU
from darkmiss.errors import UserInputError
from darkmiss.physics.models import (
    BEAMS,
    MEDIATORS,
    MODELS,
    coupling_from_epsilon,
    get_beam,
    get_mediator,
    get_model,
    loop_mixing_integral,
)


def test_registries_and_aliases():
    assert MEDIATORS == ("vector", "scalar", "pseudoscalar", "axial")
    assert [get_mediator(m).code for m in MEDIATORS] == [0, 1, 2, 3]
    assert BEAMS == ("e-", "e+", "mu-", "mu+")
    assert get_beam("e") == get_beam("e-") and get_beam("mu").name == "mu-"
    assert get_beam("mu+").mass == M_MU and get_beam("e+").charge == +1 and get_beam("e+").mass == M_E
    assert get_beam("mu-").is_muon and not get_beam("e-").is_muon
    assert set(MODELS) == {"dark-photon", "B-L", "Lmu-Ltau"}
    assert get_model().name == "dark-photon"
    for bad in (lambda: get_beam("tau"), lambda: get_mediator("tensor"), lambda: get_model("Z'")):
        with pytest.raises(UserInputError):
            bad()
    with pytest.raises(UserInputError) as exc:
        get_model("B-L", "scalar")  # vector models only
    assert exc.value.parameter == "model"


def test_charges_of_the_vector_models():
    dp, bl, lmt = get_model("dark-photon"), get_model("B-L"), get_model("Lmu-Ltau")
    assert [dp.charge(f) for f in ("e", "mu", "nu_e", "p", "n")] == [-1, -1, 0, 1, 0]
    assert all(bl.charge(f) == -1 for f in ("e", "mu", "tau", "nu_e", "nu_mu", "nu_tau"))
    assert bl.charge("p") == bl.charge("n") == 1
    assert [lmt.charge(f) for f in ("e", "mu", "nu_mu", "tau", "nu_tau", "nu_e", "p")] == [
        0,
        1,
        1,
        -1,
        -1,
        0,
        0,
    ]
    assert bl.max_mass == M_PI0
    with pytest.raises(UserInputError):
        bl.check_mass(0.2)
    uni = get_model(None, "axial")
    assert uni.name == "universal" and uni.mediator.name == "axial"
    assert [uni.charge(f) for f in ("e", "mu", "tau", "nu_e", "p")] == [1, 1, 1, 0, 0]


def test_production_factor_tree_level():
    assert get_model("dark-photon").production_factor("e-", 0.1) == 1.0
    assert get_model("B-L").production_factor("mu+", 0.1) == 1.0
    assert get_model("Lmu-Ltau").production_factor("mu-", 0.1) == 1.0
    assert get_model(None, "scalar").production_factor("e+", 0.1) == 1.0
    assert coupling_from_epsilon(1.0) == pytest.approx(math.sqrt(4 * math.pi * ALPHA), rel=1e-15)


def test_loop_mixing_at_zero_momentum_is_the_textbook_value():
    # I(0) = ln(m_τ²/m_μ²)/6 exactly, so ε(0) = e g ln(m_τ²/m_μ²)/(12π²) ≈ g/70 (the usual Lμ−Lτ estimate).
    i0 = loop_mixing_integral(0.0)
    assert i0 == pytest.approx(math.log(M_TAU**2 / M_MU**2) / 6.0, rel=1e-14)
    assert loop_mixing_integral(1e-10) == pytest.approx(i0, rel=1e-9)
    e = math.sqrt(4 * math.pi * ALPHA)
    assert 1.0 / (e * i0.real / (2 * math.pi**2)) == pytest.approx(70.0, rel=0.02)


@pytest.mark.parametrize("q2", [0.01, 0.2, 0.5, 3.0, 20.0])
def test_loop_mixing_against_complex_quadrature(q2):
    # Independent evaluation: complex logarithms with q² → q² + i0 written as an explicit −i·10⁻³⁰ in the
    # argument, Gauss–Legendre (200 nodes) on each interval between the sign changes of the arguments, in
    # the variable s with x = a + (b − a)(3s² − 2s³) (its Jacobian 6s(1 − s) tames the log endpoints).
    cuts = [0.0, 1.0]
    for m in (M_TAU, M_MU):
        if q2 > 4 * m * m:
            r = math.sqrt(1 - 4 * m * m / q2)
            cuts += [0.5 * (1 - r), 0.5 * (1 + r)]
    cuts = sorted(cuts)
    nodes, weights = np.polynomial.legendre.leggauss(200)
    total = 0j
    for a, b in itertools.pairwise(cuts):
        sv = 0.5 * (nodes + 1)
        x = a + (b - a) * (3 * sv**2 - 2 * sv**3)
        jac = (b - a) * 6 * sv * (1 - sv)
        w = x * (1 - x)
        f = w * (np.log(M_TAU**2 - w * q2 - 1e-30j) - np.log(M_MU**2 - w * q2 - 1e-30j))
        total += 0.5 * np.sum(weights * jac * f)
    got = loop_mixing_integral(q2)
    assert got.real == pytest.approx(total.real, rel=1e-7, abs=1e-10)
    assert got.imag == pytest.approx(total.imag, rel=1e-7, abs=1e-10)


def test_loop_mixing_imaginary_part_opens_at_two_muon_masses():
    below = loop_mixing_integral((2 * M_MU * 0.999) ** 2)
    assert below.imag == 0.0
    # Im I = +π ∫ x(1−x) dx over m_μ² < x(1−x)q² (the muon loop's cut, below 4m_τ²)
    q2 = 0.5
    beta = math.sqrt(1 - 4 * M_MU**2 / q2)
    im, _ = integrate.quad(lambda x: x * (1 - x), 0.5 * (1 - beta), 0.5 * (1 + beta))
    assert loop_mixing_integral(q2).imag == pytest.approx(math.pi * im, rel=1e-8)


def test_lmu_ltau_electron_production_factor():
    # |g_e/g|² = (2α/π)² |I(m²)|²: ≈ (0.00437)² at small mass.
    f = get_model("Lmu-Ltau").production_factor("e-", 0.001)
    assert f == pytest.approx((2 * ALPHA / math.pi * math.log(M_TAU / M_MU) / 3) ** 2, rel=1e-5)
