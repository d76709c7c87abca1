"""Pile-up: beam particles overlaid in the readout window at the event's rate (spec Sec. IV, VI.A).

In data mode every triggered event receives N ~ Poisson(R · T) extra beam particles, R the
instantaneous beam rate at that event, drawn from the spill model (:mod:`.spill`: the run's mean
intensity over the 4.8 s spill, spill-to-spill and in-spill fluctuations, rate-weighted because
triggers follow the rate), and T = late − early the time range over which a particle leaves signal
in the readout window (a pulse length before the window start to its end, ``[detector.pileup]``).  Each carries its own time, species and position
(:func:`darkmiss.detsim.beam.sample_beam`) and a fast parametrised deposit (below); the
digitisation turns it into waveform pulses, HCAL/V2 energy, counter hits and tracks.

Parametrised deposits (units GeV, cm):
* e⁻: full energy in the ECAL with σ/E = a/√E, a = ``[from_spec.ecal_resolution_stochastic]``
  (0.1, spec Sec. III); longitudinal fraction in the
  preshower from the Γ-profile of PDG "Passage of particles" Eq. 34.36 (b = 0.5,
  t_max = ln(E/E_c) − 0.5); lateral spread: a double-exponential core/halo in x and y with the
  core holding ``moliere_core_fraction`` inside one Molière radius.
* μ⁻: a MIP through everything (``mip_*_gev``), HCAL photo-electron statistics
  (``[from_spec.hcal_photoelectrons_per_mip]``, spec Sec. III).
* π⁻, K⁻, p̄: first interaction at depth ~ Exp(λ_int); before it a MIP; after it the remaining
  energy is shared by ECAL and HCAL with σ/E = 0.6/√E (``[from_spec.hcal_resolution_stochastic]``,
  spec Sec. III).
* Halo particles hit at a wide position and often miss the ECAL (6 × 3.82 cm).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import gammainc

from darkmiss.config.calibrated import calibrated
from darkmiss.config.load import Preset, required
from darkmiss.config.schema import RunConfig, SetupGeometry
from darkmiss.detsim.beam import PDG_E, PDG_MU, BeamConfig, sample_beam
from darkmiss.detsim.spill import SpillModel, effective_rate_hz, sample_trigger_rates
from darkmiss.errors import UserInputError


@dataclass(frozen=True)
class PileupConfig:
    """Pile-up and parametrised-deposit constants ([detector.pileup], [detector.ecal], the spill model
    [detector.spill], and the calibrated resolutions and HCAL photo-statistics of [from_spec])."""

    early_ns: float
    late_ns: float
    moliere_core_fraction: float
    mip_ecal_gev: float
    mip_ps_gev: float
    mip_hcal_module_gev: float
    hcal_pe_per_mip: float
    hcal_stochastic: float
    ecal_stochastic: float
    spill: SpillModel

    @classmethod
    def from_preset(cls, preset: Preset) -> PileupConfig:
        d = preset.section("detector")
        p = required(d, "pileup", "[detector]")
        e = required(d, "ecal", "[detector]")
        cfg = cls(
            early_ns=float(required(p, "early_ns", "[detector.pileup]")),
            late_ns=float(required(p, "late_ns", "[detector.pileup]")),
            moliere_core_fraction=float(required(e, "moliere_core_fraction", "[detector.ecal]")),
            mip_ecal_gev=float(required(p, "mip_ecal_gev", "[detector.pileup]")),
            mip_ps_gev=float(required(p, "mip_ps_gev", "[detector.pileup]")),
            mip_hcal_module_gev=float(required(p, "mip_hcal_module_gev", "[detector.pileup]")),
            hcal_pe_per_mip=calibrated(preset, "hcal_photoelectrons_per_mip").scalar(),
            hcal_stochastic=calibrated(preset, "hcal_resolution_stochastic").scalar(),
            ecal_stochastic=calibrated(preset, "ecal_resolution_stochastic").scalar(),
            spill=SpillModel.from_preset(preset),
        )
        if cfg.late_ns <= cfg.early_ns:
            raise UserInputError(
                "preset [detector.pileup]", (cfg.early_ns, cfg.late_ns), "late_ns > early_ns"
            )
        return cfg


@dataclass
class Deposits:
    """Parametrised detector deposits of ``m`` particles (GeV; V2 in MIP)."""

    ecal: np.ndarray  # (m, 6, 6)
    ps: np.ndarray  # (m, 6, 6)
    hcal: np.ndarray  # (m, 4, 3, 3)
    v2: np.ndarray  # (m,)


@dataclass
class PileupOverlay:
    """Pile-up particles of a batch: event index, time [ns] relative to the trigger, species,
    whether they cross the beam counters / V1 / the tracker acceptance, and their deposits; and the
    instantaneous beam rate [Hz] at each of the batch's events (0 in MC mode)."""

    event: np.ndarray  # (m,) int64
    time_ns: np.ndarray  # (m,)
    pdg: np.ndarray  # (m,)
    halo: np.ndarray  # (m,) bool
    deposits: Deposits
    rate_hz: np.ndarray  # (n,) per event of the batch

    @property
    def m(self) -> int:
        return int(self.event.shape[0])

    def per_event_count(self, n: int) -> np.ndarray:
        """Number of pile-up particles per event (n,)."""
        return np.bincount(self.event, minlength=n).astype(np.int16)


