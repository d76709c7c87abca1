"""Bethe–Heitler muon-pair production γZ → μ⁺μ⁻Z (spec Sec. V.A, Eqs. 17–22).

Units: photon energy in GeV, cross-sections in μb; x = x₊ = E_μ⁺/E_γ.

This is Geant4's G4GammaConversionToMuons model (H. Burkhardt, S. R. Kelner, R. R. Kokoulin,
CERN-SL-2002-016):

    dσ/dx₊ = 4 α Z² r_μ² (1 − 4/3 x₊x₋) ln W                                   (Eq. 18)
    W = W∞ (1 + (D_n √e − 2) δ/m_μ) / (1 + B Z^(−1/3) √e δ/m_e)                  (Eq. 19)
    W∞ = B Z^(−1/3) m_μ/(D_n m_e),  δ = m_μ²/(2 E_γ x₊x₋),  x₋ = 1 − x₊          (Eqs. 19–20)
    B = 183, D_n = 1.54 A^0.27 (hydrogen: B = 202.4, D_n = 1.49),  r_μ = α/m_μ (ħc = 1)

σ_tot is Eq. (22): Eq. (18) integrated between x_min,max = 1/2 ∓ √(1/4 − m_μ/E_γ).

Threshold treatment (as Geant4): these limits need E_γ ≥ 4 m_μ; for E_γ ≤ 4 m_μ the cross-section
is 0 (Geant4's ``LowestEnergyLimit = 4 m_μ``; the true threshold 2 m_μ(1 + m_μ/M) is lower, but the
model is not meant for that region). Where W ≤ 1 (only at the very edges of x near threshold) ln W is
set to 0, as Geant4's sampler does, so the cross-section is never negative and never NaN.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import integrate

from darkmiss.constants import (
    ALPHA,
    GEV2_TO_PB,
    M_E,
    M_MU,
    MUPAIR_B,
    MUPAIR_B_HYDROGEN,
    MUPAIR_DN_COEF,
    MUPAIR_DN_HYDROGEN,
    MUPAIR_DN_POWER,
    SQRT_E,
    UB_TO_PB,
)
from darkmiss.errors import UserInputError
from darkmiss.physics.aprime import resolve_target
from darkmiss.physics.materials import Element

__all__ = ["THRESHOLD_GEV", "dsigma_dx", "sample_x", "sigma_total", "soft_split", "x_limits"]

#: Lowest photon energy of the model, 4 m_μ [GeV] (Geant4 G4GammaConversionToMuons).
THRESHOLD_GEV: float = 4.0 * M_MU


def _params(el: Element) -> tuple[float, float]:
    """(B, D_n) of Eq. 19 for an element."""
    if el.Z == 1:
        return MUPAIR_B_HYDROGEN, MUPAIR_DN_HYDROGEN
    return MUPAIR_B, MUPAIR_DN_COEF * el.A**MUPAIR_DN_POWER


def _sigma0_ub(el: Element) -> float:
    """4 α Z² r_μ² [μb], r_μ = α/m_μ (Eq. 18 prefactor)."""
    return 4.0 * ALPHA * el.Z**2 * (ALPHA / M_MU) ** 2 * GEV2_TO_PB / UB_TO_PB


def _log_w(xpm: np.ndarray, e_gamma: np.ndarray, el: Element) -> np.ndarray:
    """ln W of Eq. 19 for x₊x₋ = ``xpm``, clipped at 0 (W ≤ 1 → 0)."""
    b, dn = _params(el)
    zthird = el.Z ** (-1.0 / 3.0)
    w_inf = b * zthird * M_MU / (dn * M_E)
    delta = M_MU**2 / (2.0 * e_gamma * xpm)
    w = w_inf * (1.0 + (dn * SQRT_E - 2.0) * delta / M_MU) / (1.0 + b * zthird * SQRT_E * delta / M_E)
    return np.log(np.maximum(w, 1.0))


def x_limits(e_gamma: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """x_min,max = 1/2 ∓ √(1/4 − m_μ/E_γ) (Eq. 22); both 1/2 at and below the 4 m_μ threshold."""
    e = np.asarray(e_gamma, dtype=float)
    root = np.sqrt(np.maximum(0.25 - M_MU / np.maximum(e, THRESHOLD_GEV), 0.0))
    return 0.5 - root, 0.5 + root


def _check_energy(e: np.ndarray) -> None:
    bad = ~np.isfinite(e) | (e < 0)
    if np.any(bad):
        raise UserInputError(
            "energy", float(np.broadcast_to(e, bad.shape)[bad].flat[0]), "a finite photon energy >= 0 (GeV)"
        )


def dsigma_dx(x: ArrayLike, e_gamma: ArrayLike, target: str | Element = "Pb") -> float | np.ndarray:
    """dσ/dx₊ of γZ → μ⁺μ⁻Z [μb] (spec Eq. 18); 0 outside [x_min, x_max] and for E_γ ≤ 4 m_μ."""
    el = resolve_target(target)
    xx = np.asarray(x, dtype=float)
    e = np.asarray(e_gamma, dtype=float)
    scalar = xx.ndim == 0 and e.ndim == 0
    _check_energy(e)
    xx, e = np.broadcast_arrays(xx, e)
    lo, hi = x_limits(e)
    inside = (e > THRESHOLD_GEV) & (xx >= lo) & (xx <= hi)
    xs = np.where(inside, xx, 0.5)
    es = np.where(inside, e, 2.0 * THRESHOLD_GEV)
    xpm = xs * (1.0 - xs)
    val = _sigma0_ub(el) * (1.0 - 4.0 / 3.0 * xpm) * _log_w(xpm, es, el)
    out = np.where(inside, val, 0.0)
    return float(out) if scalar else out


def _sigma_total_one(e: float, el: Element) -> float:
    if e <= THRESHOLD_GEV:
        return 0.0
    lo, _ = x_limits(e)
    s0 = _sigma0_ub(el)
    b, dn = _params(el)
    zthird = el.Z ** (-1.0 / 3.0)
    w_inf = b * zthird * M_MU / (dn * M_E)
    c_num = (dn * SQRT_E - 2.0) / M_MU
    c_den = b * zthird * SQRT_E / M_E
    half_m2_over_e = M_MU**2 / (2.0 * e)

    # Symmetric in x ↔ 1 − x: integrate over [x_min, 1/2] in s = ln x and double (same ln W as _log_w).
    def f(s: float) -> float:
        x = math.exp(s)
        xpm = x * (1.0 - x)
        delta = half_m2_over_e / xpm
        w = w_inf * (1.0 + c_num * delta) / (1.0 + c_den * delta)
        return x * (1.0 - 4.0 / 3.0 * xpm) * math.log(w) if w > 1.0 else 0.0

    val, _ = integrate.quad(f, math.log(float(lo)), math.log(0.5), epsrel=1e-10, epsabs=1e-13, limit=200)
    return 2.0 * s0 * val


def sigma_total(e_gamma: ArrayLike, target: str | Element = "Pb") -> float | np.ndarray:
    """σ_tot(γZ → μ⁺μ⁻Z) [μb]: Eq. 18 integrated over [x_min, x_max] (spec Eq. 22); 0 for E_γ ≤ 4 m_μ.

    Adaptive quadrature (rel. tol. 1e-10) per energy; vectorised (loops) in e_gamma [GeV].
    """
    el = resolve_target(target)
    e = np.asarray(e_gamma, dtype=float)
    _check_energy(e)
    out = np.zeros(e.shape)
    for idx in np.ndindex(e.shape):
        out[idx] = _sigma_total_one(float(e[idx]), el)
    return float(out) if e.ndim == 0 else out


def sample_x(e_gamma: float, target: str | Element, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw ``size`` values of x₊ from dσ/dx₊ (Eq. 18) at photon energy ``e_gamma`` [GeV] > 4 m_μ.

    Rejection sampling as in Geant4: x₊ uniform in [x_min, x_max], accepted with probability
    (1 − 4/3 x₊x₋) ln W / ln W(x₊ = 1/2) (ln W is largest at x₊ = 1/2, so this is ≤ 1).
    """
    el = resolve_target(target)
    e = float(e_gamma)
    if not (math.isfinite(e) and e > THRESHOLD_GEV):
        raise UserInputError(
            "energy", e_gamma, f"a photon energy above the 4 m_mu threshold ({THRESHOLD_GEV:.4f} GeV)"
        )
    n = int(size)
    if n < 0:
        raise UserInputError("size", size, "an integer >= 0")
    lo, hi = (float(v) for v in x_limits(e))
    log_wmax = float(_log_w(np.asarray(0.25), np.asarray(e), el))
    if log_wmax <= 0.0:  # W ≤ 1 for every x: a sliver just above 4 m_μ where Eq. 18 (clipped) vanishes
        raise UserInputError("energy", e_gamma, "an energy where the cross-section is non-zero (ln W > 0)")
    out = np.empty(n)
    filled = 0
    while filled < n:
        batch = max(2 * (n - filled), 256)
        x = lo + (hi - lo) * rng.random(batch)
        xpm = x * (1.0 - x)
        p = (1.0 - 4.0 / 3.0 * xpm) * _log_w(xpm, np.full(batch, e), el) / log_wmax
        keep = x[rng.random(batch) < p]
        take = min(keep.size, n - filled)
        out[filled : filled + take] = keep[:take]
        filled += take
    return out


