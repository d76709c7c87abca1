"""Hadronic physics of the NA64 setup (spec Sec. III, IV, VIII): photo/electronuclear production in
the ECAL, leading hadrons, a parametrised hadronic shower in ECAL+HCAL, punch-through, and the
beam/knock-on ingredients shared by the background processes.

Units: GeV, cm, pb (cross-sections), mb where a name says ``_mb``; depths in X0 or λ_int where
named. References (also in docs/backgrounds.md):

* σ_γp: Donnachie–Landshoff Regge fit, PLB 296 (1992) 227 (PDG cross-section plots).
* Shadowing σ_γA = A^0.91 σ_γN: Caldwell et al., PRL 42 (1979) 553; Bauer et al., RMP 50 (1978) 261.
* Equivalent photons: Budnev et al., Phys. Rep. 15 (1975) 181 (Weizsäcker–Williams flux).
* Shower track lengths: Rossi, *High-Energy Particles* (1952), approximation B.
* Longitudinal hadron profile: Bock et al., NIM 186 (1981) 533; f_em: Groom, NIM A 572 (2007) 633.
* Punch-through of a neutral hadron: exp(−L/λ_int) (spec Sec. VIII).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import gammainc, gammaincc

from darkmiss.config.load import Preset, required
from darkmiss.config.schema import SetupGeometry
from darkmiss.constants import ALPHA, M_E, M_P, PB_TO_CM2
from darkmiss.detsim import srd
from darkmiss.errors import UserInputError
from darkmiss.physics.materials import SamplingStructure, get_element, get_material
from darkmiss.shower.api import CaloResponse
from darkmiss.shower.response import em_response as _em

MB_TO_PB = 1.0e9


def _table(preset: Preset, name: str) -> dict[str, Any]:
    bg = preset.section("backgrounds")
    t = bg.get(name)
    if not isinstance(t, dict):
        raise UserInputError("preset", preset.name, f"a [backgrounds.{name}] table")
    return t


def _num(t: dict[str, Any], key: str, where: str) -> float:
    v = float(required(t, key, f"[backgrounds.{where}]"))
    if not math.isfinite(v):
        raise UserInputError(f"preset [backgrounds.{where}] {key}", v, "a finite number")
    return v


def _fill(cls: Any, t: dict[str, Any], where: str, **extra: Any) -> Any:
    names = [f for f in cls.__dataclass_fields__ if f not in extra]
    return cls(**{k: _num(t, k, where) for k in names}, **extra)


# --------------------------------------------------------------------------------------------
# Configuration
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PhotonuclearConfig:
    """γA cross-section and shower-photon parameters (``[backgrounds.photonuclear]``)."""

    dl_x_mb: float
    dl_y_mb: float
    dl_eps: float
    dl_eta: float
    shadow_exponent: float
    e_min_valid: float
    q2_max_gev2: float
    track_gamma: float
    track_electron: float

    @classmethod
    def from_preset(cls, preset: Preset) -> PhotonuclearConfig:
        return _fill(cls, _table(preset, "photonuclear"), "photonuclear")  # type: ignore[no-any-return]


@dataclass(frozen=True)
class HadronicConfig:
    """Hadronic-shower and leading-hadron parameters (``[backgrounds.hadronic]``)."""

    k_min: float
    fem_e0: float
    fem_m: float
    fem_rms: float
    e_over_h_ecal: float
    e_over_h_hcal: float
    sampling_hcal: float
    sampling_ecal: float
    bock_a0: float
    bock_a1: float
    bock_b: float
    bock_d0: float
    bock_d1: float
    bock_w: float
    lateral_lambda_fraction: float
    leading_power: float
    leading_neutral_fraction: float
    mean_pt: float
    punch_e_min: float
    dedx_mip_pb: float
    dedx_mip_fe: float
    dedx_mip_sc: float
    e_over_mip_ecal: float
    e_over_mip_hcal: float
    conversion_x0: float
    prefilter_ecal_max: float
    prefilter_ps_min: float
    v2_charged_per_gev: float

    @classmethod
    def from_preset(cls, preset: Preset) -> HadronicConfig:
        cfg: HadronicConfig = _fill(cls, _table(preset, "hadronic"), "hadronic")
        if not 0 <= cfg.leading_neutral_fraction <= 1:
            raise UserInputError(
                "[backgrounds.hadronic] leading_neutral_fraction", cfg.leading_neutral_fraction, "0..1"
            )
        if cfg.e_over_h_ecal <= 0 or cfg.e_over_h_hcal <= 0:
            raise UserInputError("[backgrounds.hadronic] e_over_h", cfg.e_over_h_hcal, "positive values")
        return cfg


@dataclass(frozen=True)
class BeamFractions:
    """Beam composition per beam e⁻ and core-beam phase space (``[backgrounds.beam]``)."""

    pion_fraction: float
    kaon_fraction: float
    muon_fraction: float
    angle_sigma_mrad: float
    spot_sigma_cm: float

    @classmethod
    def from_preset(cls, preset: Preset) -> BeamFractions:
        cfg: BeamFractions = _fill(cls, _table(preset, "beam"), "beam")
        if min(cfg.pion_fraction, cfg.kaon_fraction, cfg.muon_fraction) < 0:
            raise UserInputError("[backgrounds.beam] fractions", cfg, "non-negative fractions")
        return cfg

    def fraction(self, pdg: int) -> float:
        """Fraction per beam e⁻ of species ``pdg`` (|pdg| 211, 321, 13)."""
        return {211: self.pion_fraction, 321: self.kaon_fraction, 13: self.muon_fraction}[abs(pdg)]


@dataclass(frozen=True)
class KnockOnConfig:
    """Fake SRD tag by a knock-on electron from the vessel window (``[backgrounds.knockon]``)."""

    window_thickness_cm: float
    k_bethe_mev_cm2_g: float
    t_min: float
    three_counter_probability: float
    window_material: str

    @classmethod
    def from_preset(cls, preset: Preset) -> KnockOnConfig:
        t = _table(preset, "knockon")
        mat = str(t.get("window_material", "Al"))
        get_material(mat)
        return _fill(cls, t, "knockon", window_material=mat)  # type: ignore[no-any-return]


# --------------------------------------------------------------------------------------------
# Photonuclear cross-section and electronuclear production
# --------------------------------------------------------------------------------------------


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
    electroproduction"; Rossi approx. B track lengths, WW flux, σ_γA as above).
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
    """Photon energies [GeV] from the ∝ 1/k² track-length spectrum on [k1, k2] (inverse CDF)."""
    u = rng.random(n)
    return np.asarray(1.0 / (1.0 / k1 - u * (1.0 / k1 - 1.0 / k2)))


# --------------------------------------------------------------------------------------------
# Parametrised hadronic shower
# --------------------------------------------------------------------------------------------


def em_fraction(energy: np.ndarray | float, cfg: HadronicConfig) -> np.ndarray:
    """Mean electromagnetic fraction f_em = 1 − (E/E0)^(m−1) of a hadronic shower (Groom 2007)."""
    e = np.maximum(np.asarray(energy, dtype=float), cfg.fem_e0)
    return np.asarray(1.0 - (e / cfg.fem_e0) ** (cfg.fem_m - 1.0))


@dataclass(frozen=True)
class Segment:
    """A longitudinal slab of the setup: start/end in cumulative X0 and λ_int, and its kind."""

    name: str  # "ecal", "gap", "hcal0".."hcal3"
    x0_start: float
    x0_end: float
    lam_start: float
    lam_end: float


def setup_segments(setup: SetupGeometry) -> list[Segment]:
    """The ECAL, the air gap (V2 neglected) and the HCAL modules in cumulative X0 and λ_int."""
    air = get_material("air")
    segs: list[Segment] = []
    x0 = lam = 0.0

    def add(name: str, dx0: float, dlam: float) -> None:
        nonlocal x0, lam
        segs.append(Segment(name, x0, x0 + dx0, lam, lam + dlam))
        x0 += dx0
        lam += dlam

    add("ecal", setup.ecal.total_x0, setup.ecal.total_lambda)
    add("gap", setup.ecal_hcal_gap_cm / air.x0_cm, setup.ecal_hcal_gap_cm / air.lambda_int_cm)
    for i in range(setup.n_hcal_modules):
        add(f"hcal{i}", setup.hcal.total_x0, setup.hcal.total_lambda)
        if i < setup.n_hcal_modules - 1:
            add(
                f"hgap{i}", setup.hcal_module_gap_cm / air.x0_cm, setup.hcal_module_gap_cm / air.lambda_int_cm
            )
    return segs


def total_lambda(setup: SetupGeometry) -> float:
    """Total depth of ECAL + HCAL in nuclear interaction lengths (spec Sec. VIII: ≈ 30 λ_int)."""
    return setup.ecal.total_lambda + setup.n_hcal_modules * setup.hcal.total_lambda


def punchthrough_probability(lengths_lambda: np.ndarray | float) -> np.ndarray:
    """Probability that a neutral hadron crosses ``L`` interaction lengths: exp(−L/λ) (spec Sec. VIII)."""
    return np.exp(-np.maximum(np.asarray(lengths_lambda, dtype=float), 0.0))


def _lambda_profile_cm(setup: SetupGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative depth along the axis: z [cm] from the ECAL face and λ_int at the segment edges."""
    air = get_material("air")
    z = [0.0, setup.ecal.length_cm]
    lam = [0.0, setup.ecal.total_lambda]
    for i in range(setup.n_hcal_modules):
        gap = setup.ecal_hcal_gap_cm if i == 0 else setup.hcal_module_gap_cm
        z += [z[-1] + gap, z[-1] + gap + setup.hcal.length_cm]
        lam += [
            lam[-1] + gap / air.lambda_int_cm,
            lam[-1] + gap / air.lambda_int_cm + setup.hcal.total_lambda,
        ]
    return np.asarray(z), np.asarray(lam)


