"""A′ production by a lepton on a nucleus, ℓZ → ℓZA′: Weizsäcker–Williams (WW) and improved WW (IWW).

Units: masses and energies in GeV, angles as cos θ, cross-sections in pb; x = E_A′/E₀.

- ``ww``: the "simplified WW" total cross-section of spec Eq. (9) with Φ = χ of Eq. (10) at
  t_min = m⁴/(4E₀²), t_max = m² — the denominator of the k-factor of Eq. (12).
- ``iww``: the improved-WW differential cross-sections of Bjorken, Essig, Schuster, Toro,
  PRD 80, 075018 (2009), App. A (Eqs. A12 and A14), with the same x-independent χ, and their integral.
- ``etl``: the exact tree-level calculation lives in :mod:`darkmiss.physics.etl` (loaded lazily).

Every cross-section is ∝ ε² exactly (ε enters only as ε²). Any element of
:mod:`darkmiss.physics.materials` and any beam lepton mass (e or μ) are allowed; the atomic
screening always uses m_e (it is atomic physics), the kinematics use the beam lepton mass.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate

from darkmiss.constants import ALPHA, GEV2_TO_PB, M_E, M_MU
from darkmiss.errors import UserInputError
from darkmiss.physics.formfactors import chi_flux
from darkmiss.physics.materials import Element, get_element

__all__ = [
    "LEPTON_MASSES",
    "CrossSection",
    "chi_iww",
    "chi_iww_points",
    "d2sigma_dx_dcos_iww",
    "dsigma_dx_iww",
    "resolve_target",
    "sigma_iww",
    "sigma_ww",
    "x_range",
]

#: Beam leptons by name → mass [GeV].
LEPTON_MASSES: dict[str, float] = {"e": M_E, "mu": M_MU}


def resolve_target(target: str | Element) -> Element:
    """The :class:`Element` for a symbol (``"Pb"``) or an Element; unknown names raise UserInputError."""
    if isinstance(target, Element):
        return target
    return get_element(str(target))


def _scalar_or_array(x: np.ndarray, scalar: bool) -> float | np.ndarray:
    return float(x) if scalar else x


def _first_bad(values: np.ndarray, mask: np.ndarray) -> float:
    return float(np.broadcast_to(values, mask.shape)[mask].flat[0])


def _validate(mass: np.ndarray, energy: np.ndarray, epsilon: float, lepton_mass: float) -> None:
    """Physical domain: m > 0, ε > 0, E₀ > m + m_ℓ (the A′ and the outgoing lepton both on shell)."""
    if not (isinstance(epsilon, (int, float, np.floating)) and math.isfinite(epsilon) and epsilon > 0):
        raise UserInputError("epsilon", epsilon, "a finite number > 0")
    if not (math.isfinite(lepton_mass) and lepton_mass > 0):
        raise UserInputError("lepton_mass", lepton_mass, "a positive mass in GeV")
    bad = ~np.isfinite(mass) | (mass <= 0)
    if np.any(bad):
        raise UserInputError("mass", _first_bad(mass, bad), "a finite A′ mass > 0 (GeV)")
    bad = ~np.isfinite(energy) | (energy <= 0)
    if np.any(bad):
        raise UserInputError("energy", _first_bad(energy, bad), "a finite beam energy > 0 (GeV)")
    mass_b, energy_b = np.broadcast_arrays(mass, energy)
    bad = mass_b >= energy_b - lepton_mass
    if np.any(bad):
        raise UserInputError(
            "mass",
            _first_bad(mass_b, bad),
            f"< energy − lepton mass (energy = {_first_bad(energy_b, bad):g} GeV, lepton mass = {lepton_mass:.6g} GeV)",
        )


def chi_iww(mass: ArrayLike, energy: ArrayLike, target: str | Element = "Pb") -> float | np.ndarray:
    """χ of spec Eq. (10) at t_min = m⁴/(4E₀²), t_max = m² (dimensionless; mass, energy in GeV)."""
    el = resolve_target(target)
    m = np.asarray(mass, dtype=float)
    e = np.asarray(energy, dtype=float)
    return chi_flux(m**4 / (4.0 * e**2), m**2, el.Z, el.A)


def chi_iww_points(mass: np.ndarray, energy: np.ndarray, target: str | Element = "Pb") -> np.ndarray:
    """χ of spec Eq. (10) (:func:`chi_iww`) at broadcast (m, E₀) arrays [GeV], shaped like ``mass``.

    When both arrays are a scalar broadcast over the points (every stride zero, as
    :func:`iww_points` returns them for a scalar m and E₀), χ is evaluated once, on one element
    through the same array code, and broadcast: the same numbers, without thousands of identical
    partial-fraction evaluations.
    """
    if mass.size > 1 and not any(mass.strides) and not any(energy.strides):
        one = np.asarray(chi_iww(mass.flat[:1], energy.flat[:1], target))
        return np.broadcast_to(one.reshape(()), mass.shape)
    return np.asarray(chi_iww(mass, energy, target))


def sigma_ww(
    mass: ArrayLike,
    energy: ArrayLike,
    target: str | Element = "Pb",
    epsilon: float = 1.0,
    lepton_mass: float = M_E,
) -> float | np.ndarray:
    """Simplified-WW total cross-section σ = (4/3) ε² α³ Φ/m² · ln δ⁻¹ [pb] (spec Eq. 9).

    δ = max(m_ℓ²/m², m²/E₀²), Φ = χ(t_min = m⁴/4E₀², t_max = m²) (Eq. 10). mass, energy in GeV.
    Valid for m > m_ℓ (the formula's leading log needs m ≫ m_ℓ); m ≤ m_ℓ raises UserInputError.
    """
    el = resolve_target(target)
    m = np.asarray(mass, dtype=float)
    e = np.asarray(energy, dtype=float)
    scalar = m.ndim == 0 and e.ndim == 0
    _validate(m, e, epsilon, lepton_mass)
    bad = np.broadcast_to(m <= lepton_mass, np.broadcast(m, e).shape)
    if np.any(bad):
        raise UserInputError(
            "mass",
            _first_bad(np.broadcast_to(m, bad.shape), bad),
            f"> the lepton mass {lepton_mass:.6g} GeV for the simplified WW formula (Eq. 9); use iww",
        )
    delta = np.maximum(lepton_mass**2 / m**2, m**2 / e**2)
    phi = chi_iww(m, e, el)
    sigma = (4.0 / 3.0) * epsilon**2 * ALPHA**3 * phi / m**2 * np.log(1.0 / delta) * GEV2_TO_PB
    return _scalar_or_array(np.asarray(sigma, dtype=float), scalar)


def x_range(mass: float, energy: float, lepton_mass: float = M_E) -> tuple[float, float]:
    """Kinematic range of x = E_A′/E₀: [m/E₀, 1 − m_ℓ/E₀] (A′ and outgoing lepton on shell)."""
    return mass / energy, 1.0 - lepton_mass / energy


def iww_points(
    x: ArrayLike,
    mass: ArrayLike,
    energy: ArrayLike,
    epsilon: float,
    lepton_mass: float,
    cos_theta: ArrayLike | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, bool]:
    """The checked inputs of the IWW differential cross-sections (of every mediator), broadcast
    together: x with 0.5 outside the kinematic range, cos θ (ones when not given), m and E₀ [GeV], the
    mask of the kinematic range x ∈ [m/E₀, 1 − m_ℓ/E₀], and whether every input was a scalar."""
    arrays = [np.asarray(a, dtype=float) for a in (x, mass, energy, 1.0 if cos_theta is None else cos_theta)]
    scalar = all(a.ndim == 0 for a in arrays)
    _validate(arrays[1], arrays[2], epsilon, lepton_mass)
    c = arrays[3]
    bad = ~np.isfinite(c) | (c < -1.0) | (c > 1.0)
    if np.any(bad):
        raise UserInputError("cos_theta", _first_bad(c, bad), "a number in [-1, 1]")
    xx, m, e, c = np.broadcast_arrays(*arrays)
    inside = (xx >= m / e) & (xx <= 1.0 - lepton_mass / e)
    return np.where(inside, xx, 0.5), c, m, e, inside, scalar


def _iww_shape(x: np.ndarray, mass: np.ndarray, lepton_mass: float) -> np.ndarray:
    """(1 − x + x²/3)/U(x, θ=0) [GeV⁻²], U = m²(1−x)/x + m_ℓ² x (Bjorken et al. Eq. A14)."""
    u0 = mass**2 * (1.0 - x) / x + lepton_mass**2 * x
    return (1.0 - x + x**2 / 3.0) / u0


def dsigma_dx_iww(
    x: ArrayLike,
    mass: ArrayLike,
    energy: ArrayLike,
    target: str | Element = "Pb",
    epsilon: float = 1.0,
    lepton_mass: float = M_E,
) -> float | np.ndarray:
    """IWW dσ/dx = 4 α³ ε² χ √(1 − m²/E₀²) (1 − x + x²/3)/(m²(1−x)/x + m_ℓ² x) [pb]

    (Bjorken et al. 2009, Eq. A14; χ of spec Eq. 10 at t_min = m⁴/4E₀², t_max = m²). Zero outside the
    kinematic range [m/E₀, 1 − m_ℓ/E₀]. x, mass, energy broadcast together; GeV.
    """
    el = resolve_target(target)
    xs, _, m, e, inside, scalar = iww_points(x, mass, energy, epsilon, lepton_mass)
    beta = np.sqrt(1.0 - m**2 / e**2)
    chi = chi_iww_points(m, e, el)
    val = 4.0 * ALPHA**3 * epsilon**2 * chi * beta * _iww_shape(xs, m, lepton_mass) * GEV2_TO_PB
    return _scalar_or_array(np.where(inside, val, 0.0), scalar)


def d2sigma_dx_dcos_iww(
    x: ArrayLike,
    cos_theta: ArrayLike,
    mass: ArrayLike,
    energy: ArrayLike,
    target: str | Element = "Pb",
    epsilon: float = 1.0,
    lepton_mass: float = M_E,
) -> float | np.ndarray:
    """IWW double-differential cross-section d²σ/(dx dcos θ_A′) [pb] (Bjorken et al. 2009, Eq. A12):

    8 α³ ε² E₀² x √(1 − m²/E₀²) χ/U² · [(1 − x + x²/2) − x(1−x) m² E₀² x θ²/U²],
    U = E₀² x θ² + m²(1−x)/x + m_ℓ² x; θ = arccos(cos_theta) the A′ lab angle. Zero outside the
    kinematic x range. Integrating over cos θ (small angles) gives :func:`dsigma_dx_iww` up to
    O(m_ℓ²/m²) terms.
    """
    el = resolve_target(target)
    xs, c, m, e, inside, scalar = iww_points(x, mass, energy, epsilon, lepton_mass, cos_theta)
    theta2 = np.arccos(c) ** 2
    chi = chi_iww_points(m, e, el)
    beta = np.sqrt(1.0 - m**2 / e**2)
    ang = e**2 * xs * theta2
    u = ang + m**2 * (1.0 - xs) / xs + lepton_mass**2 * xs
    bracket = (1.0 - xs + xs**2 / 2.0) - xs * (1.0 - xs) * m**2 * ang / u**2
    val = 8.0 * ALPHA**3 * epsilon**2 * e**2 * xs * beta * chi / u**2 * bracket * GEV2_TO_PB
    return _scalar_or_array(np.where(inside, val, 0.0), scalar)


def _shape_integral(m: float, e: float, lepton_mass: float, x_lo: float, x_hi: float) -> tuple[float, float]:
    """∫ (1 − x + x²/3)/U dx over [x_lo, x_hi] and quad's error estimate [GeV⁻²].

    Integrated in s = ln(1 − x), where the peak at 1 − x ~ m_ℓ²/m² becomes a smooth step.
    """
    if x_hi <= x_lo:
        return 0.0, 0.0
    m2, l2 = m * m, lepton_mass * lepton_mass

    def f(s: float) -> float:
        y = math.exp(s)  # 1 − x
        x = 1.0 - y
        return y * (y + x * x / 3.0) / (m2 * y / x + l2 * x)

    s_lo = math.log1p(-x_hi)
    s_hi = math.log1p(-x_lo)
    peak = math.log(l2 / m2) if l2 < m2 else None
    pts = [peak] if peak is not None and s_lo < peak < s_hi else None
    val, err = integrate.quad(f, s_lo, s_hi, points=pts, epsrel=1e-9, epsabs=0.0, limit=200)
    return val, err


def _sigma_iww_with_error(
    mass: ArrayLike,
    energy: ArrayLike,
    target: str | Element,
    epsilon: float,
    lepton_mass: float,
    x_min: float,
    x_max: float | None,
) -> tuple[np.ndarray, np.ndarray, bool]:
    el = resolve_target(target)
    m = np.asarray(mass, dtype=float)
    e = np.asarray(energy, dtype=float)
    scalar = m.ndim == 0 and e.ndim == 0
    _validate(m, e, epsilon, lepton_mass)
    if not (math.isfinite(x_min) and 0.0 <= x_min <= 1.0):
        raise UserInputError("x_min", x_min, "a number in [0, 1]")
    if x_max is not None and not (math.isfinite(x_max) and x_min <= x_max <= 1.0):
        raise UserInputError("x_max", x_max, "a number in [x_min, 1] or None")
    m, e = np.broadcast_arrays(m, e)
    chi = np.asarray(chi_iww(m, e, el))
    chi = np.broadcast_to(chi, m.shape)
    sig = np.zeros(m.shape)
    err = np.zeros(m.shape)
    for idx in np.ndindex(m.shape):
        mi, ei = float(m[idx]), float(e[idx])
        lo, hi = x_range(mi, ei, lepton_mass)
        lo = max(lo, x_min)
        hi = hi if x_max is None else min(hi, x_max)
        val, qerr = _shape_integral(mi, ei, lepton_mass, lo, hi)
        pref = 4.0 * ALPHA**3 * epsilon**2 * float(chi[idx]) * math.sqrt(1.0 - mi**2 / ei**2) * GEV2_TO_PB
        sig[idx] = pref * val
        err[idx] = pref * qerr
    return sig, err, scalar


def sigma_iww(
    mass: ArrayLike,
    energy: ArrayLike,
    target: str | Element = "Pb",
    epsilon: float = 1.0,
    lepton_mass: float = M_E,
    x_min: float = 0.0,
    x_max: float | None = None,
) -> float | np.ndarray:
    """IWW cross-section ∫ dσ_iww/dx dx [pb] over [x_min, x_max] ∩ [m/E₀, 1 − m_ℓ/E₀] (Bjorken Eq. A14).

    By adaptive quadrature (scipy ``quad``, rel. tol. 1e-9); vectorised (loops) in mass and energy (GeV).
    """
    sig, _, scalar = _sigma_iww_with_error(mass, energy, target, epsilon, lepton_mass, x_min, x_max)
    return _scalar_or_array(sig, scalar)


@dataclass(frozen=True)
class CrossSection:
    """One production cross-section: method (ww, iww, etl), mass and energy [GeV], target symbol,
    ε, σ and its numerical uncertainty [pb] (0 for the closed-form ww); the mediator, model and beam."""

    method: str
    mass: float
    energy: float
    target: str
    epsilon: float
    sigma_pb: float
    sigma_err_pb: float
    mediator: str = "vector"
    model: str = "dark-photon"
    beam: str = "e-"

    def as_record(self) -> dict[str, Any]:
        """The CLI/JSON record of this cross-section."""
        return {
            "mass": self.mass,
            "energy": self.energy,
            "method": self.method,
            "target": self.target,
            "epsilon": self.epsilon,
            "sigma_pb": self.sigma_pb,
            "sigma_err_pb": self.sigma_err_pb,
            "mediator": self.mediator,
            "model": self.model,
            "beam": self.beam,
        }


METHODS = ("ww", "iww", "etl")


def lepton_mass_of(lepton: str) -> float:
    """Mass [GeV] of the beam lepton ``"e"`` or ``"mu"``."""
    try:
        return LEPTON_MASSES[lepton]
    except KeyError:
        raise UserInputError("lepton", lepton, "one of e, mu") from None
