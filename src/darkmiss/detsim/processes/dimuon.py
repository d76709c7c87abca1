"""Dimuon production e⁻Z → e⁻Zγ; γ → μ⁺μ⁻ in the ECAL target (spec Sec. V, Eq. 16-19): the
benchmark process of Fig. 7 region I (E_HCAL ≈ 10 GeV from two MIPs), from the shower engine's
forced conversion (``dimuon_sample``; weights = probability per EOT).
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
from darkmiss.shower.response import dimuon_sample


class Dimuons:
    """γ → μ⁺μ⁻ events (``Process.DIMUON``)."""

    name = "dimuon"

    def draw_with_muons(
        self, n: int, rng: np.random.Generator, ctx: ProcessContext, *, soft_muon: float | None = None
    ) -> tuple[TruthBatch, np.ndarray]:
        """The events of ``n`` forced showers (before the pre-filter) as truth with relative weights, and
        the muon energies at production [GeV] (m, 2) of the m events, those of the showers that hold a
        muon pair. In data mode the events have unit weight, by accept-reject before the showers are
        completed (about 0.64 n events: :func:`darkmiss.shower.response.dimuon_sample`); in MC mode there
        is one event per shower, weighted. ``soft_muon`` [GeV] (MC mode): every pair is given a muon of kinetic
        energy below it, the weight × the probability of that split (``dimuon_sample``)."""
        w_pass = self._info(ctx)["w_pass"]
        unit = w_pass if ctx.mode == "data" and w_pass > 0 else None
        if soft_muon is not None and unit is not None:
            raise UserInputError("soft_muon", soft_muon, "None in data mode (unit-weight events)")
        s = dimuon_sample(
            n, ctx.geometry, rng, energy=ctx.beam_energy, particle=ctx.beam_particle, unit_weight=unit,
            soft_muon=soft_muon,
        )  # fmt: skip
        m = s.weight.size
        beam = sample_beam(m, rng, BeamConfig.from_preset(ctx.preset), electrons_only=True)
        ang = np.where(beam.tail, 0.0, beam.angle_mrad)
        # relative weight w_i / <w> of pre-filtered events (1 for unit-weight events): the yield enters
        # through rate()
        w = s.weight / max(w_pass, 1e-300)
        t = truth_from_response(
            s.response, Process.DIMUON, np.full(m, ctx.beam_energy), ang, rng, ctx, weight=w
        )
        # showers where no photon converted (weight 0) hold no muon pair: not dimuon events
        keep = s.weight > 0
        return t.select(keep), np.asarray(s.muon_energies)[keep]

    def _draw(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        return self.draw_with_muons(n, rng, ctx)[0]

    def _info(self, ctx: ProcessContext) -> dict[str, float]:
        """Cached {yield per EOT after the pre-filter, n_pass, mean weight of passing events}."""
        n = PrefilterConfig.from_ctx(ctx).rate_sample_events

        def compute() -> dict[str, float]:
            rng = np.random.default_rng(20162)
            s = dimuon_sample(n, ctx.geometry, rng, energy=ctx.beam_energy, particle=ctx.beam_particle)
            t = truth_from_response(
                s.response, Process.DIMUON, np.full(n, ctx.beam_energy), np.zeros(n), rng, ctx
            )
            ok = prefilter_mask(t, ctx) & (s.weight > 0)
            # the engine's weight is the per-shower probability per EOT: yield = mean over showers
            return {
                "yield": float(np.sum(s.weight[ok])) / n,
                "n_pass": float(ok.sum()),
                "w_pass": float(np.mean(s.weight[ok])) if ok.any() else 0.0,
            }

        return cached_rate("dimuon", ctx, (n, "per-shower-weights"), compute)

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """Mean over showers of the engine's per-EOT weight, for showers passing the pre-filter."""
        r = self._info(ctx)
        rel = 1.0 / math.sqrt(r["n_pass"]) if r["n_pass"] > 0 else 1.0
        return RateEstimate(r["yield"], rel, "simulation: shower engine forced gamma -> mu mu (Eq. 16-19)")

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` dimuon events passing the pre-filter, relative weights (mean ≈ 1)."""
        return conditioned(lambda k, r: self._draw(k, r, ctx), n, rng, ctx)


PROCESS = Dimuons()