def mean_pileup(run: RunConfig, cfg: PileupConfig) -> float:
    """Mean number of beam particles per triggered event in the sensitive time range:
    μ = ⟨R⟩_trig · (late − early), ⟨R⟩_trig the rate seen by triggered events (:mod:`.spill`)."""
    return effective_rate_hz(run, cfg.spill) * (cfg.late_ns - cfg.early_ns) * 1e-9


def _lateral_fractions(centre: np.ndarray, n_cells: int, size: float, r_m: float, core: float) -> np.ndarray:
    """Fraction of a shower centred at ``centre`` (m,) [cm] in each of ``n_cells`` cells of one axis.

    Double-exponential marginal: core slope b1 = R_M / 5 (weight ``core``), halo slope b2 = R_M.
    """
    edges = (np.arange(n_cells + 1) - n_cells / 2.0) * size
    d = edges[None, :] - centre[:, None]

    def cdf(x: np.ndarray, b: float) -> np.ndarray:
        return np.where(x < 0, 0.5 * np.exp(np.minimum(x, 0) / b), 1 - 0.5 * np.exp(-np.maximum(x, 0) / b))

    c = core * cdf(d, r_m / 5.0) + (1 - core) * cdf(d, r_m)
    return np.diff(c, axis=1)


def moliere_radius_cm(geometry: SetupGeometry) -> float:
    """Molière radius [cm] of the ECAL's Pb/Sc mixture (mass-weighted 1/R_M, PDG "Passage" Eq. 34.38)."""
    ec = geometry.ecal
    mat_a, mat_s = ec.absorber_material, ec.active_material
    wa = ec.absorber_cm * mat_a.density
    ws = ec.active_cm * mat_s.density
    return float(
        1.0 / ((wa / (wa + ws)) / mat_a.moliere_radius_cm + (ws / (wa + ws)) / mat_s.moliere_radius_cm)
    )


