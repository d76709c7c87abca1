"""Light thermal dark matter relations of the spec (Sec. I, Eqs. 5-6; Sec. X).

Masses in GeV; ε, α_D, y and f are dimensionless. Primary source: Izaguirre, Krnjaic, Schuster,
Toro, PRL 115, 251301 (2015) and PRD 91, 094026 (2015).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from darkmiss.errors import require

ArrayLike = npt.ArrayLike

# Reference point of Eq. (5): α_D ≃ 0.02 f (1e-3/ε)² (m_A′/100 MeV)⁴ (10 MeV/m_χ)².
_EQ5_COEFF = 0.02
_EQ5_EPS = 1e-3
_EQ5_MAPRIME_GEV = 0.1
_EQ5_MCHI_GEV = 0.01


def y_parameter(epsilon: ArrayLike, alpha_d: ArrayLike, m_chi: ArrayLike, m_aprime: ArrayLike) -> np.ndarray:
    """y = ε² α_D (m_χ/m_A′)⁴ (spec Eq. 6). Masses in GeV; returns a dimensionless array."""
    eps = np.asarray(epsilon, dtype=float)
    mchi = np.asarray(m_chi, dtype=float)
    ma = np.asarray(m_aprime, dtype=float)
    require(bool(np.all(ma > 0)), "m_aprime", m_aprime, "positive masses [GeV]")
    return eps**2 * np.asarray(alpha_d, dtype=float) * (mchi / ma) ** 4


def epsilon_from_y(y: ArrayLike, alpha_d: ArrayLike, m_chi: ArrayLike, m_aprime: ArrayLike) -> np.ndarray:
    """Inverse of Eq. (6): ε = sqrt(y / (α_D (m_χ/m_A′)⁴)). Masses in GeV."""
    ratio4 = (np.asarray(m_chi, dtype=float) / np.asarray(m_aprime, dtype=float)) ** 4
    return np.sqrt(np.asarray(y, dtype=float) / (np.asarray(alpha_d, dtype=float) * ratio4))


def relic_alpha_d(epsilon: ArrayLike, m_aprime: ArrayLike, m_chi: ArrayLike, f: float) -> np.ndarray:
    """α_D required by the thermal relic abundance at given ε (spec Eq. 5).

    α_D ≃ 0.02 f (10⁻³/ε)² (m_A′/100 MeV)⁴ (10 MeV/m_χ)²; masses in GeV, f dimensionless
    (f ≲ 10 scalar, f ≲ 1 fermion; the spec uses f = 0.25 pseudo-Dirac and f = 3 Majorana, Sec. X).
    An upper bound on ε therefore gives a lower bound on α_D.
    """
    require(f > 0, "f", f, "a positive number")
    eps = np.asarray(epsilon, dtype=float)
    ma = np.asarray(m_aprime, dtype=float)
    mchi = np.asarray(m_chi, dtype=float)
    require(bool(np.all(eps > 0)), "epsilon", epsilon, "positive values")
    require(bool(np.all(mchi > 0)), "m_chi", m_chi, "positive masses [GeV]")
    return _EQ5_COEFF * f * (_EQ5_EPS / eps) ** 2 * (ma / _EQ5_MAPRIME_GEV) ** 4 * (_EQ5_MCHI_GEV / mchi) ** 2


def invisible_width(m_aprime: ArrayLike, m_chi: ArrayLike, alpha_d: float) -> np.ndarray:
    """Γ(A′ → χ̄χ) [GeV] for Dirac χ (spec Eq. 4); zero below threshold (m_A′ ≤ 2 m_χ)."""
    ma = np.asarray(m_aprime, dtype=float)
    r = (np.asarray(m_chi, dtype=float) / ma) ** 2
    beta = np.sqrt(np.clip(1.0 - 4.0 * r, 0.0, None))
    return alpha_d / 3.0 * ma * (1.0 + 2.0 * r) * beta
