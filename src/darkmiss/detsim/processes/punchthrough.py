"""Leading neutral hadrons (n, K⁰_L) from e⁻A in the ECAL escaping ECAL + HCAL (spec Sec. VIII).

Rate chain: P_en(k > k_min) × f_neutral × ⟨exp(−(Λ(θ) − t_start)/λ_int)⟩ × P(pre-filter), the mean
taken over the sampled start depth and energy of the leading hadron and its p_T (θ = p_T/E): Λ is
the full depth L_tot ≈ 31 λ_int (spec: ≈ 30 λ_int) unless the hadron leaves the HCAL sideways first
(:func:`darkmiss.detsim.hadron_escape.escape_probability_with_angle`). Events: the hadronic event of
:mod:`.hadronic` with the leading neutral forced to cross the whole setup without interacting (its
energy is missing).

Table IV sample (``ctx.options["bias"] == "table_iv"``, MC mode): only the interactions that can reach
the signal box are generated (:func:`box_reach`), each weighted by its escape probability; the rate is
that of the region, so Σw stays the box rate (docs/backgrounds.md, "Biasing of the Table IV samples").
"""

from __future__ import annotations

import numpy as np

from darkmiss.config.load import required
from darkmiss.detsim.background_config import HadronicConfig
from darkmiss.detsim.hadron_escape import escape_probability_with_angle
from darkmiss.detsim.photonuclear import electronuclear_probability
from darkmiss.detsim.processes import hadronic as hproc
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.truth import TruthBatch
from darkmiss.errors import UserInputError
from darkmiss.events.schema import Process

#: Margin of :func:`box_reach` in σ of its conservative Gaussian model of the non-leading missing energy
#: (that σ is about twice the spread of the model's own events, tests/detsim/test_punchthrough_bias.py,
#: so the region keeps every event within ≈ 8 actual σ of the box).
REACH_N_SIGMA = 4.0
#: Systems sampled for the rate of the biased sample (fixed seed; only those in reach are showered).
BIAS_RATE_SYSTEMS = 200_000


def escape_probability(ctx: ProcessContext) -> float:
    """Mean probability that the leading hadron is neutral and crosses ECAL + HCAL, per interaction."""
    _, cfg, beam = hproc._configs(ctx)
    rng = np.random.default_rng(hproc.RATE_MC_SEED)
    s = hproc.sample_system(hproc.RATE_MC_EVENTS, rng, ctx.geometry, cfg, beam, ctx.beam_energy, cfg.k_min)
    e_lead = s.k * s.x_lead
    p = escape_probability_with_angle(ctx.geometry, cfg, e_lead, s.start_lambda)
    return float(cfg.leading_neutral_fraction * np.mean(p * (e_lead > cfg.punch_e_min)))


def box_upper_bound(ctx: ProcessContext, e_escape_min: float = 40.0) -> float:
    """Upper bound per EOT on hadronic events in the signal box (Table IV "loss of hadrons").

    E_ECAL < 50 and E_HCAL < 1 GeV need ≳ 40 GeV carried away unseen (non-compensation losses
    are < 25 %): the rate of leading neutrals above ``e_escape_min`` crossing or leaving the setup
    without interacting, P_en(k > e_escape_min) × f_neutral × ⟨P_esc · 1[E_lead > e_escape_min]⟩.
    """
    pcfg, cfg, beam = hproc._configs(ctx)
    e0 = ctx.beam_energy
    p = electronuclear_probability(ctx.geometry, pcfg, e_escape_min, e0)
    rng = np.random.default_rng(hproc.RATE_MC_SEED)
    s = hproc.sample_system(hproc.RATE_MC_EVENTS, rng, ctx.geometry, cfg, beam, e0, e_escape_min)
    e_lead = s.k * s.x_lead
    pe = escape_probability_with_angle(ctx.geometry, cfg, e_lead, s.start_lambda)
    return float(p.probability * cfg.leading_neutral_fraction * np.mean(pe * (e_lead > e_escape_min)))


