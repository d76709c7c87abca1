"""Dark-photon decay widths, branching ratios and decay length.

Units: masses and widths in GeV, lengths in cm.

- Γ(A′ → ℓ⁺ℓ⁻) = (α ε²/3) m (1 + 2m_ℓ²/m²) √(1 − 4m_ℓ²/m²)   (spec Eq. 3)
- Γ(A′ → χ̄χ), Dirac fermion χ: (α_D/3) m (1 + 2m_χ²/m²) √(1 − 4m_χ²/m²)   (spec Eq. 4)
- Γ(A′ → χ*χ), complex scalar χ: (α_D/12) m β³, β = √(1 − 4m_χ²/m²)
  (P-wave; e.g. Izaguirre, Krnjaic, Schuster, Toro, PRD 91, 094026 (2015)).

Channels below threshold (m ≤ 2m_ℓ, m ≤ 2m_χ) have zero width — m_χ ≥ m/2 is allowed and simply
closes the invisible channel. Hadronic decays (above 2m_π, via R(s)) are not included: they matter
only for m ≳ 0.5 GeV when the invisible channel does not dominate (Γ_χ/Γ_ℓℓ ~ α_D/(α ε²) ≫ 1 in
the region the spec studies).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from darkmiss.constants import ALPHA, HBARC_GEV_CM, M_E, M_MU
from darkmiss.errors import UserInputError

__all__ = ["CHI_KINDS", "Widths", "decay_widths", "width_chi", "width_ll"]

CHI_KINDS = ("fermion", "scalar")


def _as_out(x: np.ndarray, scalar: bool) -> float | np.ndarray:
    return float(x) if scalar else x


def _check_mass(mass: np.ndarray) -> None:
    bad = ~np.isfinite(mass) | (mass <= 0)
    if np.any(bad):
        raise UserInputError(
            "mass", float(np.broadcast_to(mass, bad.shape)[bad].flat[0]), "a finite mass > 0 (GeV)"
        )


def _check_nonneg(name: str, value: float, allowed: str) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise UserInputError(name, value, allowed)


def width_ll(mass: ArrayLike, epsilon: float, lepton_mass: float) -> float | np.ndarray:
    """Γ(A′ → ℓ⁺ℓ⁻) = (α ε²/3) m (1 + 2m_ℓ²/m²) √(1 − 4m_ℓ²/m²) [GeV] (spec Eq. 3); 0 below 2m_ℓ."""
    m = np.asarray(mass, dtype=float)
    scalar = m.ndim == 0
    _check_mass(m)
    _check_nonneg("epsilon", epsilon, "a finite number >= 0")
    _check_nonneg("lepton_mass", lepton_mass, "a mass >= 0 (GeV)")
    r = lepton_mass**2 / m**2
    open_ = 4.0 * r < 1.0
    rs = np.where(open_, r, 0.0)
    g = ALPHA * epsilon**2 / 3.0 * m * (1.0 + 2.0 * rs) * np.sqrt(1.0 - 4.0 * rs)
    return _as_out(np.where(open_, g, 0.0), scalar)


def width_chi(mass: ArrayLike, alpha_d: float, mchi: float, kind: str = "fermion") -> float | np.ndarray:
    """Γ(A′ → χχ̄) [GeV]: fermion (α_D/3) m (1 + 2m_χ²/m²) β (spec Eq. 4); scalar (α_D/12) m β³.

    β = √(1 − 4m_χ²/m²); 0 when m ≤ 2m_χ.
    """
    if kind not in CHI_KINDS:
        raise UserInputError("kind", kind, "one of fermion, scalar")
    m = np.asarray(mass, dtype=float)
    scalar = m.ndim == 0
    _check_mass(m)
    _check_nonneg("alpha_d", alpha_d, "a finite number >= 0")
    _check_nonneg("mchi", mchi, "a mass >= 0 (GeV)")
    r = mchi**2 / m**2
    open_ = 4.0 * r < 1.0
    rs = np.where(open_, r, 0.0)
    beta = np.sqrt(1.0 - 4.0 * rs)
    if kind == "fermion":
        g = alpha_d / 3.0 * m * (1.0 + 2.0 * rs) * beta
    else:
        g = alpha_d / 12.0 * m * beta**3
    return _as_out(np.where(open_, g, 0.0), scalar)


@dataclass(frozen=True)
class Widths:
    """Partial widths [GeV] of A′ → e⁺e⁻, μ⁺μ⁻, χχ̄, their sum, branching ratios and cτ [cm].

    When every channel is closed the total is 0, the BRs are 0 and ctau_cm is +inf.
    """

    mass: float
    epsilon: float
    alpha_d: float
    mchi: float
    kind: str
    gamma_ee: float
    gamma_mumu: float
    gamma_chi: float

    @property
    def total(self) -> float:
        """Γ_tot = Γ_ee + Γ_μμ + Γ_χχ [GeV] (hadrons not included)."""
        return self.gamma_ee + self.gamma_mumu + self.gamma_chi

    def _br(self, g: float) -> float:
        tot = self.total
        return g / tot if tot > 0 else 0.0

    @property
    def br_ee(self) -> float:
        """BR(A′ → e⁺e⁻)."""
        return self._br(self.gamma_ee)

    @property
    def br_mumu(self) -> float:
        """BR(A′ → μ⁺μ⁻)."""
        return self._br(self.gamma_mumu)

    @property
    def br_chi(self) -> float:
        """BR(A′ → χχ̄) (the invisible branching ratio)."""
        return self._br(self.gamma_chi)

    @property
    def ctau_cm(self) -> float:
        """Proper decay length cτ = ħc/Γ_tot [cm]; +inf if Γ_tot = 0."""
        tot = self.total
        return HBARC_GEV_CM / tot if tot > 0 else math.inf

    def decay_length_cm(self, energy: ArrayLike) -> float | np.ndarray:
        """Lab decay length βγ cτ = (√(E² − m²)/m) cτ [cm] of an A′ with energy E [GeV] (E ≥ m)."""
        e = np.asarray(energy, dtype=float)
        bad = ~np.isfinite(e) | (e < self.mass)
        if np.any(bad):
            raise UserInputError(
                "energy", float(np.broadcast_to(e, bad.shape)[bad].flat[0]), f">= mass {self.mass:g} GeV"
            )
        out = np.sqrt(e**2 - self.mass**2) / self.mass * self.ctau_cm
        return float(out) if e.ndim == 0 else out

    def as_record(self) -> dict[str, float | str]:
        """Flat record for the CLI/JSON."""
        return {
            "mass": self.mass,
            "epsilon": self.epsilon,
            "alpha_d": self.alpha_d,
            "mchi": self.mchi,
            "kind": self.kind,
            "gamma_ee": self.gamma_ee,
            "gamma_mumu": self.gamma_mumu,
            "gamma_chi": self.gamma_chi,
            "gamma_total": self.total,
            "br_ee": self.br_ee,
            "br_mumu": self.br_mumu,
            "br_chi": self.br_chi,
            "ctau_cm": self.ctau_cm,
        }


def decay_widths(mass: float, epsilon: float, alpha_d: float, mchi: float, kind: str = "fermion") -> Widths:
    """All A′ partial widths (spec Eqs. 3–4) for one mass [GeV], ε, α_D, m_χ [GeV] and χ kind."""
    m = float(mass)
    return Widths(
        mass=m,
        epsilon=float(epsilon),
        alpha_d=float(alpha_d),
        mchi=float(mchi),
        kind=kind,
        gamma_ee=float(width_ll(m, epsilon, M_E)),
        gamma_mumu=float(width_ll(m, epsilon, M_MU)),
        gamma_chi=float(width_chi(m, alpha_d, mchi, kind)),
    )
