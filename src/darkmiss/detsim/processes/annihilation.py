"""Annihilation signal: resonant e⁺e⁻ → V → invisible of a shower positron on an atomic electron
(docs/annihilation.md), from the shower engine's forced annihilation
(:func:`darkmiss.shower.response.annihilation_sample`).

The engine's per-event weights w_i are annihilation probabilities per EOT at ε = 1 (Σw / N = yield
per EOT above the positron-energy threshold, the yield of :mod:`darkmiss.shower.annihilation`); the
yield scales as ε². The missing energy is the positron's energy at annihilation (+ m_e); the ECAL
keeps what the shower deposited before and beside it. The threshold is E0 − E_th^ECAL (as for the
bremsstrahlung signal) so that every event able to fire the physics trigger is generated. The
mediator is the vector of spec Sec. X (α_D = 0.5, m_χ = m/3). Requires ``ctx.options["mass"]``
[GeV] and ``["epsilon"]``.
"""

from __future__ import annotations

import math
from typing import ClassVar

import numpy as np

from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.processes.em import (
    PrefilterConfig,
    cached_rate,
    conditioned,
    forced_rate_info,
    forced_truth,
)
from darkmiss.detsim.truth import TruthBatch
from darkmiss.errors import UserInputError
from darkmiss.events.schema import Process
from darkmiss.shower.api import SignalSample
from darkmiss.shower.response import CalorimetrySettings, annihilation_sample

#: Seed of the rate sample (fixed: the rate is a property of the setup, cached).
RATE_SEED = 20162


def _mass_eps(ctx: ProcessContext) -> tuple[float, float]:
    m = ctx.options.get("mass")
    eps = ctx.options.get("epsilon")
    if m is None or not (float(m) > 0 and math.isfinite(float(m))):
        raise UserInputError(
            "mass", m, "a positive mediator mass in GeV (--mass) for the annihilation process"
        )
    if eps is None or not (float(eps) > 0 and math.isfinite(float(eps))):
        raise UserInputError(
            "epsilon", eps, "a positive mixing strength (--epsilon) for the annihilation process"
        )
    return float(m), float(eps)


class Annihilation:
    """e⁺e⁻ → V → invisible events of shower positrons at (m_V, ε)."""

    name = "annihilation"
    #: CPU seconds per event by mode, measured on a 2-core laptop; scheduling only (generate.chunk_cost)
    cost_per_event: ClassVar[dict[str, float]] = {"data": 3e-3, "mc": 3e-3}

    def _threshold(self, ctx: ProcessContext) -> float:
        split = CalorimetrySettings.from_preset(ctx.preset).fast_split_gev
        return max(ctx.beam_energy - PrefilterConfig.from_ctx(ctx).ecal_threshold, split)

    def _sample(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> SignalSample:
        m, _ = _mass_eps(ctx)
        return annihilation_sample(
            m, n, ctx.geometry, rng, energy=ctx.beam_energy, threshold=self._threshold(ctx),
            particle=ctx.beam_particle,
        )  # fmt: skip

    def _draw(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        s = self._sample(n, rng, ctx)
        return forced_truth(s, Process.ANNIHILATION, rng, ctx, self._info(ctx)["w_pass"])

    def _info(self, ctx: ProcessContext) -> dict[str, float]:
        """Cached {yield per EOT at ε = 1 after the pre-filter, n_pass, mean weight of passing events}."""
        m, _ = _mass_eps(ctx)
        n = PrefilterConfig.from_ctx(ctx).rate_sample_events
        thr = self._threshold(ctx)

        def compute() -> dict[str, float]:
            rng = np.random.default_rng(RATE_SEED)
            return forced_rate_info(self._sample(n, rng, ctx), Process.ANNIHILATION, rng, ctx)

        return cached_rate("annihilation", ctx, (m, n, thr, "vector-alpha_d-0.5-mchi-m/3"), compute)

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """ε² × (annihilation yield per EOT at ε = 1 above threshold, after the pre-filter)."""
        _, eps = _mass_eps(ctx)
        r = self._info(ctx)
        rel = 1.0 / math.sqrt(r["n_pass"]) if r["n_pass"] > 0 else 1.0
        return RateEstimate(
            eps**2 * r["yield"], rel, "simulation: shower engine forced e+e- -> V annihilation (Breit-Wigner)"
        )

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` annihilation events passing the pre-filter, with relative weights (mean ≈ 1)."""
        return conditioned(lambda k, r: self._draw(k, r, ctx), n, rng, ctx)


PROCESS = Annihilation()
