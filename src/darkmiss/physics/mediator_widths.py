"""Widths, branching ratios and decays in flight of a mediator V of any model (:mod:`darkmiss.physics.models`).

Units: masses, widths and energies in GeV, lengths in cm. g_f = ε e Q_f (e = √(4πα)), β_f = √(1 − 4m_f²/m²).

Decays to a fermion pair f f̄ with coupling g_f (tree level, Dirac traces of the vertex Γ):

- vector    Γ = g_f² m (1 + 2m_f²/m²) β_f/(12π)   (spec Eq. 3 for g_f = εe)
- axial     Γ = g_f² m β_f³/(12π)
- scalar    Γ = g_f² m β_f³/(8π)
- pseudoscalar Γ = g_f² m β_f/(8π)
  (Liu, McKeen, Miller, PRD 95, 036010 (2017); Liu, Miller, PRD 96, 016004 (2017)).
- left-handed neutrinos, vector or axial: Γ(V → ν ν̄) = g² Q_ν² m/(24π) per flavour.
- dark matter χ (Dirac fermion, coupling g_χ = √(4πα_D) with the mediator's own vertex): the formulas
  above with g_f → g_χ; a complex scalar χ (vector mediator only): α_D m β_χ³/12 (as in
  :mod:`darkmiss.physics.widths`).
- spin 0 → γγ through the charged-lepton loops: the Higgs and CP-odd Higgs formulas of Djouadi,
  Phys. Rept. 457, 1 (2008) and Phys. Rept. 459, 1 (2008) with the Yukawa coupling 1/v → g_f/m_f:
  Γ = α² m³/(256π³) |Σ_ℓ (g_ℓ/m_ℓ) A(τ_ℓ)|², τ = m²/4m_ℓ², A_S = 2[τ + (τ − 1) f(τ)]/τ², A_P = 2 f(τ)/τ,
  f(τ) = arcsin²√τ (τ ≤ 1), −¼[ln((1 + √(1 − 1/τ))/(1 − √(1 − 1/τ))) − iπ]² (τ > 1).
  Vector and axial bosons do not decay to two photons (Landau–Yang).

Hadronic decays are not modelled: for the dark photon (as :mod:`darkmiss.physics.widths`) they matter only
above 2m_π when the invisible channel does not dominate; the B−L boson couples to quarks, so its widths are
given only below m_π⁰ (π⁰γ opens there) and larger masses raise :class:`UserInputError`.

Decays in flight (the missing-energy signature): a V that decays visibly (e⁺e⁻, μ⁺μ⁻, τ⁺τ⁻, γγ) still
leaves missing energy if it decays beyond the HCAL, a distance L from its production point. With the lab
decay length λ(E) = (p/m) cτ, the invisible fraction is f_inv = B_inv + B_vis ⟨exp(−L/λ(E))⟩, averaged
over the V energy spectrum of the production.
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from darkmiss.constants import ALPHA, HBARC_GEV_CM
from darkmiss.errors import UserInputError, require
from darkmiss.physics.models import LEPTON_MASS, Mediator, Model, get_mediator, get_model

__all__ = [
    "CHANNELS",
    "INVISIBLE_CHANNELS",
    "ModelWidths",
    "escape_probability",
    "fermion_pair_width",
    "gamma_gamma_width",
    "model_widths",
]

#: Decay channels, in record order; ``chi`` is the dark-matter pair.
CHANNELS: tuple[str, ...] = ("ee", "mumu", "tautau", "gammagamma", "nunu", "chi")
#: Channels that leave the detector unseen.
INVISIBLE_CHANNELS: tuple[str, ...] = ("nunu", "chi")
_PAIR_CHANNELS = {"ee": "e", "mumu": "mu", "tautau": "tau"}
_CHI_KINDS = ("fermion", "scalar")


def fermion_pair_width(mediator: str | Mediator, mass: float, coupling2: float, fermion_mass: float) -> float:
    """Γ(V → f f̄) [GeV] for |g_f|² = ``coupling2``, V of ``mass`` [GeV] (module docstring); 0 below 2m_f."""
    med = get_mediator(mediator)
    m = float(mass)
    r = fermion_mass**2 / m**2
    if 4.0 * r >= 1.0:
        return 0.0
    beta = math.sqrt(1.0 - 4.0 * r)
    if med.name == "vector":
        return coupling2 * m * (1.0 + 2.0 * r) * beta / (12.0 * math.pi)
    if med.name == "axial":
        return coupling2 * m * beta**3 / (12.0 * math.pi)
    if med.name == "scalar":
        return coupling2 * m * beta**3 / (8.0 * math.pi)
    return coupling2 * m * beta / (8.0 * math.pi)


def _f_loop(tau: float) -> complex:
    """The loop function f(τ) of the fermion triangle (Djouadi, Phys. Rept. 457, 1 (2008))."""
    if tau <= 1.0:
        return complex(math.asin(math.sqrt(tau)) ** 2, 0.0)
    r = math.sqrt(1.0 - 1.0 / tau)
    return -0.25 * (cmath.log((1.0 + r) / (1.0 - r)) - 1j * math.pi) ** 2


def _amplitude(mediator: Mediator, tau: float) -> complex:
    """A_S(τ) = 2[τ + (τ − 1) f(τ)]/τ² or A_P(τ) = 2 f(τ)/τ (→ 4/3 and 2 for τ → 0)."""
    if tau < 1e-4:  # series: avoid the cancellation in A_S; f = τ + τ²/3 + 8τ³/45
        return (
            complex(4.0 / 3.0 + 14.0 * tau / 45.0, 0.0)
            if mediator.name == "scalar"
            else complex(2.0 + 2.0 * tau / 3.0, 0.0)
        )
    f = _f_loop(tau)
    if mediator.name == "scalar":
        return 2.0 * (tau + (tau - 1.0) * f) / tau**2
    return 2.0 * f / tau


def gamma_gamma_width(mediator: str | Mediator, mass: float, couplings: Mapping[str, complex]) -> float:
    """Γ(V → γγ) [GeV] of a scalar or pseudoscalar through the charged-lepton loops (module docstring);
    ``couplings`` g_ℓ per lepton (e, mu, tau). 0 for vector and axial (Landau–Yang)."""
    med = get_mediator(mediator)
    if med.spin != 0:
        return 0.0
    m = float(mass)
    amp = 0j
    for lep, g in couplings.items():
        ml = LEPTON_MASS[lep]
        amp += g / ml * _amplitude(med, m * m / (4.0 * ml * ml))
    return ALPHA**2 * m**3 / (256.0 * math.pi**3) * abs(amp) ** 2


def _chi_width(mediator: Mediator, mass: float, alpha_d: float, mchi: float, kind: str) -> float:
    """Γ(V → χχ̄) [GeV]: the fermion-pair formula with g² = 4πα_D, or α_D m β³/12 for a scalar χ (vector V)."""
    if kind == "scalar":
        r = mchi**2 / mass**2
        return alpha_d / 12.0 * mass * (1.0 - 4.0 * r) ** 1.5 if 4.0 * r < 1.0 else 0.0
    return fermion_pair_width(mediator, mass, 4.0 * math.pi * alpha_d, mchi)


def escape_probability(
    ctau_cm: float, mass: float, energies: ArrayLike, length_cm: float, weights: ArrayLike | None = None
) -> float:
    """⟨exp(−L/λ(E))⟩, λ = (√(E² − m²)/m) cτ: the probability that V of ``mass`` [GeV] decays beyond
    ``length_cm``, averaged over ``energies`` [GeV] with ``weights`` (e.g. a production spectrum)."""
    e = np.atleast_1d(np.asarray(energies, dtype=float))
    w = np.ones_like(e) if weights is None else np.atleast_1d(np.asarray(weights, dtype=float))
    require(e.shape == w.shape and e.size > 0, "weights", w.shape, f"one weight per energy ({e.shape})")
    require(bool(np.all(w >= 0)) and float(w.sum()) > 0, "weights", "(values)", "non-negative, not all zero")
    require(bool(np.all(e > mass)), "energies", float(e.min()), f"> the mass {mass:g} GeV")
    require(length_cm >= 0, "length_cm", length_cm, "a distance >= 0 in cm")
    if not math.isfinite(ctau_cm):
        return 1.0
    lam = np.sqrt(e**2 - mass**2) / mass * ctau_cm
    return float(np.sum(w * np.exp(-length_cm / lam)) / np.sum(w))


@dataclass(frozen=True)
class ModelWidths:
    """Partial widths [GeV] of V for one model, mass [GeV] and ε (``partial`` per :data:`CHANNELS`)."""

    model: str
    mediator: str
    mass: float
    epsilon: float
    alpha_d: float
    mchi: float | None
    chi_kind: str
    partial: Mapping[str, float]

    @property
    def total(self) -> float:
        """Γ_tot [GeV] (hadrons not included: see the module docstring)."""
        return float(sum(self.partial.values()))

    def br(self, channel: str) -> float:
        """Branching ratio of ``channel`` (0 if every channel is closed)."""
        if channel not in CHANNELS:
            raise UserInputError("channel", channel, f"one of {', '.join(CHANNELS)}")
        tot = self.total
        return self.partial[channel] / tot if tot > 0 else 0.0

    @property
    def b_invisible(self) -> float:
        """B_inv = BR(νν̄) + BR(χχ̄)."""
        return sum(self.br(c) for c in INVISIBLE_CHANNELS)

    @property
    def b_visible(self) -> float:
        """B_vis = 1 − B_inv (0 if every channel is closed)."""
        return sum(self.br(c) for c in CHANNELS if c not in INVISIBLE_CHANNELS)

    @property
    def ctau_cm(self) -> float:
        """cτ = ħc/Γ_tot [cm] (+inf if Γ_tot = 0)."""
        tot = self.total
        return HBARC_GEV_CM / tot if tot > 0 else math.inf

    def invisible_fraction(
        self, energies: ArrayLike, length_cm: float, weights: ArrayLike | None = None
    ) -> float:
        """f_inv = B_inv + B_vis ⟨exp(−L/λ(E))⟩ over ``energies`` [GeV] (``weights``) for a decay volume
        ending ``length_cm`` after the production point. A V with every channel closed never decays: 1."""
        if self.total <= 0:
            return 1.0
        p_out = escape_probability(self.ctau_cm, self.mass, energies, length_cm, weights)
        return self.b_invisible + self.b_visible * p_out

    def as_record(self) -> dict[str, Any]:
        """Flat record: the inputs, Γ per channel, Γ_tot, BR per channel, B_inv and cτ [cm]."""
        rec: dict[str, Any] = {
            "mass": self.mass,
            "model": self.model,
            "mediator": self.mediator,
            "epsilon": self.epsilon,
            "alpha_d": self.alpha_d,
            "mchi": self.mchi,
            "kind": self.chi_kind,
        }
        rec.update({f"gamma_{c}": self.partial[c] for c in CHANNELS})
        rec["gamma_total"] = self.total
        rec.update({f"br_{c}": self.br(c) for c in CHANNELS})
        rec["br_invisible"] = self.b_invisible
        rec["ctau_cm"] = self.ctau_cm
        return rec


def model_widths(
    model: str | Model | None,
    mass: float,
    epsilon: float,
    *,
    mediator: str | Mediator = "vector",
    alpha_d: float = 0.0,
    mchi: float | None = None,
    chi_kind: str = "fermion",
) -> ModelWidths:
    """All partial widths [GeV] of V (``model`` for ``mediator``, :func:`darkmiss.physics.models.get_model`)
    of ``mass`` [GeV] at coupling ε (g = εe); a dark-matter channel when ``mchi`` [GeV] is given, with α_D."""
    mod = get_model(model, mediator)
    med = mod.mediator
    m = float(mass)
    require(math.isfinite(m) and m > 0, "mass", mass, "a finite mass > 0 (GeV)")
    mod.check_mass(m)
    require(math.isfinite(epsilon) and epsilon >= 0, "epsilon", epsilon, "a finite number >= 0")
    require(math.isfinite(alpha_d) and alpha_d >= 0, "alpha_d", alpha_d, "a finite number >= 0")
    if chi_kind not in _CHI_KINDS:
        raise UserInputError("kind", chi_kind, "one of fermion, scalar")
    if chi_kind == "scalar" and med.name != "vector":
        raise UserInputError("kind", chi_kind, "fermion for a spin-0 or axial mediator")
    g2 = 4.0 * math.pi * ALPHA * float(epsilon) ** 2
    couplings = {lep: mod.lepton_coupling(lep, m) * math.sqrt(g2) for lep in ("e", "mu", "tau")}
    partial = {c: 0.0 for c in CHANNELS}
    for ch, lep in _PAIR_CHANNELS.items():
        partial[ch] = fermion_pair_width(med, m, abs(couplings[lep]) ** 2, LEPTON_MASS[lep])
    partial["gammagamma"] = gamma_gamma_width(med, m, couplings)
    if med.spin == 1:
        q2nu = sum(mod.charge(f) ** 2 for f in ("nu_e", "nu_mu", "nu_tau"))
        partial["nunu"] = g2 * q2nu * m / (24.0 * math.pi)
    if mchi is not None:
        require(math.isfinite(mchi) and mchi >= 0, "mchi", mchi, "a mass >= 0 (GeV)")
        partial["chi"] = _chi_width(med, m, float(alpha_d), float(mchi), chi_kind)
    return ModelWidths(
        model=mod.name,
        mediator=med.name,
        mass=m,
        epsilon=float(epsilon),
        alpha_d=float(alpha_d),
        mchi=None if mchi is None else float(mchi),
        chi_kind=chi_kind,
        partial=MappingProxyType(partial),
    )