def box_missing_min(ctx: ProcessContext) -> float:
    """Missing energy [GeV] an event needs to possibly reach the signal box: E0 minus the box's truth
    edges of box-only storage (``[production.protected] signal_box_ecal_max`` + ``[production.fast_path]
    box_ecal_margin`` for E_ECAL, ``box_hcal12_max`` for HCAL1+2): 100 − 54 − 2 = 44 GeV."""
    prod = ctx.preset.section("production")
    box = required(prod, "protected", "[production]")
    fp = required(prod, "fast_path", "[production]")
    visible = (
        float(required(box, "signal_box_ecal_max", "[production.protected]"))
        + float(required(fp, "box_ecal_margin", "[production.fast_path]"))
        + float(required(fp, "box_hcal12_max", "[production.fast_path]"))
    )
    return ctx.beam_energy - visible


def missing_energy_reach(
    k: np.ndarray, e_lead: np.ndarray, e0: float, cfg: HadronicConfig, n_sigma: float = REACH_N_SIGMA
) -> np.ndarray:
    """Upper reach [GeV] of the missing energy E0 − (E_ECAL + E_HCAL1+2) of an interaction with photon
    energy ``k`` whose leading neutral of ``e_lead`` escapes: E_lead + μ + n σ.

    The rest R = k − E_lead showers with the non-compensating response of
    :mod:`darkmiss.detsim.hadron_kernels`: invisible R (1 − f_em)(1 − h/e). Conservatively all of it is
    taken with the HCAL's e/h and sampling term (both larger than the ECAL's, ``[backgrounds.hadronic]``):
    μ = R (1 − f̄_em(R))(1 − 1/(e/h)_HCAL), f̄_em of Groom (2007); σ² = (R (1 − 1/(e/h)_HCAL) σ_fem)²
    + a_HCAL² R + a_ECAL² (E0 − k), the last term for the e⁻ shower of E0 − k (sampling term of the ECAL's
    hadron response, larger than its electromagnetic one). Leakage of the rest beyond HCAL2 (> 14 λ_int)
    is neglected.
    """
    r = np.maximum(np.asarray(k, dtype=float) - e_lead, 0.0)
    c = 1.0 - 1.0 / cfg.e_over_h_hcal
    fem = 1.0 - (np.maximum(r, cfg.fem_e0) / cfg.fem_e0) ** (cfg.fem_m - 1.0)
    mu = r * (1.0 - fem) * c
    var = (
        (r * c * cfg.fem_rms) ** 2 + cfg.sampling_hcal**2 * r + cfg.sampling_ecal**2 * np.maximum(e0 - k, 0.0)
    )
    return np.asarray(e_lead + mu + n_sigma * np.sqrt(var))


def box_reach(
    s: hproc.HadronicSystem, ctx: ProcessContext, cfg: HadronicConfig, missing_min: float | None = None
) -> np.ndarray:
    """Interactions that can reach the signal box: leading hadron above ``punch_e_min`` and
    :func:`missing_energy_reach` at least ``missing_min`` [GeV] (default :func:`box_missing_min`)."""
    need = box_missing_min(ctx) if missing_min is None else float(missing_min)
    e_lead = s.k * s.x_lead
    reach = missing_energy_reach(s.k, e_lead, ctx.beam_energy, cfg)
    return np.asarray((e_lead > cfg.punch_e_min) & (reach >= need))


def _reach_rate_sample(ctx: ProcessContext, missing_min: float | None = None) -> tuple[float, float]:
    """(P(in reach, escape, pre-filter) per interaction above k_min, mean escape probability of those
    events) from a fixed-seed sample of :data:`BIAS_RATE_SYSTEMS` interactions (f_neutral included)."""
    _, cfg, beam = hproc._configs(ctx)
    rng = np.random.default_rng(hproc.RATE_MC_SEED + 2)
    s = hproc.sample_system(BIAS_RATE_SYSTEMS, rng, ctx.geometry, cfg, beam, ctx.beam_energy, cfg.k_min)
    s = s.select(box_reach(s, ctx, cfg, missing_min))
    w = cfg.leading_neutral_fraction * escape_probability_with_angle(
        ctx.geometry, cfg, s.k * s.x_lead, s.start_lambda
    )
    s.neutral_lead[:] = True
    s.lead_start_lambda[:] = np.inf
    ok = hproc.electronuclear_sums(s, rng, ctx, cfg.prefilter_ecal_max)[1]
    return float(w[ok].sum()) / BIAS_RATE_SYSTEMS, float(w[ok].mean()) if ok.any() else 0.0


