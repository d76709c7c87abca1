"""Electro/photonuclear events of beam e⁻ in the ECAL (spec Sec. IV Fig. 7 region II, Sec. VIII).

Rate chain (docs/backgrounds.md): P = ∫_{k_min}^{E0} dk [t_γ(k) + t_γ*(k)] Σnσ_γA(k) X0 (Rossi
track lengths, WW flux, shadowed σ_γA) × P(pre-filter | k), the pre-filter being the looser
trigger E_ECAL(truth) < ``prefilter_ecal_max`` (spec Eq. 14: 80 GeV). Event: the e⁻ shower keeps
E0 − k; the hadronic system of energy k starts at the photon's interaction depth; a leading hadron
with Feynman x ~ (1 − x)^n carries x·k and interacts after an exponential path (neutral with
probability ``leading_neutral_fraction``); the rest showers at once. Energy beyond the HCAL escapes
(punch-through, ∝ exp(−L/λ_int)). The showers are parametrised (:mod:`darkmiss.detsim.hadron_shower`);
the pre-filter and the rate use the parametrised e⁻ shower (:func:`darkmiss.detsim.pileup.em_electron_sums`).

Pseudo-data at full rate (about 10⁷ events for the 2016 exposure) goes three ways
(:meth:`HadronicProcess.generate_split`, ``[production.fast_path]``), decided on the truth, where
pile-up and noise can only add energy:

* **full**: events that may reach the signal box or side band C (truth E_HCAL1+2 below
  ``box_hcal12_max``) and may pass V2: the e⁻ shower from the shower engine, waveforms stored;
* **fast**: events that may pass V2 (truth V2 below ``v2_certain_mip``) or the dimuon selection
  (HCAL1, HCAL4 and E_ECAL below their limits): the parametrised e⁻ shower, no waveforms (their cell
  times stand in for the pile-up fit); they fill the validation region and side band A;
* **summary**: every other event, which fires V2 whatever the pile-up and so can never pass the
  selection: counted at full rate by :func:`darkmiss.detsim.fastpath.summary_readout` (Fig. 7 and
  the cut-flow up to the V2 cut), never written as events.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, ClassVar

import numpy as np

from darkmiss.config.load import Preset, required
from darkmiss.config.schema import SetupGeometry
from darkmiss.detsim import hadron_kernels as hk
from darkmiss.detsim.background_config import BeamFractions, HadronicConfig, PhotonuclearConfig
from darkmiss.detsim.em_deposits import em_response
from darkmiss.detsim.fastpath import SummaryTruth
from darkmiss.detsim.hadron_escape import escape_probability_with_angle
from darkmiss.detsim.hadron_shower import (
    LANDAU_GAMMA_SHAPE,
    HadronDeposit,
    HadronSums,
    boundaries,
    hadron_cells,
    hadron_sums,
    hcal_cells,
    kernel_params,
    setup_segments,
    start_depth_x0,
    sums_from_kernel,
    v2_charged_hadrons,
)
from darkmiss.detsim.photonuclear import (
    effective_photon_density,
    electronuclear_probability,
    photonuclear_per_x0,
    sample_photon_energy,
)
from darkmiss.detsim.pileup import PileupConfig, em_electron_sums, em_lateral
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate, SplitBatch
from darkmiss.detsim.srd import electron_sr
from darkmiss.detsim.truth import TruthBatch
from darkmiss.events.schema import Process

RATE_MC_EVENTS = 4000
RATE_MC_SEED = 20160705


@dataclass
class HadronicSystem:
    """Sampled γ*A interactions: photon energy k [GeV], start depth [λ_int], leading hadron."""

    k: np.ndarray
    start_lambda: np.ndarray
    x_lead: np.ndarray
    neutral_lead: np.ndarray
    lead_start_lambda: np.ndarray
    x_cm: np.ndarray
    y_cm: np.ndarray

    def select(self, mask: np.ndarray) -> HadronicSystem:
        """The interactions ``mask``."""
        return HadronicSystem(*(getattr(self, f)[mask] for f in self.__dataclass_fields__))


def sample_system(
    n: int,
    rng: np.random.Generator,
    setup: SetupGeometry,
    cfg: HadronicConfig,
    beam: BeamFractions,
    e0: float,
    k_min: float,
) -> HadronicSystem:
    """Sample ``n`` γ*A interactions in the ECAL with k ∈ [k_min, e0] (1/k² track-length spectrum).

    Depth t0 [X0] = conversion length × Exp(1) + ln(e0/k)/ln 2 (Heitler generations), kept inside
    the ECAL; leading hadron x ~ Beta(1, n) (dN/dx ∝ (1 − x)^(n−1)·… quark counting), its first
    interaction after Exp(1) λ_int.
    """
    k = sample_photon_energy(n, rng, k_min, e0)
    t0 = cfg.conversion_x0 * rng.exponential(1.0, n) + np.log(e0 / k) / np.log(2.0)
    t0 = np.minimum(t0, setup.ecal.total_x0 * 0.999)
    start = t0 * setup.ecal.lambda_per_layer / setup.ecal.x0_per_layer
    x_lead = rng.beta(1.0, cfg.leading_power, n)
    neutral = rng.random(n) < cfg.leading_neutral_fraction
    lead_start = start + rng.exponential(1.0, n)
    x = beam.spot_sigma_cm * rng.standard_normal(n)
    y = beam.spot_sigma_cm * rng.standard_normal(n)
    return HadronicSystem(k, start, x_lead, neutral, lead_start, x, y)


def hadronic_sums(
    sys_: HadronicSystem, rng: np.random.Generator, setup: SetupGeometry, cfg: HadronicConfig
) -> HadronSums:
    """Per-event sums of the hadronic systems (rest + leading hadron, :func:`hadron_sums`); a charged
    leading hadron that leaves the ECAL before interacting crosses V2 (~1 MIP).
    Random numbers: the rest's shower, the leading hadron's, then the leading hadron's V2 signal."""
    k = sys_.k
    rest = hadron_sums(k * (1 - sys_.x_lead), sys_.start_lambda, sys_.x_cm, sys_.y_cm, setup, cfg, rng)
    lead = hadron_sums(k * sys_.x_lead, sys_.lead_start_lambda, sys_.x_cm, sys_.y_cm, setup, cfg, rng)
    out = rest.combined(lead)
    crosses = (~sys_.neutral_lead) & (sys_.lead_start_lambda >= setup.ecal.total_lambda)
    out.v2 = out.v2 + np.where(crosses, rng.gamma(LANDAU_GAMMA_SHAPE, 1.0 / LANDAU_GAMMA_SHAPE, k.size), 0.0)
    return out


