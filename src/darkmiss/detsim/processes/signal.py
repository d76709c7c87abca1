"""Signal: e⁻Z → e⁻ZA′, A′ → invisible (spec Sec. II, Eq. 8-13), from the shower engine's forced
A′ emission (:func:`darkmiss.shower.api` ``signal_sample``).

The engine's per-event weights w_i are emission probabilities per EOT at ε = 1 (Σw = yield per
EOT above the A′-energy threshold); the yield scales as ε² (spec Eq. 8).  The threshold is
E0 − E_th^ECAL so that every event able to fire the physics trigger (E_ECAL < 80 GeV) is generated.
Requires ``ctx.options["mass"]`` [GeV] and ``["epsilon"]``.

A positron beam (``ctx.beam_particle`` e+) starts the showers with an e⁺: its A′-strahlung and that of
every shower lepton are the same process. Resonant annihilation e⁺e⁻ → A′ (of the primary positron and
of shower positrons) is not part of this process; its yield enters the limits of ``darkmiss reproduce
--production`` with this process' efficiency.
"""

from __future__ import annotations

import math

import numpy as np

from darkmiss.detsim.beam import BeamConfig, sample_beam
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.processes.em import (
    PrefilterConfig,
    cached_rate,
    conditioned,
    prefilter_mask,
    truth_from_response,
)
from darkmiss.detsim.truth import TruthBatch
from darkmiss.errors import UserInputError
from darkmiss.events.schema import Process
from darkmiss.shower.response import signal_sample


def _mass_eps(ctx: ProcessContext) -> tuple[float, float]:
    m = ctx.options.get("mass")
    eps = ctx.options.get("epsilon")
    if m is None or not (float(m) > 0 and math.isfinite(float(m))):
        raise UserInputError("mass", m, "a positive A' mass in GeV (--mass) for the signal process")
    if eps is None or not (float(eps) > 0 and math.isfinite(float(eps))):
        raise UserInputError("epsilon", eps, "a positive mixing strength (--epsilon) for the signal process")
    return float(m), float(eps)


class Signal:
    """A′ → invisible events at (m_A′, ε)."""

    name = "signal"

    def _threshold(self, ctx: ProcessContext) -> float:
        return max(ctx.beam_energy - PrefilterConfig.from_ctx(ctx).ecal_threshold, 0.0)

    def _draw(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        m, _ = _mass_eps(ctx)
        s = signal_sample(
            m, n, ctx.geometry, rng, energy=ctx.beam_energy, threshold=self._threshold(ctx),
            particle=ctx.beam_particle,
        )  # fmt: skip
        beam = sample_beam(n, rng, BeamConfig.from_preset(ctx.preset), electrons_only=True)
        ang = np.where(beam.tail, 0.0, beam.angle_mrad)
        # relative weight w_i / <w> of pre-filtered events: the yield itself enters through rate()
        w = s.weight / max(self._info(ctx)["w_pass"], 1e-300)
        t = truth_from_response(
            s.response,
            Process.SIGNAL,
            np.full(n, ctx.beam_energy),
            ang,
            rng,
            ctx,
            weight=w,
            aprime_energy=s.aprime_energy,
            mass=m,
        )
        t.missing_energy[:] = s.aprime_energy + s.response.leak
        # showers without an allowed emission (weight 0) are not signal events
        return t.select(s.weight > 0)

    def _info(self, ctx: ProcessContext) -> dict[str, float]:
        """Cached {yield per EOT at ε = 1 after the pre-filter, n_pass, mean weight of passing events}."""
        m, _ = _mass_eps(ctx)
        n = PrefilterConfig.from_ctx(ctx).rate_sample_events
        thr = self._threshold(ctx)

        def compute() -> dict[str, float]:
            rng = np.random.default_rng(20161)
            s = signal_sample(
                m, n, ctx.geometry, rng, energy=ctx.beam_energy, threshold=thr, particle=ctx.beam_particle
            )
            t = truth_from_response(
                s.response, Process.SIGNAL, np.full(n, ctx.beam_energy), np.zeros(n), rng, ctx
            )
            ok = prefilter_mask(t, ctx) & (s.weight > 0)
            # the engine's weight is the per-shower emission probability: yield = mean over showers
            return {
                "yield": float(np.sum(s.weight[ok])) / n,
                "n_pass": float(ok.sum()),
                "w_pass": float(np.mean(s.weight[ok])) if ok.any() else 0.0,
            }

        return cached_rate("signal", ctx, (m, n, thr, "per-shower-weights"), compute)

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """ε² × (yield per EOT at ε = 1 above threshold, after the pre-filter) (spec Eq. 8)."""
        _, eps = _mass_eps(ctx)
        r = self._info(ctx)
        rel = 1.0 / math.sqrt(r["n_pass"]) if r["n_pass"] > 0 else 1.0
        return RateEstimate(
            eps**2 * r["yield"], rel, "simulation: shower engine forced A' emission (Eq. 8-13)"
        )

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` signal events passing the pre-filter, with relative weights (mean ≈ 1)."""
        return conditioned(lambda k, r: self._draw(k, r, ctx), n, rng, ctx)


PROCESS = Signal()
