"""Synchrotron radiation of beam particles in the NA64 magnets and the SRD response (spec Sec. III).

Classical synchrotron radiation (Jackson, *Classical Electrodynamics*, 3rd ed., Sec. 14.6;
PDG "Accelerator physics of colliders" / Sands, SLAC-121):

* bending radius ρ [m] = p [GeV] / (0.2998 B [T]);
* energy radiated over a path L: ΔE = (2/3) r_e m c² γ⁴ L / ρ², i.e. ∝ E² B² L / m⁴ for E ≫ m
  (the spec's E³/m⁴ is per revolution, Sec. III);
* critical energy E_c = (3/2) ħc γ³ / ρ ∝ E² B;
* power spectrum dP/dx ∝ x ∫_x^∞ K_{5/3}(t) dt, so the photon number spectrum is
  dN/dx ∝ ∫_x^∞ K_{5/3}(t) dt with x = E_γ / E_c; mean photon
  energy ⟨E_γ⟩ = 8 E_c / (15√3), so ⟨N⟩ = ΔE / ⟨E_γ⟩.

Photons are emitted tangentially to the bent trajectory; the three SRD counters sit beside the
deflected beam at the end of the vacuum vessel and see the part of the fan they cover.  The
Pb/Sc counters measure the photon energy with a sampling resolution a/√E.
Units: GeV, cm, ns.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
from scipy.integrate import cumulative_trapezoid
from scipy.special import kv

from darkmiss.config.load import Preset
from darkmiss.constants import HBARC_GEV_CM, M_E, R_E_CM
from darkmiss.errors import UserInputError

#: Magnetic rigidity constant: p [GeV] = 0.2998 B [T] ρ [m] (PDG).
RIGIDITY_GEV_PER_TM = 0.299792458


@dataclass(frozen=True)
class SRDConfig:
    """Magnet and SRD geometry and response (``[detector.srd]``)."""

    magnet_field_t: float
    magnet_length_cm: float
    drift_to_srd_cm: float
    counter_width_cm: float
    counter_height_cm: float
    first_counter_offset_cm: float
    sampling_resolution: float
    efficiency: float
    efficiency_loss_per_mhz: float
    time_resolution_ns: float

    @classmethod
    def from_preset(cls, preset: Preset) -> SRDConfig:
        t = preset.section("detector").get("srd")
        if not isinstance(t, dict):
            raise UserInputError("preset", preset.name, "a [detector.srd] table")
        try:
            return cls(**{k: float(t[k]) for k in cls.__dataclass_fields__})
        except KeyError as exc:
            raise UserInputError("preset [detector.srd]", "(missing)", f"a value for {exc}") from None


def bending_radius_cm(momentum: np.ndarray | float, field_t: float) -> np.ndarray:
    """ρ [cm] = 100 p / (0.2998 B) for p in GeV and B in T (PDG)."""
    return 100.0 * np.asarray(momentum, dtype=float) / (RIGIDITY_GEV_PER_TM * field_t)


def sr_energy_loss(
    energy: np.ndarray | float, mass: np.ndarray | float, field_t: float, length_cm: float
) -> np.ndarray:
    """Mean energy radiated in the field [GeV]: ΔE = (2/3) r_e m_e (m_e/m)² γ⁴ L / ρ² (Jackson Eq. 14.31).

    For a particle of mass m the classical radius scales as r_e m_e/m and the power as
    (m_e/m)² γ⁴, so ΔE ∝ E² B² L / m⁴ (spec Sec. III).
    """
    e = np.asarray(energy, dtype=float)
    gamma = e / mass
    rho = bending_radius_cm(np.sqrt(np.maximum(e * e - mass * mass, 0.0)), field_t)
    r_cl = R_E_CM * M_E / mass
    return (2.0 / 3.0) * r_cl * mass * gamma**4 * length_cm / rho**2


def critical_energy(energy: np.ndarray | float, mass: np.ndarray | float, field_t: float) -> np.ndarray:
    """Critical photon energy E_c = (3/2) ħc γ³ / ρ [GeV] (Jackson Eq. 14.85), ∝ E² B."""
    e = np.asarray(energy, dtype=float)
    rho = bending_radius_cm(np.sqrt(np.maximum(e * e - mass * mass, 0.0)), field_t)
    return 1.5 * HBARC_GEV_CM * (e / mass) ** 3 / rho


#: Photons below X_MIN · E_c (116 keV at 100 GeV) are not generated: they carry ~0.5% of the energy.
X_MIN = 1e-2
#: ⟨E_γ⟩ / E_c of the synchrotron spectrum: 8 / (15 √3).
MEAN_X = 8.0 / (15.0 * np.sqrt(3.0))


@functools.lru_cache(maxsize=1)
def _spectrum_table() -> tuple[np.ndarray, np.ndarray]:
    """Inverse-CDF table of the photon-number spectrum dN/dx = F(x), F(x) = ∫_x^∞ K_{5/3}."""
    t = np.logspace(np.log10(X_MIN), np.log10(40.0), 4000)
    k53 = kv(5.0 / 3.0, t)
    # F(x) = ∫_x^∞ K_{5/3}: cumulative from the top
    tail = np.concatenate([[0.0], cumulative_trapezoid(k53[::-1], -t[::-1])])[::-1]
    dn = tail  # photon number spectrum dN/dx ∝ F(x) (power dP/dx ∝ x F(x), Jackson Eq. 14.91)
    # integrate in log x: dN = dn * x dlnx
    cdf = np.concatenate([[0.0], cumulative_trapezoid(dn * t, np.log(t))])
    # photons below X_MIN (a fraction ~ X_MIN^{4/3} of the energy) are not generated.
    cdf /= cdf[-1]
    return cdf, t


def photons_per_particle(
    energy: np.ndarray | float, mass: np.ndarray | float, field_t: float, length_cm: float
) -> np.ndarray:
    """Mean number of photons above X_MIN · E_c: ⟨N⟩ = ΔE / ⟨E_γ⟩ of the truncated spectrum."""
    cdf, t = _spectrum_table()
    # mean x of the tabulated (truncated) spectrum
    pdf_w = np.diff(cdf)
    xm = float(np.sum(pdf_w * 0.5 * (t[1:] + t[:-1])))
    return sr_energy_loss(energy, mass, field_t, length_cm) / (xm * critical_energy(energy, mass, field_t))


def sample_photon_x(n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` photon energies in units of E_c from the synchrotron spectrum (inverse CDF)."""
    cdf, t = _spectrum_table()
    return np.interp(rng.random(n), cdf, t)


