"""Weizsäcker–Williams (WW) and improved WW (IWW) production ℓZ → ℓZV for every mediator.

The vector (dark photon) keeps the forms of :mod:`darkmiss.physics.aprime` (spec Eq. 9; Bjorken, Essig,
Schuster, Toro, PRD 80, 075018 (2009), App. A). For the scalar, pseudoscalar and axial mediators the same
WW factorisation (the photon flux χ of spec Eq. 10 at t_min = m⁴/4E₀², t_max = m², times the 2→2 process
γℓ → Vℓ at the minimal momentum transfer; Liu, McKeen, Miller, PRD 95, 036010 (2017); Liu, Miller, PRD 96,
016004 (2017)) gives, with U = E₀²xθ² + U₀, U₀ = m²(1 − x)/x + m_ℓ²x, β = √(1 − m²/E₀²) and x = E_V/E₀:

    d²σ/(dx dcosθ) = 2 α³ε² χ E₀² x β D(x, U)/U²
      scalar        D = x² + 2(m² − 4m_ℓ²) x(1 − x)(U₀ − U)/U²
      pseudoscalar  D = x² + 2m² x(1 − x)(U₀ − U)/U²
      axial         D = 4(1 − x + x²/2 + x² m_ℓ²/m²) + 4(m² − 4m_ℓ²) x(1 − x)(U₀ − U)/U²
    (the vector's bracket of Bjorken Eq. A12 is D = 4(1 − x + x²/2) + 4m² x(1 − x)(U₀ − U)/U²),

and, integrated over the angle (dcosθ = −dU/(2E₀²x)),

      scalar        dσ/dx = α³ε²χβ · x[m_ℓ²(3x² − 4x + 4) + 2m²(1 − x)]/(3U₀²)
      pseudoscalar  dσ/dx = α³ε²χβ · x[3m_ℓ²x² + 2m²(1 − x)]/(3U₀²)
      axial         dσ/dx = α³ε²χβ · 2[2m⁴(1 − x)(x² − 3x + 3) + m_ℓ²m²x²(3x − 4)(x − 4) + 6m_ℓ⁴x⁴]/(3m² x U₀²).

The 2→2 squared amplitudes were derived with Dirac traces (docs/physics-mediators.md); the forms agree
with those of DMG4 (Bondi et al., CPC 269, 108129 (2021)) for the scalar and axial dσ/dx. The "simplified WW"
total, the denominator of the k-factor (spec Eq. 12), is the leading logarithm of these:
σ_WW = c ε²α³χ ln δ⁻¹/m², δ = max(m_ℓ²/m², m²/E₀²), c = 4/3 (vector, axial) and 2/3 (scalar, pseudoscalar)
(:attr:`darkmiss.physics.models.Mediator.ww_coefficient`). The axial's longitudinal term m_ℓ²/m² carries no
logarithm, so k < 1 for light axial bosons (see docs/physics-mediators.md).

Units: masses and energies in GeV, cross-sections in pb; every cross-section ∝ ε².
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate

from darkmiss.constants import ALPHA, GEV2_TO_PB, M_E
from darkmiss.errors import UserInputError
from darkmiss.physics import aprime
from darkmiss.physics.materials import Element
from darkmiss.physics.models import Mediator, get_mediator

__all__ = [
    "d2sigma_dx_dcos_iww_mediator",
    "dsigma_dx_iww_mediator",
    "iww_integral",
    "iww_shape",
    "sigma_iww_mediator",
    "sigma_ww_mediator",
]


def sigma_ww_mediator(
    mass: ArrayLike,
    energy: ArrayLike,
    target: str | Element = "Pb",
    epsilon: float = 1.0,
    lepton_mass: float = M_E,
    mediator: str | Mediator = "vector",
) -> float | np.ndarray:
    """σ_WW = c ε²α³Φ ln δ⁻¹/m² [pb] (spec Eq. 9 for the vector, c = 4/3; module docstring for c)."""
    med = get_mediator(mediator)
    vec = aprime.sigma_ww(mass, energy, target, epsilon, lepton_mass)
    if med.name == "vector":
        return vec
    return vec * (med.ww_coefficient / (4.0 / 3.0))


def iww_shape(
    x: np.ndarray, mass: float | np.ndarray, lepton_mass: float, mediator: str | Mediator
) -> np.ndarray:
    """The x dependence F(x) of the IWW dσ/dx = α³ε²χβ F(x) [GeV⁻²] (module docstring), x inside
    (0, 1). The vector's is Bjorken Eq. A14, 4(1 − x + x²/3)/U₀."""
    med = get_mediator(mediator)
    m2, l2 = mass * mass, lepton_mass * lepton_mass
    u0 = m2 * (1.0 - x) / x + l2 * x
    if med.name == "vector":
        return 4.0 * (1.0 - x + x * x / 3.0) / u0
    if med.name == "scalar":
        return x * (l2 * (3.0 * x * x - 4.0 * x + 4.0) + 2.0 * m2 * (1.0 - x)) / (3.0 * u0 * u0)
    if med.name == "pseudoscalar":
        return x * (3.0 * l2 * x * x + 2.0 * m2 * (1.0 - x)) / (3.0 * u0 * u0)
    num = (
        2.0 * m2 * m2 * (1.0 - x) * (x * x - 3.0 * x + 3.0)
        + l2 * m2 * x * x * (3.0 * x - 4.0) * (x - 4.0)
        + 6.0 * l2 * l2 * x**4
    )
    return 2.0 * num / (3.0 * m2 * x * u0 * u0)