def hadronic_deposits(
    sys_: HadronicSystem, rng: np.random.Generator, setup: SetupGeometry, cfg: HadronicConfig
) -> HadronDeposit:
    """Calorimeter deposits (cells) of the hadronic systems (rest + leading hadron)."""
    return hadron_cells(hadronic_sums(sys_, rng, setup, cfg), setup, cfg)


@dataclass
class HadronicBatch:
    """Sums-level electronuclear events: the interactions, their hadronic sums, and the parametrised
    e⁻ shower of E0 − k (calibrated energy [GeV] and preshower fraction)."""

    sys: HadronicSystem
    had: HadronSums
    em_vis: np.ndarray
    em_ps_frac: np.ndarray

    @property
    def n(self) -> int:
        return int(self.sys.k.shape[0])

    def select(self, mask: np.ndarray) -> HadronicBatch:
        """The events ``mask``."""
        return HadronicBatch(
            self.sys.select(mask), self.had.select(mask), self.em_vis[mask], self.em_ps_frac[mask]
        )

    def energies(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Truth (calibrated) E_ECAL incl. preshower (n,), preshower (n,) and HCAL modules (n, 4) [GeV]."""
        ps_h, ec_h, hcal = self.had.module_sums()
        ps = ps_h + self.em_vis * self.em_ps_frac
        return ps + ec_h + self.em_vis * (1.0 - self.em_ps_frac), ps, hcal


def _configs(ctx: ProcessContext) -> tuple[PhotonuclearConfig, HadronicConfig, BeamFractions]:
    return (
        PhotonuclearConfig.from_preset(ctx.preset),
        HadronicConfig.from_preset(ctx.preset),
        BeamFractions.from_preset(ctx.preset),
    )


def electronuclear_sums(
    s: HadronicSystem, rng: np.random.Generator, ctx: ProcessContext, ecal_max: float = np.inf
) -> tuple[HadronicBatch, np.ndarray]:
    """Sums-level events of the interactions ``s`` (:func:`darkmiss.detsim.hadron_kernels.electronuclear`)
    with the pre-filter truth E_ECAL < ``ecal_max`` [GeV] applied between the shower stages: the batch of
    the events that pass, and the mask of those. Random numbers: the e⁻ showers, the hadronic showers,
    then the V2 signals of the events that pass."""
    _, cfg, _ = _configs(ctx)
    setup = ctx.geometry
    em_vis, f_ps = em_electron_sums(ctx.beam_energy - s.k, setup, PileupConfig.from_preset(ctx.preset), rng)
    segs = setup_segments(setup)
    bx0, blam, bkind = boundaries(setup)
    nmod = setup.n_hcal_modules
    rest, lead, passed = hk.electronuclear(
        s.k,
        s.x_lead,
        s.start_lambda,
        start_depth_x0(s.start_lambda, segs),
        s.lead_start_lambda,
        start_depth_x0(np.minimum(s.lead_start_lambda, 1e6), segs),
        s.x_cm,
        s.y_cm,
        em_vis,
        float(ecal_max),
        kernel_params(setup, cfg),
        bx0,
        blam,
        bkind,
        nmod,
        rng,
    )
    sp = s.select(passed)
    leaving = rest[passed, hk.O_LEAVE] + lead[passed, hk.O_LEAVE]
    v2 = v2_charged_hadrons(leaving, cfg, rng)
    # a charged leading hadron that leaves the ECAL before interacting crosses V2 (~1 MIP)
    crosses = (~sp.neutral_lead) & (sp.lead_start_lambda >= setup.ecal.total_lambda)
    v2 = v2 + np.where(crosses, rng.gamma(LANDAU_GAMMA_SHAPE, 1.0 / LANDAU_GAMMA_SHAPE, sp.k.size), 0.0)
    had = sums_from_kernel(rest[passed], sp.x_cm, sp.y_cm, np.zeros(sp.k.size), nmod).combined(
        sums_from_kernel(lead[passed], sp.x_cm, sp.y_cm, v2, nmod)
    )
    return HadronicBatch(sp, had, em_vis[passed], f_ps[passed]), passed


def sums_batch(
    n: int, rng: np.random.Generator, ctx: ProcessContext, k_min: float | None = None
) -> HadronicBatch:
    """``n`` sampled interactions with their hadronic sums and parametrised e⁻ shower (no pre-filter)."""
    _, cfg, beam = _configs(ctx)
    s = sample_system(n, rng, ctx.geometry, cfg, beam, ctx.beam_energy, cfg.k_min if k_min is None else k_min)
    return electronuclear_sums(s, rng, ctx)[0]


def prefiltered(batch: HadronicBatch, cfg: HadronicConfig) -> np.ndarray:
    """The pre-filter: truth E_ECAL (incl. preshower) below ``prefilter_ecal_max`` [GeV]."""
    return np.asarray(batch.energies()[0] < cfg.prefilter_ecal_max)


def prefilter_fraction(ctx: ProcessContext, force_escape: bool = False) -> tuple[float, float]:
    """Fraction of sampled systems passing the pre-filter (truth E_ECAL < max), with its MC error.

    Fixed seed, so the rate is deterministic. With ``force_escape`` the leading hadron is a neutral
    that does not interact (punch-through), and only leading hadrons above ``punch_e_min`` count.
    """
    _, cfg, beam = _configs(ctx)
    rng = np.random.default_rng(RATE_MC_SEED)
    s = sample_system(RATE_MC_EVENTS, rng, ctx.geometry, cfg, beam, ctx.beam_energy, cfg.k_min)
    if force_escape:
        s = s.select(s.k * s.x_lead > cfg.punch_e_min)
        s.neutral_lead[:] = True
        s.lead_start_lambda[:] = np.inf
    ok = electronuclear_sums(s, rng, ctx, cfg.prefilter_ecal_max)[1]
    n = max(ok.size, 1)
    f = float(ok.mean()) if ok.size else 0.0
    return f, float(np.sqrt(max(f * (1 - f), 1.0 / n) / n))


def truth_batch(
    batch: HadronicBatch,
    rng: np.random.Generator,
    ctx: ProcessContext,
    process: Process,
    *,
    engine_em: bool,
    weight: np.ndarray | None = None,
) -> TruthBatch:
    """Cell-level truth of ``batch``: the hadronic cells, the e⁻ shower of E0 − k from the shower engine
    (``engine_em``) or the parametrised one of the batch, SR of the beam e⁻, incoming angle.
    Random numbers: the engine shower (if used), the incoming angle, the SR."""
    _, cfg, beam = _configs(ctx)
    setup = ctx.geometry
    n = batch.n
    dep = hadron_cells(batch.had, setup, cfg)
    b = TruthBatch.empty(n)
    b.process[:] = int(process)
    if weight is not None:
        b.weight[:] = weight
    b.beam_energy[:] = ctx.beam_energy
    if engine_em:
        em = em_response(
            ctx.beam_energy - batch.sys.k,
            batch.sys.x_cm,
            batch.sys.y_cm,
            setup,
            rng,
            particle=ctx.beam_particle,
        )
        b.ecal[:] = em.ecal + dep.ecal
        b.ps[:] = em.ps + dep.ps
        b.hcal[:] = em.hcal + dep.hcal
        b.v2[:] = em.v2 + dep.v2
        b.missing_energy[:] = dep.escaped + em.leak
    else:
        lat = em_lateral(batch.sys.x_cm, batch.sys.y_cm, setup, PileupConfig.from_preset(ctx.preset))
        b.ecal[:] = lat * (batch.em_vis * (1.0 - batch.em_ps_frac))[:, None, None] + dep.ecal
        b.ps[:] = lat * (batch.em_vis * batch.em_ps_frac)[:, None, None] + dep.ps
        b.hcal[:] = dep.hcal
        b.v2[:] = dep.v2
        b.missing_energy[:] = dep.escaped + batch.em_vis * (1.0 - lat.sum(axis=(1, 2)))
    b.angle_in_mrad[:] = np.abs(beam.angle_sigma_mrad * rng.standard_normal(n))
    b.sr_energy[:] = electron_sr(b.beam_energy, rng, ctx.preset)
    return b


def draw_prefiltered(n: int, rng: np.random.Generator, ctx: ProcessContext) -> HadronicBatch:
    """Exactly ``n`` sums-level events passing the pre-filter (rejection in batches of ~2.6 n)."""
    _, cfg, beam = _configs(ctx)
    parts: list[HadronicBatch] = []
    have = 0
    while have < n:
        m = max(int(2.6 * (n - have)), 64)
        s = sample_system(m, rng, ctx.geometry, cfg, beam, ctx.beam_energy, cfg.k_min)
        b = electronuclear_sums(s, rng, ctx, cfg.prefilter_ecal_max)[0]
        take = min(b.n, n - have)
        if take:
            parts.append(b.select(np.arange(take)))
            have += take
    return _concat(parts) if parts else sums_batch(0, rng, ctx)


def _concat(parts: list[HadronicBatch]) -> HadronicBatch:
    def cat(objs: list[Any]) -> dict[str, np.ndarray]:
        return {f.name: np.concatenate([getattr(o, f.name) for o in objs]) for f in fields(objs[0])}

    return HadronicBatch(
        HadronicSystem(**cat([p.sys for p in parts])),
        HadronSums(**cat([p.had for p in parts])),
        np.concatenate([p.em_vis for p in parts]),
        np.concatenate([p.em_ps_frac for p in parts]),
    )


def build_batch(
    n: int,
    rng: np.random.Generator,
    ctx: ProcessContext,
    process: Process,
    force_escape: bool = False,
) -> TruthBatch:
    """``n`` electronuclear events passing the pre-filter, with the e⁻ shower of the shower engine.

    ``force_escape``: the leading hadron is a neutral above ``punch_e_min`` crossing everything without
    interacting, each event weighted ∝ its escape probability (mean 1)."""
    _, cfg, beam = _configs(ctx)
    setup = ctx.geometry
    if not force_escape:
        return truth_batch(draw_prefiltered(n, rng, ctx), rng, ctx, process, engine_em=True)
    parts: list[TruthBatch] = []
    have = 0
    while have < n:
        s = sample_system(max(3 * (n - have), 16), rng, setup, cfg, beam, ctx.beam_energy, cfg.k_min)
        s = s.select(s.k * s.x_lead > cfg.punch_e_min)
        if s.k.size == 0:
            continue
        w_esc = escape_probability_with_angle(setup, cfg, s.k * s.x_lead, s.start_lambda)
        w_esc = w_esc / max(float(w_esc.mean()), 1e-300)
        s.neutral_lead[:] = True
        s.lead_start_lambda[:] = np.inf
        b, passed = electronuclear_sums(s, rng, ctx, cfg.prefilter_ecal_max)
        idx = np.arange(min(b.n, n - have))
        if idx.size == 0:
            continue
        parts.append(truth_batch(b.select(idx), rng, ctx, process, engine_em=True, weight=w_esc[passed][idx]))
        have += idx.size
    return TruthBatch.concatenate(parts)


@dataclass(frozen=True)
class FastPathConfig:
    """``[production.fast_path]``: truth limits that decide the path of an electronuclear event (GeV, MIP).

    An event is certain to fail V2 when its truth V2 signal is above ``v2_certain_mip`` (the V2 cut and
    its varied values, plus 8σ of the V2 noise: pile-up only adds); it may reach the box or side band C
    when its truth HCAL1+HCAL2 energy is below ``box_hcal12_max``; it may pass the dimuon selection when
    its truth HCAL1, HCAL4 and E_ECAL are below ``dimuon_hcal_max``, ``dimuon_hcal_max`` and
    ``dimuon_ecal_max``."""

    v2_certain_mip: float
    box_hcal12_max: float
    dimuon_hcal_max: float
    dimuon_ecal_max: float

    @classmethod
    def from_preset(cls, preset: Preset) -> FastPathConfig:
        t = required(preset.section("production"), "fast_path", "[production]")
        return cls(**{k: float(required(t, k, "[production.fast_path]")) for k in cls.__dataclass_fields__})


def split_paths(batch: HadronicBatch, fp: FastPathConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Masks (full, fast, summary) of ``batch`` (module docstring)."""
    e_ecal, _, hcal = batch.energies()
    v2_ok = batch.had.v2 < fp.v2_certain_mip
    full = v2_ok & (hcal[:, :2].sum(axis=1) < fp.box_hcal12_max)
    dimuon = (
        (hcal[:, 0] < fp.dimuon_hcal_max) & (hcal[:, -1] < fp.dimuon_hcal_max) & (e_ecal < fp.dimuon_ecal_max)
    )
    fast = ~full & (v2_ok | dimuon)
    return full, fast, ~(full | fast)


def summary_truth(batch: HadronicBatch, rng: np.random.Generator, ctx: ProcessContext) -> SummaryTruth:
    """The sums-level truth the summary readout needs (calibrated GeV): ECAL and preshower sums, HCAL
    cells, the beam e⁻'s incoming angle [mrad]. Random numbers: the incoming angles."""
    _, cfg, beam = _configs(ctx)
    e_ecal, ps, _ = batch.energies()
    n = batch.n
    return SummaryTruth(
        ecal=e_ecal,
        ps=ps,
        hcal=hcal_cells(batch.had, ctx.geometry, cfg),
        beam_energy=np.full(n, ctx.beam_energy),
        angle_in_mrad=np.abs(beam.angle_sigma_mrad * rng.standard_normal(n)),
    )


def escape_depth_lambda(ctx: ProcessContext) -> float:
    """Depth [λ_int from the ECAL face] of the end of the last HCAL module in E_HCAL of the regions
    (``[analysis] hcal_modules_in_ehcal``: HCAL1+2)."""
    modules = required(ctx.preset.section("analysis"), "hcal_modules_in_ehcal", "[analysis]")
    last = max(int(m) for m in modules) - 1
    return float(next(s for s in setup_segments(ctx.geometry) if s.hcal_module == last).lam_end)


def forced_escape(
    s: HadronicSystem,
    ctx: ProcessContext,
    cfg: HadronicConfig,
    rng: np.random.Generator,
    lam: float | None = None,
) -> np.ndarray:
    """Bias ``s`` in place for Table IV (loss of hadrons): the leading hadron is neutral and does not
    interact before the end of the modules of E_HCAL (its first interaction then after Exp(1) λ_int
    more: the exponential law has no memory); returns each interaction's weight, the probability of
    that, f_neutral · exp(−(λ_end − t_start)); ``lam`` [λ_int] overrides λ_end. Random numbers: the new
    interaction depths."""
    lam = escape_depth_lambda(ctx) if lam is None else float(lam)
    w = cfg.leading_neutral_fraction * np.exp(-np.clip(lam - s.start_lambda, 0.0, None))
    s.neutral_lead[:] = True
    s.lead_start_lambda[:] = np.maximum(lam, s.start_lambda) + rng.exponential(1.0, s.k.size)
    return np.asarray(w)


def _forced_rate_sample(ctx: ProcessContext) -> tuple[float, float]:
    """(P(pre-filter), mean weight of the passing events) of the forced-escape interactions, from a
    fixed-seed sample."""
    _, cfg, beam = _configs(ctx)
    rng = np.random.default_rng(RATE_MC_SEED + 1)
    s = sample_system(RATE_MC_EVENTS, rng, ctx.geometry, cfg, beam, ctx.beam_energy, cfg.k_min)
    w = forced_escape(s, ctx, cfg, rng)
    ok = electronuclear_sums(s, rng, ctx, cfg.prefilter_ecal_max)[1]
    return float(ok.mean()), float(w[ok].mean()) if ok.any() else 0.0


def build_forced(n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
    """``n`` pre-filtered electronuclear events with the forced escape of :func:`forced_escape`, the e⁻
    shower from the shower engine, relative weights w / ⟨w⟩ (⟨w⟩ of the rate sample)."""
    _, cfg, beam = _configs(ctx)
    _, w_mean = _forced_rate_sample(ctx)
    parts: list[TruthBatch] = []
    have = 0
    while have < n:
        s = sample_system(
            max(int(1.5 * (n - have)), 64), rng, ctx.geometry, cfg, beam, ctx.beam_energy, cfg.k_min
        )
        w = forced_escape(s, ctx, cfg, rng)
        b, passed = electronuclear_sums(s, rng, ctx, cfg.prefilter_ecal_max)
        take = np.arange(min(b.n, n - have))
        if take.size:
            rel = w[passed][take] / max(w_mean, 1e-300)
            parts.append(truth_batch(b.select(take), rng, ctx, Process.HADRONIC, engine_em=True, weight=rel))
            have += take.size
    return TruthBatch.concatenate(parts)


class HadronicProcess:
    """e⁻A → e⁻ + hadrons in the ECAL (Fig. 7 region II; Table IV "loss of hadrons").

    ``ctx.options["bias"] == "table_iv"`` (MC mode): the forced escape of :func:`forced_escape`, the
    only way such an event reaches the box with E_HCAL1+2 < 1 GeV and no V2 signal; the rate is then
    that of the forced class."""

    name = "hadronic"
    #: CPU seconds per event by mode, measured on a 2-core laptop; scheduling only (generate.chunk_cost)
    cost_per_event: ClassVar[dict[str, float]] = {"data": 2e-5, "mc": 8e-4}

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """Rate per EOT after the pre-filter (photon energy > k_min, truth E_ECAL < max)."""
        pcfg, cfg, _ = _configs(ctx)
        p = electronuclear_probability(ctx.geometry, pcfg, cfg.k_min, ctx.beam_energy)
        if ctx.options.get("bias") == "table_iv":
            f, w_mean = _forced_rate_sample(ctx)
            return RateEstimate(
                p.probability * f * w_mean,
                0.3,
                "simulation: photonuclear x P(leading neutral crossing ECAL + HCAL1-2 without interacting)",
            )
        f, ferr = prefilter_fraction(ctx)
        # 20%: Rossi approx. B track lengths and the shadowing exponent (docs/backgrounds.md)
        rel = float(np.hypot(0.2, ferr / f)) if f > 0 else 1.0
        return RateEstimate(
            p.probability * f, rel, "simulation: photonuclear (DL + shadowing) x Rossi track length"
        )

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` electronuclear events passing the pre-filter (full chain: shower-engine e⁻ shower)."""
        if ctx.options.get("bias") == "table_iv":
            return build_forced(n, rng, ctx)
        return build_batch(n, rng, ctx, Process.HADRONIC)

    def generate_split(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> SplitBatch:
        """``n`` pre-filtered events split into the full, fast and summary paths (module docstring).
        Random numbers: the sums-level events, then the full path's, the fast path's, the summary's."""
        fp = FastPathConfig.from_preset(ctx.preset)
        batch = draw_prefiltered(n, rng, ctx)
        full, fast, summ = split_paths(batch, fp)
        return SplitBatch(
            full=truth_batch(batch.select(full), rng, ctx, Process.HADRONIC, engine_em=True),
            fast=truth_batch(batch.select(fast), rng, ctx, Process.HADRONIC, engine_em=False),
            summary=summary_truth(batch.select(summ), rng, ctx),
        )


def leading_hadron_probability(
    preset: Preset, setup: SetupGeometry, x_min: float = 0.5, e0: float = 100.0
) -> float:
    """P per EOT of a leading hadron carrying > x_min·E0 (spec Sec. VIII quotes ≲ 10⁻⁴).

    ∫ dk P(k) P(x > x_min E0/k) with the (1 − x)^n spectrum: P(x > z) = (1 − z)^n.
    """
    pcfg = PhotonuclearConfig.from_preset(preset)
    cfg = HadronicConfig.from_preset(preset)
    kmin = x_min * e0
    k = np.geomspace(kmin * 1.0001, e0 * 0.9999, 100)
    dens = effective_photon_density(e0, k, pcfg) * photonuclear_per_x0(setup.ecal, k, pcfg)
    pz = (1.0 - np.clip(kmin / k, 0, 1)) ** cfg.leading_power
    return float(np.trapezoid(dens * pz, k))


PROCESS = HadronicProcess()