def sr_counter_energies(
    energy: np.ndarray, mass: np.ndarray | float, rng: np.random.Generator, cfg: SRDConfig
) -> np.ndarray:
    """True SR energy reaching the three SRD counters [GeV], shape (n, 3).

    Each particle emits N ~ Poisson(⟨N⟩) photons with x from the synchrotron spectrum, uniformly
    along the bending path (uniform field).  A photon emitted after a path s leaves at the angle
    s/ρ and reaches the SRD plane at the distance from the deflected particle
    d = (L − s)²/(2ρ) + (L − s)(D/ρ)… computed exactly in the small-angle approximation below;
    counter i covers d ∈ [off + i w, off + (i+1) w] (bending plane) and ±h/2 vertically (all photons).
    """
    energy = np.asarray(energy, dtype=float)
    n = energy.shape[0]
    out = np.zeros((n, 3))
    if n == 0:
        return out
    m = np.broadcast_to(np.asarray(mass, dtype=float), (n,))
    lam = np.zeros(n)
    ok = energy > m * 1.0001
    lam[ok] = photons_per_particle(energy[ok], m[ok], cfg.magnet_field_t, cfg.magnet_length_cm)
    counts = rng.poisson(lam)
    tot = int(counts.sum())
    if tot == 0:
        return out
    ev = np.repeat(np.arange(n), counts)
    ec = critical_energy(energy[ev], m[ev], cfg.magnet_field_t)
    eg = sample_photon_x(tot, rng) * ec
    rho = bending_radius_cm(energy[ev], cfg.magnet_field_t)
    length = cfg.magnet_length_cm
    s = rng.random(tot) * length
    # particle trajectory x(s) = s^2/(2 rho) (towards the bending side); photon from s goes straight
    # with slope s/rho; at z = L + D: x_gamma = s^2/(2rho) + (s/rho)(L + D - s);
    # particle: x_e = L^2/(2rho) + (L/rho) D.  Distance on the outer side of the bend:
    z_end = length + cfg.drift_to_srd_cm
    x_g = s**2 / (2 * rho) + (s / rho) * (z_end - s)
    x_e = length**2 / (2 * rho) + (length / rho) * cfg.drift_to_srd_cm
    d = x_e - x_g  # > 0: photons stay on the side the particle bent away from
    idx = np.floor((d - cfg.first_counter_offset_cm) / cfg.counter_width_cm).astype(np.int64)
    hit = (idx >= 0) & (idx < 3)
    np.add.at(out, (ev[hit], idx[hit]), eg[hit])
    return out


def electron_sr(beam_energy: np.ndarray, rng: np.random.Generator, preset: Preset) -> np.ndarray:
    """True SR energy [GeV] (n, 3) in the SRD counters of beam electrons of ``beam_energy`` [GeV]
    (:func:`sr_counter_energies` with the ``[detector.srd]`` configuration of ``preset``)."""
    e = np.asarray(beam_energy, dtype=float)
    return np.asarray(sr_counter_energies(e, M_E, rng, SRDConfig.from_preset(preset)))


def srd_response(
    sr_energy: np.ndarray, rng: np.random.Generator, cfg: SRDConfig, efficiency: float | np.ndarray = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Measured SRD energies [GeV] and times [ns] (n, 3) from the true energies (n, 3).

    Pb/Sc sampling: σ/E = a/√E (Gaussian, clipped at 0); a counter is inefficient with
    probability 1 − ``efficiency`` (reads 0).  Times: N(0, σ_t) where a signal is present.
    """
    e = np.asarray(sr_energy, dtype=float)
    sig = cfg.sampling_resolution * np.sqrt(np.maximum(e, 0.0))
    meas = np.maximum(e + sig * rng.standard_normal(e.shape), 0.0)
    eff = np.broadcast_to(
        np.asarray(efficiency, dtype=float).reshape(-1, 1) if np.ndim(efficiency) else efficiency, e.shape
    )
    meas = np.where(rng.random(e.shape) < eff, meas, 0.0)
    times = np.where(meas > 0, cfg.time_resolution_ns * rng.standard_normal(e.shape), 0.0)
    return meas, times