def soft_split(
    e_gamma: ArrayLike,
    t_max: float,
    target: str | Element,
    rng: np.random.Generator,
    *,
    n_grid: int = 257,
) -> tuple[np.ndarray, np.ndarray]:
    """A pair forced to hold a soft muon, for photon energies ``e_gamma`` [GeV] (array).

    Returns (E_soft, P):
    - P: the probability that a muon of the pair has kinetic energy below ``t_max`` [GeV],
      2 ∫ dσ/dx₊ dx₊ / σ_tot over [x_min, x_s], with x_s = (m_μ + t_max)/E_γ (Eq. 18, symmetric in
      x₊ ↔ x₋; σ_tot of Eq. 22 interpolated in ln E_γ between 65 nodes);
    - E_soft: that muon's total energy [GeV], drawn from Eq. 18 restricted to [x_min, x_s] (one uniform
      per photon; inverse of the trapezoidal CDF on ``n_grid`` points, linear within a step).

    The photon energy must exceed 2 (m_μ + t_max), so that at most one muon of a pair is that soft.
    """
    el = resolve_target(target)
    e = np.atleast_1d(np.asarray(e_gamma, dtype=float))
    if not (math.isfinite(t_max) and t_max > 0):
        raise UserInputError("t_max", t_max, "a positive kinetic energy in GeV")
    _check_energy(e)
    if e.size and not np.all(e > 2.0 * (M_MU + t_max)):
        raise UserInputError(
            "e_gamma",
            float(e.min()),
            f"photon energies above 2 (m_mu + t_max) = {2 * (M_MU + t_max):.4g} GeV",
        )
    if e.size == 0:
        return np.zeros(0), np.zeros(0)
    lo, _ = x_limits(e)
    width = (M_MU + t_max) / e - lo
    x = lo[:, None] + width[:, None] * np.linspace(0.0, 1.0, n_grid)[None, :]
    f = np.asarray(dsigma_dx(x, e[:, None], el), dtype=float)
    step = width / (n_grid - 1)
    cum = np.zeros_like(f)
    np.cumsum(0.5 * (f[:, 1:] + f[:, :-1]) * step[:, None], axis=1, out=cum[:, 1:])
    part = cum[:, -1]
    nodes = np.geomspace(e.min(), e.max(), 65) if e.max() > e.min() else np.array([e.min()])
    sig = np.interp(np.log(e), np.log(nodes), np.asarray(sigma_total(nodes, el), dtype=float))
    p = np.minimum(2.0 * part / sig, 1.0)
    r = rng.random(e.size) * part
    j = np.clip((cum < r[:, None]).sum(axis=1) - 1, 0, n_grid - 2)
    rows = np.arange(e.size)
    c0, c1 = cum[rows, j], cum[rows, j + 1]
    frac = np.where(c1 > c0, (r - c0) / np.where(c1 > c0, c1 - c0, 1.0), 0.0)
    xs = x[rows, j] + np.clip(frac, 0.0, 1.0) * step
    return xs * e, p
