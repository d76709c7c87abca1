"""Ordinary electromagnetic showers of beam electrons in the ECAL (spec Sec. III-IV), and the
helpers the shower-based processes share (truth from a calorimeter response, the truth-level
pre-filter, cached rate estimates).

Most showers deposit the full beam energy and fail the physics trigger's E_ECAL < 80 GeV
(Eq. 14); under the calibration trigger (Sec. VI.B) nearly all pass and the class is stored
prescaled with weights (``[production.prescale]``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from darkmiss.cache import cached_json, hash_key, store_json
from darkmiss.config.load import required
from darkmiss.constants import M_E
from darkmiss.detsim.beam import BeamConfig, sample_beam
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.srd import SRDConfig, sr_counter_energies
from darkmiss.detsim.truth import TruthBatch
from darkmiss.events.schema import Process
from darkmiss.shower.api import CaloResponse, SignalSample
from darkmiss.shower.response import SAMPLE_VERSION, em_response


@dataclass(frozen=True)
class PrefilterConfig:
    """Truth-level pre-filter (``[production.prefilter]``, ``[production.prefilter_cuts]``) and the
    trigger thresholds of Eq. 14 (``[detector.ecal]``)."""

    trigger: bool
    srd_tag: bool
    one_track: bool
    srd_min_gev: float
    ps_threshold: float
    ecal_threshold: float
    rate_sample_events: int

    @classmethod
    def from_ctx(cls, ctx: ProcessContext) -> PrefilterConfig:
        prod = ctx.preset.section("production")
        det = ctx.preset.section("detector")
        pf = required(prod, "prefilter", "[production]")
        cuts = required(prod, "prefilter_cuts", "[production]")
        ecal = required(det, "ecal", "[detector]")
        return cls(
            trigger=bool(required(pf, "trigger", "[production.prefilter]")),
            srd_tag=bool(required(pf, "srd_tag", "[production.prefilter]")),
            one_track=bool(required(pf, "one_track", "[production.prefilter]")),
            srd_min_gev=float(required(cuts, "srd_min_gev", "[production.prefilter_cuts]")),
            ps_threshold=float(required(ecal, "trigger_ps_threshold", "[detector.ecal]")),
            ecal_threshold=float(required(ecal, "trigger_ecal_threshold", "[detector.ecal]")),
            rate_sample_events=int(required(cuts, "rate_sample_events", "[production.prefilter_cuts]")),
        )


def prefilter_mask(truth: TruthBatch, ctx: ProcessContext) -> np.ndarray:
    """Truth-level pre-filter (spec Sec. IV): trigger (Eq. 14 on true deposits; the calibration
    trigger drops the ECAL threshold), SRD tag in all three counters, one incoming track."""
    cfg = PrefilterConfig.from_ctx(ctx)
    ok = np.ones(truth.n, bool)
    if cfg.trigger:
        ps = truth.ps.sum(axis=(1, 2))
        ok &= ps > cfg.ps_threshold
        if ctx.options.get("trigger", "physics") == "physics":
            ok &= (truth.ecal.sum(axis=(1, 2)) + ps) < cfg.ecal_threshold
    if cfg.srd_tag:
        ok &= np.all(truth.sr_energy > cfg.srd_min_gev, axis=1)
    if cfg.one_track:
        ok &= truth.n_tracks_in == 1
    return ok


def truth_from_response(
    resp: CaloResponse,
    process: Process,
    beam_energy: np.ndarray,
    angle_mrad: np.ndarray,
    rng: np.random.Generator,
    ctx: ProcessContext,
    *,
    weight: np.ndarray | None = None,
    aprime_energy: np.ndarray | None = None,
    mass: float = 0.0,
) -> TruthBatch:
    """A :class:`TruthBatch` of beam electrons whose calorimeter response is ``resp``; the SR
    they emitted in the magnets reaches the SRD (:func:`darkmiss.detsim.srd.sr_counter_energies`)."""
    n = resp.ecal.shape[0]
    t = TruthBatch.empty(n)
    t.process[:] = int(process)
    if weight is not None:
        t.weight[:] = weight
    t.beam_energy[:] = beam_energy
    t.angle_in_mrad[:] = angle_mrad
    t.sr_energy[:] = sr_counter_energies(beam_energy, M_E, rng, SRDConfig.from_preset(ctx.preset))
    t.ecal[:] = resp.ecal
    t.ps[:] = resp.ps
    t.hcal[:] = resp.hcal
    t.v2[:] = resp.v2
    t.missing_energy[:] = resp.leak
    if aprime_energy is not None:
        t.aprime_energy[:] = aprime_energy
        t.mass[:] = mass
    return t


def conditioned(
    draw: Callable[[int, np.random.Generator], TruthBatch],
    n: int,
    rng: np.random.Generator,
    ctx: ProcessContext,
    *,
    max_rounds: int = 200,
) -> TruthBatch:
    """Exactly ``n`` events of ``draw`` passing :func:`prefilter_mask` (rejection sampling)."""
    parts: list[TruthBatch] = []
    have = 0
    batch = max(n, 16)
    for _ in range(max_rounds):
        if have >= n:
            break
        t = draw(batch, rng)
        t = t.select(prefilter_mask(t, ctx))
        parts.append(t)
        have += t.n
        # adapt the batch to the observed acceptance
        batch = min(max(2 * (n - have), 16), 50000)
    if have < n:
        raise RuntimeError(f"pre-filter acceptance too low to draw {n} events")
    out = TruthBatch.concatenate(parts)
    return out.select(np.arange(n))


def forced_truth(
    s: SignalSample, process: Process, rng: np.random.Generator, ctx: ProcessContext, w_pass: float
) -> TruthBatch:
    """The events of a forced sample ``s`` (one A′ emission or one resonant annihilation per shower): beam
    angles from the beam profile, relative weights w_i / ``w_pass`` (the yield enters through the rate),
    missing energy = the invisible energy + the leak; showers without a forced process (weight 0) are
    not signal events."""
    n = s.weight.size
    beam = sample_beam(n, rng, BeamConfig.from_preset(ctx.preset), electrons_only=True)
    ang = np.where(beam.tail, 0.0, beam.angle_mrad)
    t = truth_from_response(
        s.response, process, np.full(n, ctx.beam_energy), ang, rng, ctx,
        weight=s.weight / max(w_pass, 1e-300), aprime_energy=s.aprime_energy, mass=s.mass,
    )  # fmt: skip
    t.missing_energy[:] = s.aprime_energy + s.response.leak
    return t.select(s.weight > 0)


def forced_rate_info(
    s: SignalSample, process: Process, rng: np.random.Generator, ctx: ProcessContext
) -> dict[str, float]:
    """{yield per EOT at ε = 1 after the pre-filter, n_pass, mean weight of passing events} of the forced
    sample ``s`` (its weights are per-shower probabilities: yield = mean over showers)."""
    n = s.weight.size
    t = truth_from_response(s.response, process, np.full(n, ctx.beam_energy), np.zeros(n), rng, ctx)
    ok = prefilter_mask(t, ctx) & (s.weight > 0)
    return {
        "yield": float(np.sum(s.weight[ok])) / n,
        "n_pass": float(ok.sum()),
        "w_pass": float(np.mean(s.weight[ok])) if ok.any() else 0.0,
    }


def cached_rate(
    kind: str, ctx: ProcessContext, extra: Any, compute: Callable[[], dict[str, float]]
) -> dict[str, float]:
    """A rate estimate ``compute()`` cached under the preset digest, run-independent options, ``extra`` and
    the engine's :data:`darkmiss.shower.response.SAMPLE_VERSION`."""
    key = hash_key(kind, ctx.preset.digest(), ctx.options.get("trigger", "physics"), extra, SAMPLE_VERSION)
    hit = cached_json("detsim-rates", key)
    if isinstance(hit, dict):
        return {k: float(v) for k, v in hit.items()}
    val = compute()
    store_json("detsim-rates", key, val)
    return val