def escape_probability_with_angle(
    setup: SetupGeometry, cfg: HadronicConfig, energy: np.ndarray, start_lambda: np.ndarray, n_pt: int = 400
) -> np.ndarray:
    """Probability that a neutral hadron of ``energy`` [GeV] starting at ``start_lambda`` leaves the setup
    without interacting, through the back or the lateral surface (spec Sec. VIII "large transverse
    fluctuations").

    p_T density p_T e^(−b p_T), b = 2/⟨p_T⟩; θ = p_T/E; the hadron leaves the HCAL laterally at
    z = half-width/θ, having crossed Λ(z) λ_int; P = ∫ dp_T f(p_T) exp(−(Λ(min(z, L)) − t_start)).
    """
    e = np.atleast_1d(np.asarray(energy, dtype=float))
    t0 = np.broadcast_to(np.asarray(start_lambda, dtype=float), e.shape)
    zs, lams = _lambda_profile_cm(setup)
    half = 0.5 * setup.hcal.width_x_cm
    b = 2.0 / cfg.mean_pt
    pt = np.linspace(0.0, 30.0 / b, n_pt)[1:]
    w = b * b * pt * np.exp(-b * pt)
    w = w / np.trapezoid(w, pt)
    theta = pt[None, :] / np.maximum(e[:, None], 1e-6)
    z_exit = np.minimum(half / np.maximum(theta, 1e-12), zs[-1])
    lam = np.interp(z_exit, zs, lams)
    p = np.exp(-np.maximum(lam - t0[:, None], 0.0))
    return np.asarray(np.trapezoid(w[None, :] * p, pt, axis=1))


