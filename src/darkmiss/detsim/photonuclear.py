"""Photonuclear and electronuclear production in the ECAL (spec Sec. VIII "leading hadron
electroproduction"): the γp and γA cross-sections, the real and virtual photon track lengths of
an EM shower, and the resulting interaction probability per beam electron.

Units: GeV, cm, pb (cross-sections), mb where a name says ``_mb``; track lengths in X0.
References (also in docs/backgrounds.md):

* σ_γp: Donnachie–Landshoff Regge fit, PLB 296 (1992) 227 (PDG cross-section plots).
* Shadowing σ_γA = A^0.91 σ_γN: Caldwell et al., PRL 42 (1979) 553; Bauer et al., RMP 50 (1978) 261.
* Equivalent photons: Budnev et al., Phys. Rep. 15 (1975) 181 (Weizsäcker–Williams flux).
* Shower track lengths: Rossi, *High-Energy Particles* (1952), approximation B.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from darkmiss.config.schema import SetupGeometry
from darkmiss.constants import ALPHA, M_E, M_P, PB_TO_CM2
from darkmiss.detsim.background_config import PhotonuclearConfig
from darkmiss.errors import UserInputError
from darkmiss.physics.materials import SamplingStructure, get_element, get_material

MB_TO_PB = 1.0e9


def sigma_gamma_p_mb(e_gamma: np.ndarray | float, cfg: PhotonuclearConfig) -> np.ndarray:
    """Total γp cross-section [mb] at photon energy ``e_gamma`` [GeV] (lab, proton at rest).

    Donnachie–Landshoff: σ = X s^ε + Y s^−η with s = m_p² + 2 m_p E_γ [GeV²] (PLB 296 (1992) 227).
    Valid above the resonance region (E_γ ≳ 1 GeV); below ``e_min_valid`` it is held constant.
    """
    e = np.maximum(np.asarray(e_gamma, dtype=float), cfg.e_min_valid)
    s = M_P**2 + 2.0 * M_P * e
    return np.asarray(cfg.dl_x_mb * s**cfg.dl_eps + cfg.dl_y_mb * s ** (-cfg.dl_eta))


def shadowing_a_eff(a: float, cfg: PhotonuclearConfig) -> float:
    """Effective nucleon number A_eff = A^(1−δ) of σ_γA = A_eff σ_γN (Caldwell et al. 1979)."""
    return float(a ** (1.0 - cfg.shadow_exponent))


def sigma_gamma_a_pb(symbol: str, e_gamma: np.ndarray | float, cfg: PhotonuclearConfig) -> np.ndarray:
    """Photonuclear cross-section σ_γA [pb] of element ``symbol`` at E_γ [GeV] (σ_γN ≈ σ_γp)."""
    el = get_element(symbol)
    return shadowing_a_eff(el.A, cfg) * sigma_gamma_p_mb(e_gamma, cfg) * MB_TO_PB


def photonuclear_per_x0(
    structure: SamplingStructure, e_gamma: np.ndarray | float, cfg: PhotonuclearConfig
) -> np.ndarray:
    """Photonuclear interactions per radiation length of ``structure`` (dimensionless), Σ nσ·X0_eff.

    Sums n_i σ_γA,i over the elements of absorber and active plates, weighted by plate thickness.
    """
    tot = np.zeros_like(np.asarray(e_gamma, dtype=float))
    for mat_name, thick in (
        (structure.absorber, structure.absorber_cm),
        (structure.active, structure.active_cm),
    ):
        mat = get_material(mat_name)
        for el, w in mat.elements:
            n = mat.density * w * el.atoms_per_cm3 / el.density  # atoms of el per cm³ in the mixture
            tot = tot + thick * n * sigma_gamma_a_pb(el.symbol, e_gamma, cfg) * PB_TO_CM2
    return tot / structure.period_cm * structure.effective_x0_cm


def ww_photon_flux(y: np.ndarray, energy: float | np.ndarray, cfg: PhotonuclearConfig) -> np.ndarray:
    """Equivalent (virtual) photon number dN/dy per electron, y = k/E (Budnev et al. 1975, Eq. 6.17).

    dN/dy = α/(π y) [(1 − y + y²/2) ln(Q²_max/Q²_min) − (1 − y)], Q²_min = m_e² y²/(1 − y).
    """
    y = np.clip(np.asarray(y, dtype=float), 1e-12, 1 - 1e-12)
    q2min = M_E**2 * y**2 / (1.0 - y)
    lg = np.log(np.maximum(cfg.q2_max_gev2 / q2min, 1.0))
    val = ALPHA / (math.pi * y) * ((1 - y + 0.5 * y**2) * lg - (1 - y))
    return np.maximum(val, 0.0)


def photon_track_density(e0: float, k: np.ndarray, cfg: PhotonuclearConfig) -> np.ndarray:
    """Differential photon track length dT/dk [X0/GeV] in a shower of energy ``e0`` (Rossi approx. B)."""
    k = np.asarray(k, dtype=float)
    return np.where(k < e0, cfg.track_gamma * e0 / k**2, 0.0)


def effective_photon_density(e0: float, k: np.ndarray, cfg: PhotonuclearConfig, n_e: int = 200) -> np.ndarray:
    """Real + virtual photon track density [X0/GeV] at energy k in a shower of ``e0`` [GeV].

    Real: Rossi approx. B. Virtual: electron track density t_e(E) = 0.437 X0 e0/E² (approx. B) plus
    the primary (1 X0 per radiation length near e0, included in t_e) folded with the WW flux:
    ∫ dE t_e(E) dN/dy(k/E)/E (per X0 of electron path, the virtual flux is per unit length, so
    it is multiplied by 1 X0: the result is in the same units as the real-photon density).
    """
    k = np.atleast_1d(np.asarray(k, dtype=float))
    real = photon_track_density(e0, k, cfg)
    virt = np.zeros_like(k)
    for i, kk in enumerate(k):
        if kk >= e0:
            continue
        ee = np.geomspace(kk * (1 + 1e-6), e0, n_e)
        te = cfg.track_electron * e0 / ee**2
        integrand = te * ww_photon_flux(kk / ee, ee, cfg) / ee
        virt[i] = np.trapezoid(integrand, ee)
    return real + virt


@dataclass(frozen=True)
class ElectronuclearRate:
    """Probability per EOT of a photo/electronuclear interaction in the ECAL with k ∈ [k1, k2] [GeV]."""

    probability: float
    real_fraction: float  # share of real (bremsstrahlung) photons; the rest is electroproduction
    k1: float
    k2: float


def electronuclear_probability(
    setup: SetupGeometry, cfg: PhotonuclearConfig, k1: float, k2: float, e0: float = 100.0, n_k: int = 120
) -> ElectronuclearRate:
    """P(γ*A interaction with k ∈ [k1, k2] in the ECAL) per incident e⁻ of ``e0`` [GeV].

    P = ∫ dk [t_γ(k) + t_γ*(k)] · Σ n σ_γA(k) · X0 (spec Sec. VIII "leading hadron
    electroproduction"; Rossi approx. B track lengths, WW flux, σ_γA as above).  A zero
    probability has ``real_fraction`` 1 (no virtual-photon share to quote).
    """
    if not 0 < k1 < k2 <= e0:
        raise UserInputError("photon energy range", (k1, k2), f"0 < k1 < k2 <= {e0}")
    k = np.geomspace(k1, k2, n_k)
    per_x0 = photonuclear_per_x0(setup.ecal, k, cfg)
    tot = effective_photon_density(e0, k, cfg) * per_x0
    real = photon_track_density(e0, k, cfg) * per_x0
    p = float(np.trapezoid(tot, k))
    return ElectronuclearRate(p, float(np.trapezoid(real, k)) / p if p > 0 else 1.0, k1, k2)


def sample_photon_energy(n: int, rng: np.random.Generator, k1: float, k2: float) -> np.ndarray:
    """Photon energies [GeV] from the ∝ 1/k² track-length spectrum on [k1, k2] (inverse CDF of
    Rossi approx. B, dT/dk ∝ 1/k²)."""
    u = rng.random(n)
    return np.asarray(1.0 / (1.0 / k1 - u * (1.0 / k1 - 1.0 / k2)))