class EMShowers:
    """Ordinary showers of the beam lepton, e⁻ or e⁺ (``Process.EM_SHOWER``; ``Process.CALIBRATION``
    under the calibration trigger)."""

    name = "em"

    def _draw(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        beam = sample_beam(n, rng, BeamConfig.from_preset(ctx.preset), electrons_only=True)
        # the low-energy tail belongs to the upstream/accidental backgrounds: core electrons only
        e = np.where(beam.tail, ctx.beam_energy, beam.energy)
        ang = np.where(beam.tail, 0.0, beam.angle_mrad)
        # halo electrons mostly miss the ECAL and fire V1: ordinary showers use the core spot
        x = np.where(beam.halo, 0.0, beam.x_cm)
        y = np.where(beam.halo, 0.0, beam.y_cm)
        resp = em_response(e, x, y, ctx.geometry, rng, particle=ctx.beam_particle)
        code = Process.CALIBRATION if ctx.options.get("trigger") == "calibration" else Process.EM_SHOWER
        return truth_from_response(resp, code, e, ang, rng, ctx)

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """Fraction of beam e⁻ passing the pre-filter, from a simulated sample (cached)."""
        cfg = PrefilterConfig.from_ctx(ctx)
        n = cfg.rate_sample_events

        def compute() -> dict[str, float]:
            rng = np.random.default_rng(20160)
            t = self._draw(n, rng, ctx)
            k = int(prefilter_mask(t, ctx).sum())
            return {"k": k, "n": n}

        r = cached_rate("em", ctx, n, compute)
        k, nn = r["k"], r["n"]
        if k == 0:
            return RateEstimate(0.0, 1.0, f"simulation: 0/{int(nn)} pass (< {3.0 / nn:.1e} at 95% CL)")
        return RateEstimate(k / nn, 1.0 / np.sqrt(k), f"simulation: {int(k)}/{int(nn)} pass the pre-filter")

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` showers passing the pre-filter."""
        return conditioned(lambda m, r: self._draw(m, r, ctx), n, rng, ctx)


PROCESS = EMShowers()