def bock_cdf_beyond(energy: np.ndarray, dx0: np.ndarray, dlam: np.ndarray, cfg: HadronicConfig) -> np.ndarray:
    """Fraction of a hadronic shower's energy deposited beyond a depth (dx0 X0, dlam λ) from its start.

    Bock et al. (1981): dE/dx ∝ w (x/X0)^(a−1) e^(−b x/X0) + (1−w) (x/λ)^(a−1) e^(−d x/λ); each
    term is a Γ density, so the tail is the regularised upper incomplete Γ function, with the
    terms weighted by their integrals w Γ(a)/b^a and (1−w) Γ(a)/d^a (X0 = λ = 1 units of each).
    """
    e = np.maximum(np.asarray(energy, dtype=float), 1.0)
    a = cfg.bock_a0 + cfg.bock_a1 * np.log(e)
    d = cfg.bock_d0 + cfg.bock_d1 * np.log(e)
    b = cfg.bock_b
    w1 = cfg.bock_w / b**a
    w2 = (1.0 - cfg.bock_w) / d**a
    t1 = gammaincc(a, b * np.maximum(dx0, 0.0))
    t2 = gammaincc(a, d * np.maximum(dlam, 0.0))
    return np.asarray((w1 * t1 + w2 * t2) / (w1 + w2))