def em_electron_sums(
    energy: np.ndarray, geometry: SetupGeometry, cfg: PileupConfig, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Parametrised e⁻ showers of ``energy`` [GeV]: calibrated energy (σ/E = a/√E, a calibrated, spec
    Sec. III) and preshower fraction from the Γ profile (PDG Eq. 34.36, b = 0.5, t_max = ln(E/E_c) − 0.5).
    Random numbers: one normal per shower."""
    e = np.asarray(energy, dtype=float)
    safe = np.maximum(e, 1e-6)
    e_vis = np.maximum(e * (1 + cfg.ecal_stochastic / np.sqrt(safe) * rng.standard_normal(e.shape)), 0.0)
    ec_gev = geometry.ecal.absorber_material.ec_gev  # the absorber's critical energy sets the profile
    tmax = np.maximum(np.log(safe / ec_gev) - 0.5, 0.0)
    b = 0.5
    return e_vis, np.asarray(gammainc(b * tmax + 1.0, b * geometry.ps_x0))


def em_lateral(x_cm: np.ndarray, y_cm: np.ndarray, geometry: SetupGeometry, cfg: PileupConfig) -> np.ndarray:
    """Fractions (n, 6, 6) of parametrised EM showers centred at (x, y) [cm] in the ECAL cells."""
    ec = geometry.ecal
    r_m = moliere_radius_cm(geometry)
    fx = _lateral_fractions(
        np.asarray(x_cm, dtype=float), ec.n_cells_x, ec.cell_size_cm, r_m, cfg.moliere_core_fraction
    )
    fy = _lateral_fractions(
        np.asarray(y_cm, dtype=float), ec.n_cells_y, ec.cell_size_cm, r_m, cfg.moliere_core_fraction
    )
    return np.asarray(fy[:, :, None] * fx[:, None, :])


def parametrised_deposits(
    pdg: np.ndarray,
    energy: np.ndarray,
    x_cm: np.ndarray,
    y_cm: np.ndarray,
    geometry: SetupGeometry,
    cfg: PileupConfig,
    rng: np.random.Generator,
) -> Deposits:
    """Fast deposits of beam particles (see module docstring for the parametrisation)."""
    m = pdg.shape[0]
    ecal = np.zeros((m, 6, 6))
    ps = np.zeros((m, 6, 6))
    hcal = np.zeros((m, 4, 3, 3))
    v2 = np.zeros(m)
    if m == 0:
        return Deposits(ecal, ps, hcal, v2)
    ec = geometry.ecal
    half_e = ec.width_x_cm / 2
    in_ecal = (np.abs(x_cm) < half_e) & (np.abs(y_cm) < ec.width_y_cm / 2)
    hc = geometry.hcal
    in_hcal = (np.abs(x_cm) < hc.width_x_cm / 2) & (np.abs(y_cm) < hc.width_y_cm / 2)
    ix_h = np.clip(((x_cm + hc.width_x_cm / 2) // hc.cell_size_cm).astype(int), 0, 2)
    iy_h = np.clip(((y_cm + hc.width_y_cm / 2) // hc.cell_size_cm).astype(int), 0, 2)
    # --- deposited energy in the ECAL section and the HCAL (calibrated)
    e_ecal = np.zeros(m)
    e_hcal_mod = np.zeros((m, 4))
    e_ps_frac = np.zeros(m)
    is_e = pdg == PDG_E
    is_mu = np.abs(pdg) == PDG_MU
    is_h = ~(is_e | is_mu)
    # electrons: full shower (spec Sec. III resolution a/sqrt(E), calibrated)
    e_ecal[is_e], e_ps_frac[is_e] = em_electron_sums(energy[is_e], geometry, cfg, rng)
    # muons: MIP everywhere
    e_ecal[is_mu] = cfg.mip_ecal_gev
    e_ps_frac[is_mu] = cfg.mip_ps_gev / cfg.mip_ecal_gev
    e_hcal_mod[is_mu] = cfg.mip_hcal_module_gev
    # hadrons: interaction depth in units of lambda
    nh = int(is_h.sum())
    if nh:
        eh = energy[is_h]
        depth = rng.exponential(1.0, nh)  # in lambda_int
        lam_e = ec.total_lambda
        lam_h = hc.total_lambda
        # before the interaction: MIP; after: shower sharing the rest, ECAL share grows with the
        # remaining ECAL depth (a hadron shower develops over ~1 lambda)
        rem = np.clip(lam_e - depth, 0.0, None)
        frac_ecal = np.where(depth < lam_e, 1.0 - np.exp(-rem), 0.0)
        e_sh = eh * (1 + cfg.hcal_stochastic / np.sqrt(eh) * rng.standard_normal(nh))
        e_sh = np.maximum(e_sh, 0.0)
        ecal_h = frac_ecal * e_sh + np.minimum(depth / lam_e, 1.0) * cfg.mip_ecal_gev
        hcal_tot = (1 - frac_ecal) * e_sh
        # module where the shower (or its rest) starts, profile ~ exp(-k) over modules
        start = np.where(depth < lam_e, 0, np.minimum(((depth - lam_e) // lam_h).astype(int), 3))
        prof = np.zeros((nh, 4))
        for k in range(4):
            prof[:, k] = np.where(k >= start, np.exp(-2.0 * (k - start)), 0.0)
        prof /= prof.sum(axis=1, keepdims=True)
        e_hcal_mod[is_h] = hcal_tot[:, None] * prof
        e_ecal[is_h] = ecal_h
        e_ps_frac[is_h] = 0.1
    # --- photo-electron statistics of the HCAL (spec Sec. III: 150-200 p.e. per MIP per module)
    mip_h = cfg.mip_hcal_module_gev
    npe = rng.poisson(np.maximum(e_hcal_mod, 0.0) / mip_h * cfg.hcal_pe_per_mip)
    e_hcal_mod = (npe * (mip_h / cfg.hcal_pe_per_mip)).astype(np.float64)
    # --- charged particle reaching V2 (behind the ECAL): muons and non-showering hadrons
    v2 = np.where(is_mu, 1.0, 0.0)
    # --- lateral distribution in the ECAL
    lat = em_lateral(x_cm, y_cm, geometry, cfg)
    e_in = np.where(in_ecal, e_ecal, 0.0)
    ps = lat * (e_in * e_ps_frac)[:, None, None]
    ecal = lat * (e_in * (1 - e_ps_frac))[:, None, None]
    # particles missing the ECAL hit the HCAL directly with their whole energy (halo)
    miss = ~in_ecal & in_hcal
    if miss.any():
        em = energy[miss]
        e_hcal_mod[miss, 0] += np.where(
            is_mu[miss],
            0.0,
            em * (1 + cfg.hcal_stochastic / np.sqrt(em) * rng.standard_normal(em.shape)).clip(0),
        )
    e_hcal_mod[~in_hcal & ~in_ecal] = 0.0
    v2 = np.where(~in_ecal & in_hcal & ~is_mu, 1.0, v2)
    hcal[np.arange(m), :, iy_h, ix_h] = e_hcal_mod
    return Deposits(ecal=ecal, ps=ps, hcal=hcal, v2=v2)


def sample_pileup(
    n: int,
    run: RunConfig,
    beam: BeamConfig,
    geometry: SetupGeometry,
    cfg: PileupConfig,
    rng: np.random.Generator,
) -> PileupOverlay:
    """Pile-up particles for ``n`` triggered events of ``run`` (data mode).

    N_i ~ Poisson(R_i · (late − early)), R_i the event's instantaneous rate drawn from the spill model
    (:func:`darkmiss.detsim.spill.sample_trigger_rates`); times uniform in [early, late] ns around the
    trigger; species and phase space from the beam composition.
    """
    rates = sample_trigger_rates(n, run, cfg.spill, rng)
    counts = rng.poisson(rates * (cfg.late_ns - cfg.early_ns) * 1e-9)
    m = int(counts.sum())
    event = np.repeat(np.arange(n, dtype=np.int64), counts)
    times = rng.uniform(cfg.early_ns, cfg.late_ns, m)
    bs = sample_beam(m, rng, beam)
    dep = parametrised_deposits(bs.pdg, bs.energy, bs.x_cm, bs.y_cm, geometry, cfg, rng)
    return PileupOverlay(event=event, time_ns=times, pdg=bs.pdg, halo=bs.halo, deposits=dep, rate_hz=rates)