def dsigma_dx_iww_mediator(
    x: ArrayLike,
    mass: ArrayLike,
    energy: ArrayLike,
    target: str | Element = "Pb",
    epsilon: float = 1.0,
    lepton_mass: float = M_E,
    mediator: str | Mediator = "vector",
) -> float | np.ndarray:
    """IWW dσ/dx = α³ε²χβ F(x) [pb] (module docstring; the vector's is Bjorken Eq. A14), zero outside the
    kinematic range [m/E₀, 1 − m_ℓ/E₀]. x, mass, energy [GeV] broadcast together."""
    med = get_mediator(mediator)
    if med.name == "vector":
        return aprime.dsigma_dx_iww(x, mass, energy, target, epsilon, lepton_mass)
    el = aprime.resolve_target(target)
    xs, _, m, e, inside, scalar = aprime.iww_points(x, mass, energy, epsilon, lepton_mass)
    beta = np.sqrt(1.0 - m**2 / e**2)
    val = (
        ALPHA**3
        * epsilon**2
        * aprime.chi_iww_points(m, e, el)
        * beta
        * iww_shape(xs, m, lepton_mass, med)
        * GEV2_TO_PB
    )
    out = np.where(inside, val, 0.0)
    return float(out) if scalar else out


def d2sigma_dx_dcos_iww_mediator(
    x: ArrayLike,
    cos_theta: ArrayLike,
    mass: ArrayLike,
    energy: ArrayLike,
    target: str | Element = "Pb",
    epsilon: float = 1.0,
    lepton_mass: float = M_E,
    mediator: str | Mediator = "vector",
) -> float | np.ndarray:
    """IWW d²σ/(dx dcosθ) = 2α³ε²χE₀²xβ D(x, U)/U² [pb] (module docstring; vector: Bjorken Eq. A12),
    θ the V lab angle; zero outside the kinematic x range."""
    med = get_mediator(mediator)
    if med.name == "vector":
        return aprime.d2sigma_dx_dcos_iww(x, cos_theta, mass, energy, target, epsilon, lepton_mass)
    el = aprime.resolve_target(target)
    xs, c, m, e, inside, scalar = aprime.iww_points(x, mass, energy, epsilon, lepton_mass, cos_theta)
    m2, l2 = m * m, lepton_mass * lepton_mass
    u0 = m2 * (1.0 - xs) / xs + l2 * xs
    u = e**2 * xs * np.arccos(c) ** 2 + u0
    mix = xs * (1.0 - xs) * (u0 - u) / u**2
    if med.name == "scalar":
        d = xs**2 + 2.0 * (m2 - 4.0 * l2) * mix
    elif med.name == "pseudoscalar":
        d = xs**2 + 2.0 * m2 * mix
    else:
        d = 4.0 * (1.0 - xs + xs**2 / 2.0 + xs**2 * l2 / m2) + 4.0 * (m2 - 4.0 * l2) * mix
    beta = np.sqrt(1.0 - m2 / e**2)
    val = (
        2.0
        * ALPHA**3
        * epsilon**2
        * aprime.chi_iww_points(m, e, el)
        * e**2
        * xs
        * beta
        * d
        / u**2
        * GEV2_TO_PB
    )
    out = np.where(inside, val, 0.0)
    return float(out) if scalar else out


