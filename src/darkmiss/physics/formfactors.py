"""Atomic and nuclear form factors and the effective photon flux χ of A′ production.

Units: momentum transfer t in GeV² (t = −q² > 0), χ dimensionless.

References: J. D. Bjorken, R. Essig, P. Schuster, N. Toro, PRD 80, 075018 (2009), App. A (Eqs. A15–A18);
spec Eqs. (10)–(11). The elastic form factor combines Tsai's atomic screening with a nuclear-size
factor; the inelastic (quasi-elastic on atomic electrons) one uses a′ = 773 Z^(−2/3)/m_e and the
proton dipole/Pauli form factor and scales with Z (not Z²).

``chi_flux`` evaluates Eq. (10) in closed form: both integrands are rational in t, so an exact
partial-fraction decomposition gives logarithms and inverse powers. ``chi_flux_numeric`` does the
same integral by adaptive quadrature (in ln t) and serves as its check.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate

from darkmiss.constants import (
    FF_A_ELASTIC,
    FF_A_INELASTIC,
    FF_D_NUCLEAR_GEV2,
    M_E,
    M_P,
    MU_PROTON,
    PROTON_DIPOLE_GEV2,
)
from darkmiss.errors import UserInputError

__all__ = [
    "chi_flux",
    "chi_flux_numeric",
    "g2_elastic",
    "g2_inelastic",
    "nuclear_d",
    "screening_a_elastic",
    "screening_a_inelastic",
]


def _check_za(Z: float, A: float) -> None:
    if not (Z >= 1 and math.isfinite(Z)):
        raise UserInputError("Z", Z, "an atomic number >= 1")
    if not (A >= 1 and math.isfinite(A)):
        raise UserInputError("A", A, "an atomic mass >= 1 (g/mol)")


def screening_a_elastic(Z: float) -> float:
    """Elastic screening parameter a = 111 Z^(−1/3)/m_e [GeV⁻¹] (spec Eq. 11)."""
    return FF_A_ELASTIC * Z ** (-1.0 / 3.0) / M_E


def screening_a_inelastic(Z: float) -> float:
    """Inelastic screening parameter a′ = 773 Z^(−2/3)/m_e [GeV⁻¹] (Bjorken et al. 2009, Eq. A18)."""
    return FF_A_INELASTIC * Z ** (-2.0 / 3.0) / M_E


def nuclear_d(A: float) -> float:
    """Nuclear-size parameter d = 0.164 A^(−2/3) [GeV²] (spec Eq. 11)."""
    return FF_D_NUCLEAR_GEV2 * A ** (-2.0 / 3.0)


def _kappa_p() -> float:
    """Pauli term of the proton form factor, (μ_p² − 1)/(4 m_p²) [GeV⁻²] (Bjorken et al. Eq. A18)."""
    return (MU_PROTON**2 - 1.0) / (4.0 * M_P**2)


def g2_elastic(t: ArrayLike, Z: float, A: float) -> np.ndarray:
    """Elastic form factor G₂,el(t) = (a²t/(1+a²t))² (1/(1+t/d))² Z² (spec Eq. 11); t in GeV²."""
    _check_za(Z, A)
    t = np.asarray(t, dtype=float)
    a2 = screening_a_elastic(Z) ** 2
    d = nuclear_d(A)
    return (a2 * t / (1.0 + a2 * t)) ** 2 * (1.0 / (1.0 + t / d)) ** 2 * Z**2


def g2_inelastic(t: ArrayLike, Z: float, A: float) -> np.ndarray:
    """Inelastic form factor G₂,inel(t) [dimensionless], t in GeV² (Bjorken et al. 2009, Eq. A18).

    G₂,inel = (a′²t/(1+a′²t))² [(1 + t(μ_p²−1)/(4m_p²)) / (1 + t/0.71 GeV²)⁴]² Z.
    ``A`` is accepted for a uniform signature (the inelastic term does not depend on it).
    """
    _check_za(Z, A)
    t = np.asarray(t, dtype=float)
    ap2 = screening_a_inelastic(Z) ** 2
    proton = (1.0 + _kappa_p() * t) / (1.0 + t / PROTON_DIPOLE_GEV2) ** 4
    return (ap2 * t / (1.0 + ap2 * t)) ** 2 * proton**2 * Z


# --- exact partial fractions --------------------------------------------------------------------


def _poly_shift(coeffs: list[float], x0: float) -> list[float]:
    """Coefficients (ascending) of P(x0 + u) in u, for P given by ascending ``coeffs``."""
    n = len(coeffs)
    out = [0.0] * n
    for k, ck in enumerate(coeffs):
        for i in range(k + 1):
            out[i] += ck * math.comb(k, i) * x0 ** (k - i)
    return out


def _pole_coefficients(numer: list[float], p: float, m: int, q: float, n: int) -> list[float]:
    """Coefficients A_k (k = 1..m) of A_k/(t−p)^k in P(t)/((t−p)^m (t−q)^n), P of degree < m+n.

    g(t) = P(t)/(t−q)^n is Taylor-expanded at p: A_{m−j} = g⁽ʲ⁾(p)/j!.
    """
    pu = _poly_shift(numer, p)  # P(p+u)
    r = p - q
    # (r + u)^(−n) = r^(−n) Σ_j C(n+j−1, j) (−u/r)^j
    inv = [r ** (-n) * math.comb(n + j - 1, j) * (-1.0 / r) ** j for j in range(m)]
    taylor = [sum(pu[i] * inv[j - i] for i in range(j + 1) if i < len(pu)) for j in range(m)]
    return [taylor[m - k] for k in range(1, m + 1)]


@lru_cache(maxsize=256)
def _elastic_fractions(Z: float, A: float) -> tuple[float, float, tuple[float, ...], tuple[float, ...]]:
    """Poles and partial fractions of d²·S(t)/((t−p)²(t−q)²) for S = t and S = 1 (elastic, per Z²)."""
    p = -1.0 / screening_a_elastic(Z) ** 2
    d = nuclear_d(A)
    q = -d
    a_t = _pole_coefficients([0.0, d * d], p, 2, q, 2) + _pole_coefficients([0.0, d * d], q, 2, p, 2)
    a_1 = _pole_coefficients([d * d], p, 2, q, 2) + _pole_coefficients([d * d], q, 2, p, 2)
    return p, q, tuple(a_t), tuple(a_1)


@lru_cache(maxsize=256)
def _inelastic_fractions(Z: float) -> tuple[float, float, tuple[float, ...], tuple[float, ...]]:
    """Poles and partial fractions of Λ⁸ S(t)(1+κt)²/((t−p′)²(t−q′)⁸) (inelastic, per Z)."""
    p = -1.0 / screening_a_inelastic(Z) ** 2
    lam = PROTON_DIPOLE_GEV2
    q = -lam
    kap = _kappa_p()
    base = [lam**8, 2 * kap * lam**8, kap * kap * lam**8]  # Λ⁸ (1 + κt)²
    with_t = [0.0, *base]
    a_t = _pole_coefficients(with_t, p, 2, q, 8) + _pole_coefficients(with_t, q, 8, p, 2)
    a_1 = _pole_coefficients(base, p, 2, q, 8) + _pole_coefficients(base, q, 8, p, 2)
    return p, q, tuple(a_t), tuple(a_1)


def _integrate_fractions(
    p: float,
    m: int,
    q: float,
    coeff_t: tuple[float, ...],
    coeff_1: tuple[float, ...],
    tmin: np.ndarray,
    tmax: np.ndarray,
) -> np.ndarray:
    """∫_{tmin}^{tmax} (t − tmin)·R(t) dt from the partial fractions of t·R and R (poles p (order m), q)."""
    ct = np.array(coeff_t)
    c1 = np.array(coeff_1)
    coeffs_p = [ct[k] - tmin * c1[k] for k in range(m)]
    coeffs_q = [ct[m + k] - tmin * c1[m + k] for k in range(len(ct) - m)]
    out = np.zeros(np.broadcast(tmin, tmax).shape)
    for pole, cs in ((p, coeffs_p), (q, coeffs_q)):
        y_hi = tmax - pole
        y_lo = tmin - pole
        for k, ak in enumerate(cs, start=1):
            if k == 1:
                out = out + ak * (np.log(y_hi) - np.log(y_lo))
            else:
                out = out + ak * (y_lo ** (1 - k) - y_hi ** (1 - k)) / (k - 1)
    return out


def _as_result(x: np.ndarray, scalar: bool) -> float | np.ndarray:
    return float(x) if scalar else x


def _check_t(tmin: np.ndarray, tmax: np.ndarray) -> None:
    if np.any(~np.isfinite(tmin)) or np.any(tmin < 0):
        raise UserInputError("tmin", tmin.tolist() if tmin.ndim else float(tmin), "finite and >= 0 (GeV²)")
    if np.any(~np.isfinite(tmax)) or np.any(tmax < 0):
        raise UserInputError("tmax", tmax.tolist() if tmax.ndim else float(tmax), "finite and >= 0 (GeV²)")


def chi_flux(
    tmin: ArrayLike, tmax: ArrayLike, Z: float, A: float, *, inelastic: bool = True
) -> float | np.ndarray:
    """Effective photon flux χ = ∫_{tmin}^{tmax} dt (t − tmin)/t² [G₂,el + G₂,inel] (spec Eq. 10), closed form.

    t in GeV², χ dimensionless (∝ Z² for the elastic part). Zero where tmax ≤ tmin.
    Exact: the integrands are rational, integrated by partial fractions (Bjorken et al. 2009, App. A).
    """
    _check_za(Z, A)
    lo = np.asarray(tmin, dtype=float)
    hi = np.asarray(tmax, dtype=float)
    scalar = lo.ndim == 0 and hi.ndim == 0
    _check_t(lo, hi)
    lo, hi = np.broadcast_arrays(lo, hi)
    ok = hi > lo
    lo_s = np.where(ok, lo, 0.0)
    hi_s = np.where(ok, hi, 1.0)
    p, q, ct, c1 = _elastic_fractions(float(Z), float(A))
    chi = Z**2 * _integrate_fractions(p, 2, q, ct, c1, lo_s, hi_s)
    if inelastic:
        p2, q2, ct2, c12 = _inelastic_fractions(float(Z))
        chi = chi + Z * _integrate_fractions(p2, 2, q2, ct2, c12, lo_s, hi_s)
    chi = np.where(ok, np.maximum(chi, 0.0), 0.0)
    return _as_result(chi, scalar)


def chi_flux_numeric(
    tmin: ArrayLike, tmax: ArrayLike, Z: float, A: float, *, inelastic: bool = True
) -> float | np.ndarray:
    """χ of spec Eq. (10) by adaptive quadrature in ln t (scipy ``quad``, rel. tol. 1e-10); t in GeV².

    The independent check of :func:`chi_flux`; slower (one quadrature per point).
    """
    _check_za(Z, A)
    lo = np.asarray(tmin, dtype=float)
    hi = np.asarray(tmax, dtype=float)
    scalar = lo.ndim == 0 and hi.ndim == 0
    _check_t(lo, hi)
    lo, hi = np.broadcast_arrays(lo, hi)
    out = np.zeros(lo.shape)
    # Characteristic scales of the integrand: screening 1/a², 1/a′², nuclear size d, proton Λ².
    scales = [
        1.0 / screening_a_elastic(Z) ** 2,
        1.0 / screening_a_inelastic(Z) ** 2,
        nuclear_d(A),
        PROTON_DIPOLE_GEV2,
    ]
    for idx in np.ndindex(lo.shape):
        t0, t1 = float(lo[idx]), float(hi[idx])
        if t1 <= t0:
            continue
        s_lo = math.log(t0) if t0 > 0 else math.log(t1) - 80.0

        def integrand(s: float, t0: float = t0) -> float:
            t = math.exp(s)
            g2 = float(g2_elastic(t, Z, A))
            if inelastic:
                g2 += float(g2_inelastic(t, Z, A))
            return (t - t0) / t * g2

        pts = sorted(math.log(x) for x in scales if t0 < x < t1)
        val, _ = integrate.quad(integrand, s_lo, math.log(t1), points=pts or None, epsrel=1e-10, limit=400)
        out[idx] = val
    return _as_result(out, scalar)
