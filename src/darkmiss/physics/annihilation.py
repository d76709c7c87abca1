"""Resonant annihilation of positrons with atomic electrons, e⁺e⁻ → V → invisible.

Units: GeV, pb (cross-sections), pb·GeV (cross-sections integrated over the positron energy).
The atomic electron is taken at rest (docs/annihilation.md estimates the Doppler broadening from
the electrons' atomic motion), so s = 2 m_e (E + m_e) for a positron of total energy E, and the
resonance sits at E_R = m²/(2 m_e) − m_e ≈ m²/(2 m_e).

Cross-section (tree level, s-channel mediator V of mass m and total width Γ, coupling ε e to
electrons; the vector case as in Marsicano et al., PRL 121, 041802 (2018)):

    σ(s) = f_J · 4π α ε² √s Γ_inv(√s) / ((s − m²)² + m² Γ²),

with Γ_inv(√s) the invisible width a mediator of mass √s would have with the same couplings (for a
vector to Dirac χ: √s Γ_inv(√s) = (α_D/3) s (1 + 2m_χ²/s) β_χ, so that σ is the textbook
e⁺e⁻ → γ* → χχ̄ with the V propagator), and the spin factor f_J = 1 for a vector or axial vector,
½ for a scalar or pseudoscalar: the (2J + 1)/4 of the spin average times Γ_ee per coupling²
(1/(12π) for J = 1, 1/(8π) for J = 0). In the narrow-width limit

    ∫ σ dE = f_J · 2π² α ε² B_inv / m_e,   B_inv = Γ_inv(m)/Γ.

Γ is the total width at ε → 0 (the visible widths ∝ ε² are dropped), so yields are the coefficient
of ε² for any ε the experiment probes.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from darkmiss.constants import ALPHA, GEV2_TO_PB, M_E
from darkmiss.errors import UserInputError
from darkmiss.physics.widths import CHI_KINDS, decay_widths, width_chi

__all__ = [
    "SPIN_FACTORS",
    "Resonance",
    "mandelstam_s",
    "narrow_width_integral_pb_gev",
    "resonance_energy",
    "sigma_integral_pb_gev",
    "sigma_pb",
    "sigma_quadrature",
    "vector_resonance",
]

#: f_J of the cross-section per mediator (module docstring): (2J + 1) spin counting.
SPIN_FACTORS = {"vector": 1.0, "axial": 1.0, "scalar": 0.5, "pseudoscalar": 0.5}
#: Gauss–Legendre nodes per integration interval in :func:`sigma_quadrature`.
_GL_NODES = 8


@dataclass(frozen=True)
class Resonance:
    """An s-channel mediator as the annihilation sees it: ``mass`` and total width ``gamma_total``
    [GeV] (at ε → 0), the invisible width ``invisible_width(M)`` [GeV] a mediator of mass M [GeV]
    would have (same couplings), the spin factor ``spin_factor`` (:data:`SPIN_FACTORS`) and a
    ``label`` describing the model (in the yield records)."""

    mass: float
    gamma_total: float
    invisible_width: Callable[[np.ndarray], np.ndarray]
    spin_factor: float = 1.0
    label: str = ""

    def __post_init__(self) -> None:
        if not (math.isfinite(self.mass) and self.mass > 2.0 * M_E):
            raise UserInputError("mass", self.mass, f"a mediator mass above 2 m_e = {2 * M_E:.5f} GeV")
        if not (math.isfinite(self.gamma_total) and self.gamma_total > 0):
            raise UserInputError("total width", self.gamma_total, "a positive width [GeV]")
        if not (math.isfinite(self.spin_factor) and self.spin_factor > 0):
            raise UserInputError("spin factor", self.spin_factor, "a positive number (1 vector, 0.5 scalar)")

    @property
    def br_invisible(self) -> float:
        """B_inv = Γ_inv(m)/Γ at the pole."""
        return float(self.invisible_width(np.array(self.mass))) / self.gamma_total

    @property
    def energy(self) -> float:
        """Positron total energy at the pole, E_R [GeV] (:func:`resonance_energy`)."""
        return float(resonance_energy(self.mass))


def vector_resonance(
    mass: float,
    alpha_d: float = 0.5,
    mchi: float | None = None,
    chi_kind: str = "fermion",
    spin_factor: float = 1.0,
) -> Resonance:
    """A dark photon of ``mass`` [GeV] decaying to χχ̄ (``chi_kind`` fermion or scalar, spec Eq. 4)
    with coupling ``alpha_d`` and ``mchi`` [GeV] (default m/3, spec Sec. X); the total width at ε → 0
    is Γ(A′ → χχ̄) of :mod:`darkmiss.physics.widths`. ``spin_factor`` rescales it for a mediator of
    another spin with the same widths (:data:`SPIN_FACTORS`)."""
    if chi_kind not in CHI_KINDS:
        raise UserInputError("chi kind", chi_kind, ", ".join(CHI_KINDS))
    mc = mass / 3.0 if mchi is None else float(mchi)
    total = decay_widths(mass, 0.0, alpha_d, mc, chi_kind).total
    if not total > 0:
        raise UserInputError("mchi", mc, f"below m/2 = {mass / 2:g} GeV (an open invisible channel)")

    def inv(m: np.ndarray) -> np.ndarray:
        return np.asarray(width_chi(np.maximum(np.asarray(m, dtype=float), 1e-12), alpha_d, mc, chi_kind))

    return Resonance(
        mass=float(mass),
        gamma_total=float(total),
        invisible_width=inv,
        spin_factor=float(spin_factor),
        label=f"vector alpha_d={alpha_d!r} mchi={mc!r} {chi_kind} f={spin_factor!r}",
    )


def mandelstam_s(energy: ArrayLike) -> np.ndarray:
    """s = 2 m_e (E + m_e) [GeV²] of a positron of total energy E [GeV] on an electron at rest."""
    return 2.0 * M_E * (np.asarray(energy, dtype=float) + M_E)


def resonance_energy(mass: ArrayLike) -> np.ndarray:
    """Positron total energy at s = m², E_R = m²/(2 m_e) − m_e [GeV] (electron at rest)."""
    m = np.asarray(mass, dtype=float)
    return m * m / (2.0 * M_E) - M_E


def sigma_pb(energy: ArrayLike, res: Resonance, epsilon: float = 1.0) -> np.ndarray:
    """σ(e⁺e⁻ → V → invisible) [pb] for positrons of total ``energy`` [GeV] on electrons at rest
    (module docstring: f_J 4π α ε² √s Γ_inv(√s) / ((s − m²)² + m² Γ²))."""
    s = mandelstam_s(energy)
    m2 = res.mass**2
    rs = np.sqrt(s)
    num = res.spin_factor * 4.0 * math.pi * ALPHA * epsilon**2 * rs * res.invisible_width(rs)
    return num / ((s - m2) ** 2 + m2 * res.gamma_total**2) * GEV2_TO_PB


def narrow_width_integral_pb_gev(res: Resonance, epsilon: float = 1.0) -> float:
    """∫ σ dE in the narrow-width limit, f_J 2π² α ε² B_inv / m_e [pb·GeV] (module docstring)."""
    return res.spin_factor * 2.0 * math.pi**2 * ALPHA * epsilon**2 * res.br_invisible / M_E * GEV2_TO_PB


def sigma_quadrature(
    lo: ArrayLike, hi: ArrayLike, res: Resonance, epsilon: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Quadrature of σ over positron total energies [lo, hi] [GeV], per interval: nodes E (n, k)
    [GeV] and weights (n, k) [pb·GeV] with ∫ g(E) σ(E) dE ≈ Σ_k weights · g(E) for smooth g.

    Substituting u = arctan((s − m²)/(mΓ)) makes the Breit–Wigner flat: ∫ g σ dE =
    (1/2m_e) ∫ g f_J 4π α ε² √s Γ_inv(√s)/(mΓ) du, integrated with Gauss–Legendre nodes in u, so any
    width, down to the narrow-width limit, is integrated to the accuracy of the smooth numerator.
    """
    a = np.atleast_1d(np.asarray(lo, dtype=float))
    b = np.atleast_1d(np.asarray(hi, dtype=float))
    if a.shape != b.shape or np.any(b < a):
        raise UserInputError("energy intervals", (a, b), "as many upper as lower ends, lo <= hi")
    m2, mg = res.mass**2, res.mass * res.gamma_total
    ua = np.arctan((mandelstam_s(a) - m2) / mg)
    ub = np.arctan((mandelstam_s(b) - m2) / mg)
    x, w = np.polynomial.legendre.leggauss(_GL_NODES)
    u = 0.5 * (ua + ub)[:, None] + 0.5 * (ub - ua)[:, None] * x[None, :]
    s = np.maximum(m2 + mg * np.tan(u), 4.0 * M_E**2)
    rs = np.sqrt(s)
    num = res.spin_factor * 4.0 * math.pi * ALPHA * epsilon**2 * rs * res.invisible_width(rs) / mg
    weights = 0.5 * (ub - ua)[:, None] * w[None, :] * num / (2.0 * M_E) * GEV2_TO_PB
    energies = np.clip(s / (2.0 * M_E) - M_E, a[:, None], b[:, None])
    return energies, weights


def sigma_integral_pb_gev(lo: ArrayLike, hi: ArrayLike, res: Resonance, epsilon: float = 1.0) -> np.ndarray:
    """∫ σ dE over positron total energies [lo, hi] [GeV] per interval [pb·GeV]
    (:func:`sigma_quadrature`)."""
    return sigma_quadrature(lo, hi, res, epsilon)[1].sum(axis=1)
