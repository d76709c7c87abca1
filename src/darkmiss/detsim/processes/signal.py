"""Signal: e⁻Z → e⁻ZA′, A′ → invisible (spec Sec. II, Eq. 8-13), from the shower engine's forced
A′ emission (:func:`darkmiss.shower.api` ``signal_sample``).

The engine's per-event weights w_i are emission probabilities per EOT at ε = 1 (Σw = yield per
EOT above the A′-energy threshold); the yield scales as ε² (spec Eq. 8).  The threshold is
E0 − E_th^ECAL so that every event able to fire the physics trigger (E_ECAL < 80 GeV) is generated.
Requires ``ctx.options["mass"]`` [GeV] and ``["epsilon"]``; ``["mediator"]`` (vector, scalar, pseudoscalar,
axial; default vector) chooses the forced emission (its cross-section and x distribution), and
``["model"]`` (a vector model, default dark-photon) the couplings: the yield of a model is its
production factor |g_e/(εe)|² (:meth:`darkmiss.physics.models.Model.production_factor`) × the
mediator's yield at g_e = εe. Both are written into the event files' metadata (``options``) only when
they differ from the default (absent = vector dark photon).

A positron beam (``ctx.beam_particle`` e+) starts the showers with an e⁺: its A′-strahlung and that of
every shower lepton are the same process. Resonant annihilation e⁺e⁻ → A′ (of the primary positron and
of shower positrons) is not part of this process; its yield enters the limits of ``darkmiss reproduce
--production`` with this process' efficiency.
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
from darkmiss.physics.models import Model, get_model
from darkmiss.shower.api import SignalSample
from darkmiss.shower.response import signal_sample


def _mass_eps(ctx: ProcessContext) -> tuple[float, float]:
    m = ctx.options.get("mass")
    eps = ctx.options.get("epsilon")
    if m is None or not (float(m) > 0 and math.isfinite(float(m))):
        raise UserInputError("mass", m, "a positive A' mass in GeV (--mass) for the signal process")
    if eps is None or not (float(eps) > 0 and math.isfinite(float(eps))):
        raise UserInputError("epsilon", eps, "a positive mixing strength (--epsilon) for the signal process")
    return float(m), float(eps)


def _model(ctx: ProcessContext) -> Model:
    """The signal's model: ``ctx.options["mediator"]`` (default vector) and ``["model"]`` (default the dark
    photon for a vector, the universal lepton coupling otherwise); a bad pair is a user error."""
    return get_model(ctx.options.get("model"), str(ctx.options.get("mediator", "vector")))


def signal_model_options(mediator: str = "vector", model: str | None = None) -> dict[str, str]:
    """The process options naming the signal's mediator and model (checked: a vector model needs the
    vector mediator); empty for the vector dark photon, whose event files carry no such option."""
    mod = get_model(model, mediator)
    if mod.name == "dark-photon":
        return {}
    out = {"mediator": mod.mediator.name}
    if mod.mediator.name == "vector":
        out["model"] = mod.name
    return out


class Signal:
    """A′ → invisible events at (m_A′, ε)."""

    name = "signal"
    #: CPU seconds per event by mode, measured on a 2-core laptop; scheduling only (generate.chunk_cost)
    cost_per_event: ClassVar[dict[str, float]] = {"data": 1e-3, "mc": 1e-3}

    def _threshold(self, ctx: ProcessContext) -> float:
        return max(ctx.beam_energy - PrefilterConfig.from_ctx(ctx).ecal_threshold, 0.0)

    def _sample(
        self, n: int, rng: np.random.Generator, ctx: ProcessContext, threshold: float
    ) -> SignalSample:
        m, _ = _mass_eps(ctx)
        return signal_sample(
            m, n, ctx.geometry, rng, energy=ctx.beam_energy, threshold=threshold, particle=ctx.beam_particle,
            mediator=_model(ctx).mediator.name,
        )  # fmt: skip

    def _draw(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        s = self._sample(n, rng, ctx, self._threshold(ctx))
        return forced_truth(s, Process.SIGNAL, rng, ctx, self._info(ctx)["w_pass"])

    def _info(self, ctx: ProcessContext) -> dict[str, float]:
        """Cached {yield per EOT at ε = 1 after the pre-filter, n_pass, mean weight of passing events}."""
        m, _ = _mass_eps(ctx)
        n = PrefilterConfig.from_ctx(ctx).rate_sample_events
        thr = self._threshold(ctx)
        med = _model(ctx).mediator.name

        def compute() -> dict[str, float]:
            rng = np.random.default_rng(20161)
            return forced_rate_info(self._sample(n, rng, ctx, thr), Process.SIGNAL, rng, ctx)

        # the vector's key is the one of the vector-only versions (their cached rates stay valid)
        key = (m, n, thr, "per-shower-weights") + (() if med == "vector" else (med,))
        return cached_rate("signal", ctx, key, compute)

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """ε² × the model's production factor × (the mediator's yield per EOT at ε = 1 above threshold, after
        the pre-filter) (spec Eq. 8)."""
        m, eps = _mass_eps(ctx)
        r = self._info(ctx)
        rel = 1.0 / math.sqrt(r["n_pass"]) if r["n_pass"] > 0 else 1.0
        factor = _model(ctx).production_factor("e-", m)
        return RateEstimate(
            eps**2 * factor * r["yield"], rel, "simulation: shower engine forced A' emission (Eq. 8-13)"
        )

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` signal events passing the pre-filter, with relative weights (mean ≈ 1)."""
        return conditioned(lambda k, r: self._draw(k, r, ctx), n, rng, ctx)


PROCESS = Signal()
