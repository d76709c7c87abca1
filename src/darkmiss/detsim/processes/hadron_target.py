"""Beam μ, π, K with a fake SRD tag interacting in the ECAL target (spec Sec. VIII, Table IV
"μ, π, K interactions in the target").

Rate chain per species h: f_h × P_tag (knock-on δ from the vessel window) × P(channel) × P(pre-filter:
E_PS > 0.3 GeV and E_ECAL < prefilter_ecal_max). Channels:

* π/K inelastic interaction in the ECAL at depth t ~ Exp(λ_int) (P = 1 − e^{−1.57}); the hadron
  showers (Bock profile, e/h) from t, after a MIP track up to t;
* π/K charge exchange (π⁻p → π⁰n), a fraction ``cex_fraction`` (±30 %, spec Sec. VIII) of the
  inelastic interactions: an EM shower of the π⁰ (≈ the beam energy) from depth t;
* π/K crossing the ECAL without interacting: MIP in the ECAL, shower in the HCAL;
* μ: MIP through the whole setup plus a bremsstrahlung photon (μZ → μZγ), dN/dk per X0 =
  (m_e/m_μ)² × ``mu_brems_log_ratio`` × (4/3 − 4/3 y + y²)/k, emitted uniformly in depth.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from darkmiss.config.load import Preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.constants import M_E, M_MU
from darkmiss.detsim.background_config import (
    BeamFractions,
    HadronicConfig,
    KnockOnConfig,
    background_table,
    fill_from_table,
)
from darkmiss.detsim.em_deposits import em_longitudinal_cdf, em_response
from darkmiss.detsim.hadron_shower import hadron_shower, lambda_to_x0_in_ecal, mip_track
from darkmiss.detsim.knockon import knockon_tag_probability, sample_knockon_sr
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.truth import TruthBatch
from darkmiss.errors import UserInputError
from darkmiss.events.schema import Process

SPECIES = {"pi": -211, "k": -321, "mu": 13}
RATE_MC_EVENTS = 4000
RATE_MC_SEED = 19810533


@dataclass(frozen=True)
class HadronTargetConfig:
    """``[backgrounds.hadron_target]``."""

    cex_fraction: float
    cex_rel_err: float
    mu_brems_k_min: float
    mu_brems_log_ratio: float

    @classmethod
    def from_preset(cls, preset: Preset) -> HadronTargetConfig:
        return fill_from_table(cls, background_table(preset, "hadron_target"), "hadron_target")


def mu_brems_probability(setup: SetupGeometry, cfg: HadronTargetConfig, energy: float, k_min: float) -> float:
    """P(μ brems photon with k > k_min in the ECAL) for a muon of ``energy`` [GeV].

    ∫ dk (m_e/m_μ)² r (4/3 − 4/3 y + y²)/k × X_ECAL/X0 (Tsai's complete-screening form scaled by the
    mass ratio and the screening-log ratio r; Groom et al., ADNDT 78 (2001) 183).
    """
    k = np.geomspace(k_min, energy * 0.999, 200)
    y = k / energy
    dens = (M_E / M_MU) ** 2 * cfg.mu_brems_log_ratio * (4 / 3 - 4 / 3 * y + y**2) / k
    return float(np.trapezoid(dens, k) * setup.ecal.total_x0)


def _sample_mu_brems_k(n: int, rng: np.random.Generator, energy: float, k_min: float) -> np.ndarray:
    """k from (4/3 − 4/3 y + y²)/k on [k_min, E) by rejection on a 1/k proposal."""
    out = np.empty(0)
    while out.size < n:
        k = k_min * (energy / k_min) ** rng.random(2 * n)
        y = k / energy
        keep = rng.random(2 * n) * (4 / 3) < (4 / 3 - 4 / 3 * y + y**2)
        out = np.concatenate([out, k[keep & (k < energy)]])
    return out[:n]


@dataclass
class _Raw:
    ecal: np.ndarray
    ps: np.ndarray
    hcal: np.ndarray
    v2: np.ndarray
    missing: np.ndarray


def _simulate(species: str, n: int, rng: np.random.Generator, ctx: ProcessContext, use_em: bool) -> _Raw:
    """Deposits of ``n`` beam particles of ``species`` (before the pre-filter).

    ``use_em=False`` replaces the shower engine by a longitudinal-profile estimate (rate MC only).
    """
    setup = ctx.geometry
    cfg = HadronicConfig.from_preset(ctx.preset)
    tcfg = HadronTargetConfig.from_preset(ctx.preset)
    beam = BeamFractions.from_preset(ctx.preset)
    e0 = ctx.beam_energy
    x = beam.spot_sigma_cm * rng.standard_normal(n)
    y = beam.spot_sigma_cm * rng.standard_normal(n)
    ps_x0 = setup.ps_x0
    ec = setup.ecal.absorber_material.ec_gev

    def em_at_depth(
        e: np.ndarray, depth_x0: np.ndarray, particle: str
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """EM shower of energy e starting at depth_x0: the PS keeps the part before ps_x0."""
        f_ps = np.where(
            depth_x0 < ps_x0, em_longitudinal_cdf(e, ps_x0 - depth_x0, ec, particle == "gamma"), 0.0
        )
        if use_em:
            r = em_response(e, x, y, setup, rng, particle=particle)
            tot = r.ecal + r.ps
            s = tot.sum(axis=(1, 2))
            ps = tot * f_ps[:, None, None]
            return tot - ps, ps, r.hcal, r.v2
        cells = np.zeros((n, setup.ecal.n_cells_x, setup.ecal.n_cells_y))
        c = setup.ecal.n_cells_x // 2
        ecal = cells.copy()
        ecal[:, c, c] = e * (1 - f_ps)
        cells[:, c, c] = e * f_ps
        s = np.zeros((n, setup.n_hcal_modules, setup.hcal.n_cells_x, setup.hcal.n_cells_y))
        return ecal, cells, s, np.zeros(n)

    if species == "mu":
        mip = mip_track(n, setup, cfg, rng)
        k = _sample_mu_brems_k(n, rng, e0, tcfg.mu_brems_k_min)
        depth = rng.uniform(0, setup.ecal.total_x0, n)
        ecal, ps, hcal, v2 = em_at_depth(k, depth, "gamma")
        return _Raw(mip.ecal + ecal, mip.ps + ps, mip.hcal + hcal, v2 + mip.v2, np.zeros(n))
    lam_e = setup.ecal.total_lambda
    t = rng.exponential(1.0, n)
    cex = (t < lam_e) & (rng.random(n) < tcfg.cex_fraction)
    mip = mip_track(n, setup, cfg, rng, upto_lambda=t)
    sh = hadron_shower(np.where(cex, 0.0, e0), t, x, y, setup, cfg, rng)
    ecal = mip.ecal + sh.ecal
    ps = mip.ps + sh.ps
    hcal = mip.hcal + sh.hcal
    missing = sh.escaped.copy()
    if cex.any():
        depth = lambda_to_x0_in_ecal(t, setup)
        e_pi0 = np.where(cex, e0, 0.0)
        ce, cp, ch, _ = em_at_depth(e_pi0, depth, "gamma")
        ecal = ecal + ce * cex[:, None, None]
        ps = ps + cp * cex[:, None, None]
        hcal = hcal + ch * cex[:, None, None, None]
    return _Raw(ecal, ps, hcal, mip.v2 + sh.v2, missing)


def _pass(raw: _Raw, cfg: HadronicConfig) -> np.ndarray:
    e_ps = raw.ps.sum(axis=(1, 2))
    e_ecal = raw.ecal.sum(axis=(1, 2)) + e_ps
    return np.asarray((e_ps > cfg.prefilter_ps_min) & (e_ecal < cfg.prefilter_ecal_max))


def species_probabilities(ctx: ProcessContext) -> dict[str, float]:
    """Per-EOT probability, per species, of a beam μ/π/K passing the pre-filter (f_h × P(channel) ×
    P(E_PS > 0.3, E_ECAL < max)); the SRD tag probability is applied by the caller."""
    cfg = HadronicConfig.from_preset(ctx.preset)
    tcfg = HadronTargetConfig.from_preset(ctx.preset)
    beam = BeamFractions.from_preset(ctx.preset)
    rng = np.random.default_rng(RATE_MC_SEED)
    out = {}
    for s, pdg in SPECIES.items():
        raw = _simulate(s, RATE_MC_EVENTS, rng, ctx, use_em=False)
        f = float(_pass(raw, cfg).mean())
        if s == "mu":
            f *= mu_brems_probability(ctx.geometry, tcfg, ctx.beam_energy, tcfg.mu_brems_k_min)
        out[s] = beam.fraction(pdg) * f
    return out


def generate_target(
    n: int, rng: np.random.Generator, ctx: ProcessContext, process: Process, weights: dict[str, float]
) -> TruthBatch:
    """``n`` beam-particle interactions passing the pre-filter, species drawn with ``weights``."""
    cfg = HadronicConfig.from_preset(ctx.preset)
    kcfg = KnockOnConfig.from_preset(ctx.preset)
    beam = BeamFractions.from_preset(ctx.preset)
    names = [s for s in weights if weights[s] > 0]
    if n == 0:
        return TruthBatch.empty(0)
    if not names:
        raise UserInputError(
            "weights", weights, f"a positive rate for at least one species to draw {n} events"
        )
    w = np.array([weights[s] for s in names])
    counts = rng.multinomial(n, w / w.sum())
    out = []
    for s, m in zip(names, counts, strict=True):
        have = 0
        while have < m:
            mm = max(3 * (m - have), 16)
            raw = _simulate(s, mm, rng, ctx, use_em=True)
            ok = np.flatnonzero(_pass(raw, cfg))[: m - have]
            if ok.size == 0:
                continue
            nn = ok.size
            b = TruthBatch.empty(nn)
            b.process[:] = int(process)
            b.beam_pdg[:] = SPECIES[s]
            b.beam_energy[:] = ctx.beam_energy
            b.angle_in_mrad[:] = np.abs(beam.angle_sigma_mrad * rng.standard_normal(nn))
            b.sr_energy[:] = sample_knockon_sr(nn, rng, kcfg)
            b.ecal[:] = raw.ecal[ok]
            b.ps[:] = raw.ps[ok]
            b.hcal[:] = raw.hcal[ok]
            b.v2[:] = raw.v2[ok]
            b.missing_energy[:] = raw.missing[ok]
            out.append(b)
            have += nn
    return TruthBatch.concatenate(out)


class HadronTargetProcess:
    """Beam μ/π/K with a knock-on fake tag interacting in the ECAL."""

    name = "hadron_target"
    #: CPU seconds per event by mode, measured on a 2-core laptop; scheduling only (generate.chunk_cost)
    cost_per_event: ClassVar[dict[str, float]] = {"mc": 1e-4}

    def species_rates(self, ctx: ProcessContext) -> dict[str, float]:
        """Rate per EOT per species after tag and pre-filter."""
        p_tag = knockon_tag_probability(KnockOnConfig.from_preset(ctx.preset))
        return {s: p * p_tag for s, p in species_probabilities(ctx).items()}

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """Sum over species, per EOT."""
        return RateEstimate(
            sum(self.species_rates(ctx).values()),
            1.0,
            "simulation: f_h x P_knock-on tag x P(PS > 0.3, ECAL < max)",
        )

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` events passing the pre-filter."""
        return generate_target(n, rng, ctx, Process.HADRON_IN_TARGET, self.species_rates(ctx))


PROCESS = HadronTargetProcess()
