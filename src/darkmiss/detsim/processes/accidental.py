"""Accidental SR tags: a 50–70 GeV beam-tail e⁻ in time with a 100 GeV μ/π/K (spec Sec. VIII,
Table IV "accidental SR tag and e⁻ from μ, π, K decays").

The tail electron radiates in the magnets (SR ∝ E², it can pass the SRD threshold) and is bent out
of the acceptance; the accompanying hadron/muon then decays in flight (as in :mod:`.decays`) or
interacts in the target (as in :mod:`.hadron_target`). Rate chain:

P_acc = f_tail × R_beam × Δt_SRD × ε_tag(50–70 GeV) × P_merge,

with R_beam the run's instantaneous rate (intensity / spill), Δt_SRD the SRD coincidence window
and P_merge the probability that the tail electron's own upstream track is not resolved (else
the one-track cut removes the event); the rate is P_acc × Σ (decay and target channel
probabilities without the knock-on tag).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from darkmiss.config.load import Preset
from darkmiss.constants import M_E
from darkmiss.detsim import srd
from darkmiss.detsim.background_config import background_table, fill_from_table
from darkmiss.detsim.processes import decays as dec
from darkmiss.detsim.processes import hadron_target as ht
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.truth import TruthBatch
from darkmiss.errors import UserInputError
from darkmiss.events.schema import Process

NS_PER_S = 1.0e9


@dataclass(frozen=True)
class AccidentalConfig:
    """``[backgrounds.accidental]``."""

    tail_fraction: float
    tail_e_min: float
    tail_e_max: float
    srd_window_ns: float
    track_merge_probability: float
    tag_efficiency: float

    @classmethod
    def from_preset(cls, preset: Preset) -> AccidentalConfig:
        cfg: AccidentalConfig = fill_from_table(cls, background_table(preset, "accidental"), "accidental")
        if not 0 < cfg.tail_e_min < cfg.tail_e_max:
            raise UserInputError(
                "[backgrounds.accidental] tail_e_min/max", (cfg.tail_e_min, cfg.tail_e_max), "0 < min < max"
            )
        return cfg


def accidental_tag_probability(cfg: AccidentalConfig, rate_hz: float) -> float:
    """P per beam hadron of an in-time tagging tail e⁻ with an unresolved track (module formula)."""
    mu = cfg.tail_fraction * rate_hz * cfg.srd_window_ns / NS_PER_S
    return float(-np.expm1(-mu) * cfg.tag_efficiency * cfg.track_merge_probability)


def _tail_sr(n: int, rng: np.random.Generator, ctx: ProcessContext, cfg: AccidentalConfig) -> np.ndarray:
    """SR energy [GeV] (n, 3) of 50–70 GeV tail electrons in the SRD (the SRD model of
    :func:`darkmiss.detsim.srd.sr_counter_energies` with ``[detector.srd]``)."""
    e = rng.uniform(cfg.tail_e_min, cfg.tail_e_max, n)
    scfg = srd.SRDConfig.from_preset(ctx.preset)
    return np.asarray(srd.sr_counter_energies(e, M_E, rng, scfg))


class AccidentalProcess:
    """Accidental SR tag + beam μ/π/K decaying or interacting."""

    name = "accidental"
    #: CPU seconds per event by mode, measured on a 2-core laptop; scheduling only (generate.chunk_cost)
    cost_per_event: ClassVar[dict[str, float]] = {"mc": 1e-4}

    def components(self, ctx: ProcessContext) -> tuple[dict[str, float], dict[str, float]]:
        """Per-EOT rates of (decay channels, target species) with the accidental tag."""
        cfg = AccidentalConfig.from_preset(ctx.preset)
        p_acc = accidental_tag_probability(cfg, ctx.run.rate_hz)
        pc = dec.channel_probabilities(ctx.preset, ctx.beam_energy)
        pf = dec.prefilter_fractions(ctx.preset, ctx.beam_energy)
        d = {c: pc[c] * pf[c] * p_acc for c in pc}
        t = {s: p * p_acc for s, p in ht.species_probabilities(ctx).items()}
        return d, t

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """Rate per EOT after the pre-filter (grows linearly with the beam intensity)."""
        d, t = self.components(ctx)
        return RateEstimate(
            sum(d.values()) + sum(t.values()), 1.0, "simulation: f_tail x R x dt x eps_tag x P_merge"
        )

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` events, with the tail e⁻ SR as tag: decays and target interactions, half each (stratified:
        each event's relative weight is its component's share of the rate over its share of the sample,
        so that Σ weight / n = 1 and each component keeps its rate). The decays are 10⁻³ of the rate but
        the only events that can reach the box (docs/backgrounds.md); drawn in proportion, a sample of
        3 × 10⁴ held ~20 of them."""
        cfg = AccidentalConfig.from_preset(ctx.preset)
        d, t = self.components(ctx)
        sd, st = sum(d.values()), sum(t.values())
        tot = sd + st
        if n == 0:
            return TruthBatch.empty(0)
        if tot <= 0:
            raise UserInputError(
                "n",
                n,
                f"0 events: the accidental-tag rate is 0 for run {ctx.run.name} ([backgrounds.accidental])",
            )
        if n == 1 or sd <= 0 or st <= 0:  # one event, or one component: drawn in proportion, weight 1
            nd = int(rng.binomial(n, sd / tot))
            scale_d = scale_t = 1.0
        else:
            nd = n // 2
            scale_d, scale_t = (sd / tot) / (nd / n), (st / tot) / ((n - nd) / n)
        parts = []
        if nd:
            b = dec.generate_decays(nd, rng, ctx, Process.ACCIDENTAL_SR, d)
            b.weight[:] *= scale_d
            parts.append(b)
        if n - nd:
            b = ht.generate_target(n - nd, rng, ctx, Process.ACCIDENTAL_SR, t)
            b.weight[:] *= scale_t
            parts.append(b)
        b = TruthBatch.concatenate(parts)
        b.sr_energy[:] = _tail_sr(b.n, rng, ctx, cfg)
        return b


PROCESS = AccidentalProcess()