def _laplace_cdf(x: np.ndarray, b: float | np.ndarray) -> np.ndarray:
    return np.where(x < 0, 0.5 * np.exp(x / b), 1.0 - 0.5 * np.exp(-x / b))


def cell_fractions(
    x_cm: np.ndarray, y_cm: np.ndarray, structure: SamplingStructure, scale_cm: float
) -> np.ndarray:
    """Fractions (n, nx, ny) of a factorised Laplace lateral profile centred at (x, y) in each cell."""
    nx, ny, c = structure.n_cells_x, structure.n_cells_y, structure.cell_size_cm
    ex = (np.arange(nx + 1) - nx / 2) * c
    ey = (np.arange(ny + 1) - ny / 2) * c
    fx = np.diff(_laplace_cdf(ex[None, :] - np.asarray(x_cm)[:, None], scale_cm), axis=1)
    fy = np.diff(_laplace_cdf(ey[None, :] - np.asarray(y_cm)[:, None], scale_cm), axis=1)
    return fx[:, :, None] * fy[:, None, :]


def mip_calibrated_gev(structure: SamplingStructure, cfg: HadronicConfig, e_over_mip: float) -> float:
    """Calibrated (electron-scale) energy a MIP leaves crossing ``structure`` [GeV].

    Visible MIP energy n_layers·t_Sc·ρ·dE/dx divided by the electron sampling fraction
    f_e = (e/mip)·f_mip (Wigmans 2017, Sec. 3.2).
    """
    dedx = {"Pb": cfg.dedx_mip_pb, "Fe": cfg.dedx_mip_fe}[structure.absorber]
    act = structure.active_cm * structure.active_material.density * cfg.dedx_mip_sc
    absb = structure.absorber_cm * structure.absorber_material.density * dedx
    f_mip = act / (act + absb)
    return float(structure.n_layers * act / (e_over_mip * f_mip))


@dataclass
class HadronDeposit:
    """Calibrated deposits of hadronic showers: ecal/ps (n,6,6), hcal (n,4,3,3) [GeV], escaped [GeV], v2 [MIP]."""

    ecal: np.ndarray
    ps: np.ndarray
    hcal: np.ndarray
    escaped: np.ndarray
    v2: np.ndarray