def build_in_reach(
    n: int, rng: np.random.Generator, ctx: ProcessContext, missing_min: float | None = None
) -> TruthBatch:
    """``n`` pre-filtered punch-through events drawn only in :func:`box_reach` (the e⁻ shower from the
    shower engine), relative weights P_esc / ⟨P_esc⟩ (⟨⟩ of the rate sample, f_neutral included).
    Random numbers: the interactions, their sums-level showers, then the cell-level truth."""
    _, cfg, beam = hproc._configs(ctx)
    _, w_mean = _reach_rate_sample(ctx, missing_min)
    if w_mean <= 0.0:  # no interaction of the rate sample reaches the box: drawing would never end
        need = box_missing_min(ctx) if missing_min is None else float(missing_min)
        raise UserInputError(
            "preset [production.protected]/[production.fast_path] (missing energy a box event needs)",
            f"{need:g} GeV",
            f"a box the punch-through sample can reach (none of {BIAS_RATE_SYSTEMS} interactions does)",
        )
    parts: list[TruthBatch] = []
    have = 0
    while have < n:
        s = hproc.sample_system(
            max(25 * (n - have), 256), rng, ctx.geometry, cfg, beam, ctx.beam_energy, cfg.k_min
        )
        s = s.select(box_reach(s, ctx, cfg, missing_min))
        if s.k.size == 0:
            continue
        w = cfg.leading_neutral_fraction * escape_probability_with_angle(
            ctx.geometry, cfg, s.k * s.x_lead, s.start_lambda
        )
        s.neutral_lead[:] = True
        s.lead_start_lambda[:] = np.inf
        b, passed = hproc.electronuclear_sums(s, rng, ctx, cfg.prefilter_ecal_max)
        take = np.arange(min(b.n, n - have))
        if take.size:
            rel = w[passed][take] / max(w_mean, 1e-300)
            parts.append(
                hproc.truth_batch(b.select(take), rng, ctx, Process.PUNCHTHROUGH, engine_em=True, weight=rel)
            )
            have += take.size
    return TruthBatch.concatenate(parts)


class PunchthroughProcess:
    """Leading neutral hadron punch-through (Table IV "hermeticity" / "loss of hadrons")."""

    name = "punchthrough"

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """Rate per EOT: electronuclear rate × neutral leading-hadron escape × pre-filter."""
        pcfg, cfg, _ = hproc._configs(ctx)
        p = electronuclear_probability(ctx.geometry, pcfg, cfg.k_min, ctx.beam_energy)
        if ctx.options.get("bias") == "table_iv":
            prob, _ = _reach_rate_sample(ctx)
            return RateEstimate(
                p.probability * prob, 3.0, "simulation: P_en x P(in box reach) x f_neutral x P_esc (biased)"
            )
        f, _ = hproc.prefilter_fraction(ctx, force_escape=True)
        pe = escape_probability(ctx)
        # exp(-L/lambda) at L ~ 30: a 10% error on lambda_int is a factor e^3 ~ 20 (docs)
        return RateEstimate(p.probability * pe * f, 3.0, "simulation: P_en x f_neutral x exp(-L/lambda_int)")

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` events with an escaping leading neutral hadron, passing the pre-filter (Table IV bias:
        only those in :func:`box_reach`)."""
        if ctx.options.get("bias") == "table_iv":
            return build_in_reach(n, rng, ctx)
        return hproc.build_batch(n, rng, ctx, Process.PUNCHTHROUGH, force_escape=True)


PROCESS = PunchthroughProcess()
