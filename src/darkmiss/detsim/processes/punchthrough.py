"""Leading neutral hadrons (n, K⁰_L) from e⁻A in the ECAL escaping ECAL + HCAL (spec Sec. VIII).

Rate chain: P_en(k > k_min) × f_neutral × ⟨exp(−(Λ(θ) − t_start)/λ_int)⟩ × P(pre-filter), the mean
taken over the sampled start depth and energy of the leading hadron and its p_T (θ = p_T/E): Λ is
the full depth L_tot ≈ 31 λ_int (spec: ≈ 30 λ_int) unless the hadron leaves the HCAL sideways first
(:func:`darkmiss.detsim.hadron_escape.escape_probability_with_angle`). Events: the hadronic event of
:mod:`.hadronic` with the leading neutral forced to cross the whole setup without interacting (its
energy is missing).
"""

from __future__ import annotations

import numpy as np

from darkmiss.detsim.hadron_escape import escape_probability_with_angle
from darkmiss.detsim.photonuclear import electronuclear_probability
from darkmiss.detsim.processes import hadronic as hproc
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.truth import TruthBatch
from darkmiss.events.schema import Process


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


class PunchthroughProcess:
    """Leading neutral hadron punch-through (Table IV "hermeticity" / "loss of hadrons")."""

    name = "punchthrough"

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """Rate per EOT: electronuclear rate × neutral leading-hadron escape × pre-filter."""
        pcfg, cfg, _ = hproc._configs(ctx)
        p = electronuclear_probability(ctx.geometry, pcfg, cfg.k_min, ctx.beam_energy)
        f, _ = hproc.prefilter_fraction(ctx, force_escape=True)
        pe = escape_probability(ctx)
        # exp(-L/lambda) at L ~ 30: a 10% error on lambda_int is a factor e^3 ~ 20 (docs)
        return RateEstimate(p.probability * pe * f, 3.0, "simulation: P_en x f_neutral x exp(-L/lambda_int)")

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` events with an escaping leading neutral hadron, passing the pre-filter."""
        return hproc.build_batch(n, rng, ctx, Process.PUNCHTHROUGH, force_escape=True)


PROCESS = PunchthroughProcess()