def hadron_shower(
    energy: np.ndarray,
    start_lambda: np.ndarray,
    x_cm: np.ndarray,
    y_cm: np.ndarray,
    setup: SetupGeometry,
    cfg: HadronicConfig,
    rng: np.random.Generator,
) -> HadronDeposit:
    """Parametrised hadronic showers of ``energy`` [GeV] starting at depth ``start_lambda`` [λ_int from the ECAL face].

    Longitudinal: Bock profile integrated over the ECAL (PS = first ``ps_layers``), the gap and the
    HCAL modules; the energy beyond the last module escapes. Response: each segment's energy is
    converted to the electron scale with f_em + (1 − f_em)·h/e (f_em ~ Groom mean ± ``fem_rms``,
    shared by the event) and smeared with the sampling term a/√E. Lateral: factorised Laplace
    profile with scale ``lateral_lambda_fraction``·λ_int of each calorimeter.
    """
    energy = np.asarray(energy, dtype=float)
    n = energy.shape[0]
    ecal = np.zeros((n, setup.ecal.n_cells_x, setup.ecal.n_cells_y))
    ps = np.zeros_like(ecal)
    hcal = np.zeros((n, setup.n_hcal_modules, setup.hcal.n_cells_x, setup.hcal.n_cells_y))
    if n == 0:
        return HadronDeposit(ecal, ps, hcal, np.zeros(0), np.zeros(0))
    segs = setup_segments(setup)
    start = np.asarray(start_lambda, dtype=float)
    # convert the start depth (λ) into X0 depth by locating it within the segments
    start_x0 = np.zeros(n)
    for s in segs:
        inside = (start >= s.lam_start) & (start < s.lam_end)
        frac = (start[inside] - s.lam_start) / (s.lam_end - s.lam_start)
        start_x0[inside] = s.x0_start + frac * (s.x0_end - s.x0_start)
    beyond = start >= segs[-1].lam_end
    start_x0[beyond] = segs[-1].x0_end
    fem = np.clip(em_fraction(energy, cfg) + cfg.fem_rms * rng.standard_normal(n), 0.0, 1.0)

    def tail(x0: float, lam: float) -> np.ndarray:
        dx0 = x0 - start_x0
        dl = lam - start
        f = bock_cdf_beyond(energy, dx0, dl, cfg)
        return np.where(dl <= 0, 1.0, f)

    def response(e_dep: np.ndarray, e_over_h: float, a_samp: float) -> np.ndarray:
        vis = e_dep * (fem + (1.0 - fem) / e_over_h)
        sig = a_samp * np.sqrt(np.maximum(vis, 0.0))
        return np.asarray(np.maximum(vis + sig * rng.standard_normal(n), 0.0))

    ecal_seg = segs[0]
    ps_x0 = setup.ps_x0
    ps_lam = setup.ps_layers * setup.ecal.lambda_per_layer
    f0 = tail(0.0, 0.0)
    f_ps = tail(ps_x0, ps_lam)
    f_ecal = tail(ecal_seg.x0_end, ecal_seg.lam_end)
    lat_e = cfg.lateral_lambda_fraction * setup.ecal.period_cm / setup.ecal.lambda_per_layer
    lat_h = cfg.lateral_lambda_fraction * setup.hcal.period_cm / setup.hcal.lambda_per_layer
    fr_e = cell_fractions(x_cm, y_cm, setup.ecal, lat_e)
    fr_h = cell_fractions(x_cm, y_cm, setup.hcal, lat_h)
    e_ps = response(energy * (f0 - f_ps), cfg.e_over_h_ecal, cfg.sampling_ecal)
    e_ec = response(energy * (f_ps - f_ecal), cfg.e_over_h_ecal, cfg.sampling_ecal)
    ps += e_ps[:, None, None] * fr_e
    ecal += e_ec[:, None, None] * fr_e
    # energy leaving the narrow ECAL sideways travels on and is caught by HCAL1 (60 x 60 cm2)
    spill = (e_ps + e_ec) * (1.0 - fr_e.sum(axis=(1, 2)))
    hcal[:, 0] += spill[:, None, None] * fr_h
    lateral_loss = spill * (1.0 - fr_h.sum(axis=(1, 2)))
    prev = f_ecal
    for s in segs[1:]:
        cur = tail(s.x0_end, s.lam_end)
        if s.name.startswith("hcal"):
            i = int(s.name[4:])
            e_h = response(energy * (prev - cur), cfg.e_over_h_hcal, cfg.sampling_hcal)
            hcal[:, i] += e_h[:, None, None] * fr_h
            lateral_loss = lateral_loss + e_h * (1.0 - fr_h.sum(axis=(1, 2)))
        else:  # air gaps (and V2): dead material, counted as undetected
            lateral_loss = lateral_loss + energy * (prev - cur)
        prev = cur
    escaped = energy * prev + lateral_loss
    # charged hadrons leaving the ECAL cross V2 (~1 MIP each, Landau-like spread)
    leaving = np.where(start < ecal_seg.lam_end, energy * f_ecal, 0.0)
    n_ch = rng.poisson(cfg.v2_charged_per_gev * leaving)
    v2 = rng.gamma(np.maximum(n_ch, 1) * 11.0, 1.0 / 11.0) * (n_ch > 0)
    return HadronDeposit(ecal, ps, hcal, escaped, v2)