def iww_integral(
    mass: float,
    lepton_mass: float,
    mediator: str | Mediator,
    x_lo: ArrayLike,
    x_hi: ArrayLike,
    nodes: int = 16,
) -> np.ndarray:
    """∫ F(x) dx [GeV⁻²] of :func:`iww_shape` over each [x_lo_i, x_hi_i] (0 where x_hi ≤ x_lo), vectorised.

    Composite Gauss–Legendre (``nodes`` per panel) in u = ln x below x = ½ and in s = ln(1 − x) above, with
    panels of at most one e-fold: F varies on the scales x ~ m/m_ℓ and 1 − x ~ m_ℓ²/m², each a smooth bump
    a few e-folds wide in these variables. Agrees with the adaptive :func:`sigma_iww_mediator` to 1e-9.
    """
    med = get_mediator(mediator)
    gx, gw = np.polynomial.legendre.leggauss(nodes)
    xs: list[np.ndarray] = []
    ws: list[np.ndarray] = []
    idx: list[np.ndarray] = []
    lo_arr, hi_arr = np.atleast_1d(np.asarray(x_lo, float)), np.atleast_1d(np.asarray(x_hi, float))
    for i, (a, b) in enumerate(zip(lo_arr, hi_arr, strict=True)):
        if not b > a:
            continue
        parts = []
        if a < 0.5:
            parts.append(("u", math.log(a), math.log(min(b, 0.5))))
        if b > 0.5:
            parts.append(("s", math.log1p(-b), math.log1p(-max(a, 0.5))))
        for kind, v0, v1 in parts:
            edges = np.linspace(v0, v1, max(1, math.ceil(v1 - v0)) + 1)
            half = 0.5 * np.diff(edges)[:, None]
            v = (0.5 * (edges[1:] + edges[:-1]))[:, None] + half * gx
            ev = np.exp(v)
            xs.append((ev if kind == "u" else 1.0 - ev).ravel())
            ws.append((half * gw * ev).ravel())
            idx.append(np.full(ev.size, i))
    out = np.zeros(lo_arr.size)
    if xs:
        x = np.concatenate(xs)
        f = iww_shape(x, mass, lepton_mass, med) * np.concatenate(ws)
        out += np.bincount(np.concatenate(idx), weights=f, minlength=lo_arr.size)
    return out


def _shape_integral(
    mass: float, lepton_mass: float, med: Mediator, x_lo: float, x_hi: float
) -> tuple[float, float]:
    """∫ F(x) dx over [x_lo, x_hi] and quad's error [GeV⁻²], in s = ln(1 − x) (the x → 1 peak, at
    1 − x ~ m_ℓ²/m², becomes a smooth step)."""
    if x_hi <= x_lo:
        return 0.0, 0.0

    def f(s: float) -> float:
        y = math.exp(s)
        return y * float(iww_shape(np.array(1.0 - y), mass, lepton_mass, med))

    s_lo, s_hi = math.log1p(-x_hi), math.log1p(-x_lo)
    ratio = lepton_mass**2 / mass**2
    pts = [math.log(ratio)] if ratio < 1 and s_lo < math.log(ratio) < s_hi else None
    val, err = integrate.quad(f, s_lo, s_hi, points=pts, epsrel=1e-9, epsabs=0.0, limit=200)
    return val, err


def sigma_iww_mediator(
    mass: float,
    energy: float,
    target: str | Element = "Pb",
    epsilon: float = 1.0,
    lepton_mass: float = M_E,
    mediator: str | Mediator = "vector",
    x_min: float = 0.0,
    x_max: float | None = None,
) -> tuple[float, float]:
    """IWW σ = ∫ dσ/dx dx [pb] over [x_min, x_max] ∩ [m/E₀, 1 − m_ℓ/E₀] and its quadrature error [pb],
    for one mass and energy [GeV] (vector: :func:`darkmiss.physics.aprime.sigma_iww`)."""
    med = get_mediator(mediator)
    if med.name == "vector":
        s, err, _ = aprime._sigma_iww_with_error(mass, energy, target, epsilon, lepton_mass, x_min, x_max)
        return float(s), float(err)
    el = aprime.resolve_target(target)
    m, e = float(mass), float(energy)
    aprime._validate(np.asarray(m), np.asarray(e), epsilon, lepton_mass)
    if not (math.isfinite(x_min) and 0.0 <= x_min <= 1.0):
        raise UserInputError("x_min", x_min, "a number in [0, 1]")
    if x_max is not None and not (math.isfinite(x_max) and x_min <= x_max <= 1.0):
        raise UserInputError("x_max", x_max, "a number in [x_min, 1] or None")
    lo = max(m / e, x_min)
    hi = 1.0 - lepton_mass / e if x_max is None else min(1.0 - lepton_mass / e, x_max)
    val, qerr = _shape_integral(m, lepton_mass, med, lo, hi)
    pref = ALPHA**3 * epsilon**2 * float(aprime.chi_iww(m, e, el)) * math.sqrt(1.0 - m * m / (e * e))
    return pref * val * GEV2_TO_PB, pref * qerr * GEV2_TO_PB
