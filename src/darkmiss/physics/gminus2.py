"""One-loop dark-photon contribution to lepton anomalous magnetic moments (Pospelov, PRD 80, 095002 (2009)).

a_ℓ^{A′} = (α ε²/2π) ∫₀¹ dz 2z(1−z)² / [(1−z)² + z (m_A′/m_ℓ)²]  (dimensionless; masses in GeV).
For m_A′ ≪ m_ℓ the integral → 1 and a_ℓ → α ε²/2π; for m_A′ ≫ m_ℓ it → (2/3)(m_ℓ/m_A′)².
Used for the a_μ favoured band (Δa_μ of spec Sec. I, Ref. [8]) and the a_e exclusion of Fig. 15.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import numpy.typing as npt

from darkmiss.constants import ALPHA, DELTA_A_E, DELTA_A_E_ERR, DELTA_A_MU, DELTA_A_MU_ERR, M_E, M_MU
from darkmiss.errors import require

# Gauss-Legendre nodes on [-1, 1]. The integrand changes on the scale 1 − z ~ m_A′/m_ℓ, so [0, 1] is
# split at z = 1 − r·10^k and z = 10^k/r² (r = m_A′/m_ℓ, k = −2..2), each piece with 48 nodes.
_X, _W = np.polynomial.legendre.leggauss(48)


def _integral_one(r: float) -> float:
    r2 = r * r
    pts = [1.0 - r * 10.0**k for k in range(-2, 3)]
    if r > 0:  # heavy A′: the integrand turns over at z ~ 1/r²
        pts += [10.0**k / r2 for k in range(-2, 3)]
    cuts = sorted({0.0, 1.0, *(p for p in pts if 0.0 < p < 1.0)})
    total = 0.0
    for a, b in itertools.pairwise(cuts):
        z = a + 0.5 * (b - a) * (_X + 1.0)
        total += 0.5 * (b - a) * float(np.dot(2.0 * z * (1.0 - z) ** 2 / ((1.0 - z) ** 2 + z * r2), _W))
    return total


def loop_integral(m_aprime: npt.ArrayLike, m_lepton: float) -> np.ndarray:
    """I(m_A′/m_ℓ) = ∫₀¹ dz 2z(1−z)²/[(1−z)² + z (m_A′/m_ℓ)²] (Pospelov 2009, Eq. 3); masses in GeV."""
    ma = np.asarray(m_aprime, dtype=float)
    require(bool(np.all(ma >= 0)), "m_aprime", m_aprime, "non-negative masses [GeV]")
    require(m_lepton > 0, "m_lepton", m_lepton, "a positive mass [GeV]")
    flat = np.array([_integral_one(float(m) / m_lepton) for m in ma.ravel()])
    return flat.reshape(ma.shape)


def delta_a(epsilon: npt.ArrayLike, m_aprime: npt.ArrayLike, m_lepton: float) -> np.ndarray:
    """A′ contribution to a_ℓ (dimensionless): (α ε²/2π) I(m_A′/m_ℓ) (Pospelov 2009, Eq. 3)."""
    return ALPHA * np.asarray(epsilon, dtype=float) ** 2 / (2.0 * math.pi) * loop_integral(m_aprime, m_lepton)


def epsilon_for_delta_a(target: float, m_aprime: npt.ArrayLike, m_lepton: float) -> np.ndarray:
    """ε for which the A′ loop gives a_ℓ = ``target`` (inverse of :func:`delta_a`); NaN if target ≤ 0."""
    if target <= 0:
        return np.full(np.shape(np.atleast_1d(m_aprime)), np.nan)
    return np.sqrt(target * 2.0 * math.pi / (ALPHA * loop_integral(m_aprime, m_lepton)))


def amu_favoured_band(m_aprime: npt.ArrayLike, nsigma: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """(ε_low, ε_high) where the A′ explains Δa_μ = (287 ± 80)×10⁻¹¹ within ±nsigma (spec Sec. I, Ref. [8])."""
    lo = epsilon_for_delta_a(DELTA_A_MU - nsigma * DELTA_A_MU_ERR, m_aprime, M_MU)
    hi = epsilon_for_delta_a(DELTA_A_MU + nsigma * DELTA_A_MU_ERR, m_aprime, M_MU)
    return lo, hi


def ae_excluded_epsilon(m_aprime: npt.ArrayLike, nsigma: float = 2.0) -> np.ndarray:
    """ε above which the A′ contribution exceeds Δa_e + nsigma·σ (excluded by a_e; Δa_e in constants)."""
    return epsilon_for_delta_a(DELTA_A_E + nsigma * DELTA_A_E_ERR, m_aprime, M_E)


def amu_excluded_epsilon(m_aprime: npt.ArrayLike, nsigma: float = 5.0) -> np.ndarray:
    """ε above which the A′ alone overshoots Δa_μ by more than nsigma·σ."""
    return epsilon_for_delta_a(DELTA_A_MU + nsigma * DELTA_A_MU_ERR, m_aprime, M_MU)