def mip_track(
    n: int,
    setup: SetupGeometry,
    cfg: HadronicConfig,
    rng: np.random.Generator,
    upto_lambda: np.ndarray | None = None,
) -> HadronDeposit:
    """Calibrated deposits of a minimum-ionising particle along the axis (muon, non-interacting hadron).

    Landau-like fluctuations are approximated by a Gamma law of relative width 0.3 per module.
    If ``upto_lambda`` is given, the track stops there (the hadron interacted).
    """
    ecal = np.zeros((n, setup.ecal.n_cells_x, setup.ecal.n_cells_y))
    ps = np.zeros_like(ecal)
    hcal = np.zeros((n, setup.n_hcal_modules, setup.hcal.n_cells_x, setup.hcal.n_cells_y))
    if n == 0:
        return HadronDeposit(ecal, ps, hcal, np.zeros(0), np.zeros(0))
    stop = np.full(n, np.inf) if upto_lambda is None else np.asarray(upto_lambda, dtype=float)
    mip_e = mip_calibrated_gev(setup.ecal, cfg, cfg.e_over_mip_ecal)
    mip_h = mip_calibrated_gev(setup.hcal, cfg, cfg.e_over_mip_hcal)
    lam_e = setup.ecal.total_lambda
    ce, ch = setup.ecal.n_cells_x // 2, setup.hcal.n_cells_x // 2
    frac_e = np.clip(stop / lam_e, 0.0, 1.0)
    ps_frac = setup.ps_layers / setup.ecal.n_layers

    def landau(mean: np.ndarray) -> np.ndarray:
        return np.asarray(rng.gamma(11.0, 1.0, n) / 11.0 * mean)

    ps[:, ce, ce] = landau(mip_e * np.minimum(frac_e, ps_frac) * np.ones(n))
    ecal[:, ce, ce] = landau(mip_e * np.maximum(frac_e - ps_frac, 0.0))
    for s in setup_segments(setup):
        if s.name.startswith("hcal"):
            i = int(s.name[4:])
            f = np.clip((stop - s.lam_start) / (s.lam_end - s.lam_start), 0.0, 1.0)
            hcal[:, i, ch, ch] = landau(mip_h * f)
    crossed = stop >= lam_e
    v2 = np.where(crossed, rng.gamma(11.0, 1.0, n) / 11.0, 0.0)
    return HadronDeposit(ecal, ps, hcal, np.zeros(n), v2)


def em_longitudinal_cdf(
    energy: np.ndarray, depth_x0: np.ndarray, ec_gev: float, photon: bool = True
) -> np.ndarray:
    """Fraction of an EM shower of ``energy`` [GeV] deposited within ``depth_x0`` X0 of its start.

    Gamma profile dE/dt ∝ (bt)^(a−1) e^(−bt), b = 0.5, t_max = (a−1)/b = ln(E/E_c) + C with
    C = +0.5 for photons, −0.5 for electrons (PDG Review "Passage of particles", Eq. 34.36).
    """
    e = np.maximum(np.asarray(energy, dtype=float), ec_gev * 1.01)
    tmax = np.maximum(np.log(e / ec_gev) + (0.5 if photon else -0.5), 0.1)
    b = 0.5
    a = b * tmax + 1.0
    return np.asarray(gammainc(a, b * np.maximum(np.asarray(depth_x0, dtype=float), 0.0)))


def lambda_to_x0_in_ecal(lam: np.ndarray, setup: SetupGeometry) -> np.ndarray:
    """ECAL depth in X0 corresponding to ``lam`` λ_int (uniform sampling structure)."""
    return np.asarray(lam) * setup.ecal.x0_per_layer / setup.ecal.lambda_per_layer


# --------------------------------------------------------------------------------------------
# Knock-on electrons (fake SRD tags) and EM response
# --------------------------------------------------------------------------------------------


def knockon_tag_probability(cfg: KnockOnConfig, beta: float = 1.0) -> float:
    """Probability that a charged beam hadron/muon fakes the three-counter SRD tag (spec Sec. III, VIII).

    δ-ray yield above T_min in the window (PDG Eq. 34.6, T_max ≫ T_min):
    P_δ = (K/2)(Z/A)(ρ x)/(β² T_min) with K in MeV cm²/g, T in MeV, times the probability
    ``three_counter_probability`` that the δ shower fakes all three counters.
    """
    mat = get_material(cfg.window_material)
    z_over_a = sum(w * e.Z / e.A for e, w in mat.elements)
    p_delta = (
        0.5
        * cfg.k_bethe_mev_cm2_g
        * z_over_a
        * mat.density
        * cfg.window_thickness_cm
        / (beta**2 * cfg.t_min * 1e3)
    )
    return float(min(p_delta, 1.0) * cfg.three_counter_probability)


def sample_knockon_sr(n: int, rng: np.random.Generator, cfg: KnockOnConfig) -> np.ndarray:
    """True energy [GeV] (n, 3) a knock-on δ shower puts into the three SRD counters.

    T ~ 1/T² above T_min (capped at 1 GeV), shared among the counters by a Dirichlet(2,2,2) split.
    """
    u = rng.random(n)
    t_max = 1.0
    t = 1.0 / (1.0 / cfg.t_min - u * (1.0 / cfg.t_min - 1.0 / t_max))
    split = rng.dirichlet([2.0, 2.0, 2.0], size=n)
    return np.asarray(t[:, None] * split)


def electron_sr(beam_energy: np.ndarray, rng: np.random.Generator, preset: Preset) -> np.ndarray:
    """True SR energy [GeV] (n, 3) in the SRD counters of beam electrons of ``beam_energy``.

    Uses the SRD model of the detector simulation (:func:`darkmiss.detsim.srd.sr_counter_energies`).
    """
    e = np.asarray(beam_energy, dtype=float)
    cfg = srd.SRDConfig.from_preset(preset)
    return np.asarray(srd.sr_counter_energies(e, M_E, rng, cfg))


def em_response(
    energies: np.ndarray,
    x_cm: np.ndarray,
    y_cm: np.ndarray,
    setup: SetupGeometry,
    rng: np.random.Generator,
    particle: str = "e-",
) -> CaloResponse:
    """EM shower response from the shower engine (``darkmiss.shower.response.em_response``, fast mode).

    Imported lazily (engineer C2's module). Events with zero energy get zero deposits.
    """
    e = np.asarray(energies, dtype=float)
    n = e.shape[0]
    out = CaloResponse(
        ecal=np.zeros((n, setup.ecal.n_cells_x, setup.ecal.n_cells_y)),
        ps=np.zeros((n, setup.ecal.n_cells_x, setup.ecal.n_cells_y)),
        hcal=np.zeros((n, setup.n_hcal_modules, setup.hcal.n_cells_x, setup.hcal.n_cells_y)),
        v2=np.zeros(n),
        leak=np.zeros(n),
    )
    ok = e > 0
    if ok.any():
        r = _em(e[ok], np.asarray(x_cm)[ok], np.asarray(y_cm)[ok], setup, rng, particle=particle, mode="fast")
        out.ecal[ok] = r.ecal
        out.ps[ok] = r.ps
        out.hcal[ok] = r.hcal
        out.v2[ok] = r.v2
        out.leak[ok] = r.leak
    return out
