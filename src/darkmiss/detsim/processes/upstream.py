"""e⁻ interactions in beam-line material (spec Sec. VIII): the calibrated background process.

A 100 GeV e⁻ (momentum measured, SR emitted in the magnets) interacts in material downstream of
its momentum measurement (windows, residual gas, counters) and reaches the ECAL as a lower-energy
electron E_e, its secondaries partly outside the acceptance.

Calibration (spec Sec. VIII, side band C, Fig. 13; ``[from_spec.upstream_slope]`` and
``[from_spec.upstream_box_events]``): the E_ECAL spectrum of the events surviving all cuts is
dN/dE = A e^{sE}; the extrapolated count in the box (E < 50 GeV) is n_b per run, so
A = n_b s / (EOT (e^{50 s} − e^{s e_min})) and the clean rate per EOT over [e_min, e_max] is
R_clean = (A/s)(e^{s e_max} − e^{s e_min}). "Dirty" events (secondaries seen: extra upstream
hits, V2, HCAL activity with large time spread, large incoming angle) are added at
``dirty_per_clean`` × R_clean with the same spectrum; the analysis cuts remove them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from darkmiss.config.calibrated import calibrated
from darkmiss.config.load import Preset
from darkmiss.detsim.background_config import BeamFractions, background_table, table_number
from darkmiss.detsim.em_deposits import em_response
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.srd import electron_sr
from darkmiss.detsim.truth import TruthBatch
from darkmiss.errors import UserInputError
from darkmiss.events.schema import Process


@dataclass(frozen=True)
class UpstreamConfig:
    """Side-band-C calibration per run (``[from_spec.upstream_*]``) and the process settings
    (``[backgrounds.upstream]``)."""

    slope: dict[str, float]  # 1/GeV
    box_events: dict[str, float]
    box_events_err: dict[str, float]
    box_e_max: float
    e_min: float
    e_max: float
    dirty_per_clean: float
    dirty_angle_mrad: float
    offset_sigma_cm: float
    dirty_time_spread_ns: float
    dirty_hcal_mean: float

    @classmethod
    def from_preset(cls, preset: Preset) -> UpstreamConfig:
        t = background_table(preset, "upstream")

        def per_run(name: str, err: bool = False) -> dict[str, float]:
            c = calibrated(preset, name)
            v: Any = c.err if err else c.value
            if not isinstance(v, dict):
                raise UserInputError(
                    f"preset [from_spec.{name}] {'err' if err else 'value'}",
                    v,
                    "a table {I = .., II = .., III = ..}",
                )
            return {str(k): float(x) for k, x in v.items()}

        scal = {
            k: table_number(t, k, "upstream")
            for k in (
                "box_e_max",
                "e_min",
                "e_max",
                "dirty_per_clean",
                "dirty_angle_mrad",
                "offset_sigma_cm",
                "dirty_time_spread_ns",
                "dirty_hcal_mean",
            )
        }
        cfg = cls(
            slope=per_run("upstream_slope"),
            box_events=per_run("upstream_box_events"),
            box_events_err=per_run("upstream_box_events", err=True),
            **scal,
        )
        if not 0 < cfg.e_min < cfg.box_e_max < cfg.e_max:
            raise UserInputError(
                "[backgrounds.upstream] e_min/box_e_max/e_max",
                (cfg.e_min, cfg.box_e_max, cfg.e_max),
                "0 < e_min < box_e_max < e_max",
            )
        return cfg

    def run_params(self, run: str) -> tuple[float, float, float]:
        """(slope [1/GeV], n_b, σ(n_b)) of ``run``; a run needs all three in ``[from_spec]``."""
        if run not in self.slope or run not in self.box_events or run not in self.box_events_err:
            raise UserInputError(
                "run",
                run,
                f"one of {', '.join(self.slope)} (calibrated in [from_spec.upstream_slope] and"
                " [from_spec.upstream_box_events])",
            )
        return self.slope[run], self.box_events[run], self.box_events_err[run]


def clean_rate(cfg: UpstreamConfig, run: str, eot: float) -> float:
    """Rate per EOT of clean upstream events on [e_min, e_max] (module docstring formula)."""
    s, nb, _ = cfg.run_params(run)
    a_over_s = nb / (eot * (np.exp(s * cfg.box_e_max) - np.exp(s * cfg.e_min)))
    return float(a_over_s * (np.exp(s * cfg.e_max) - np.exp(s * cfg.e_min)))


def box_fraction(cfg: UpstreamConfig, run: str) -> float:
    """Fraction of clean events with true E_e < box_e_max."""
    s, _, _ = cfg.run_params(run)
    return float(
        (np.exp(s * cfg.box_e_max) - np.exp(s * cfg.e_min)) / (np.exp(s * cfg.e_max) - np.exp(s * cfg.e_min))
    )


def sample_energy(n: int, rng: np.random.Generator, slope: float, lo: float, hi: float) -> np.ndarray:
    """E [GeV] from dN/dE ∝ e^{slope E} on [lo, hi] (inverse CDF)."""
    u = rng.random(n)
    return np.asarray(np.log(np.exp(slope * lo) + u * (np.exp(slope * hi) - np.exp(slope * lo))) / slope)


def energy_range(cfg: UpstreamConfig, ctx: ProcessContext) -> tuple[float, float]:
    """Generated E_e range [GeV]: [e_min, e_max], or ``ctx.options["upstream_e_range"]`` inside it
    (e.g. (0.3, 50) to study the signal box without waiting for its e^{−s ΔE} tail)."""
    lo, hi = cfg.e_min, cfg.e_max
    opt = ctx.options.get("upstream_e_range")
    if opt is not None:
        a, b = (float(v) for v in opt)
        if not cfg.e_min <= a < b <= cfg.e_max:
            raise UserInputError("upstream_e_range", opt, f"a sub-range of [{cfg.e_min}, {cfg.e_max}] GeV")
        lo, hi = a, b
    return lo, hi


class UpstreamProcess:
    """Upstream e⁻ interactions (Table IV "e⁻ interactions in the beam line materials")."""

    name = "upstream"
    #: CPU seconds per event by mode, measured on a 2-core laptop; scheduling only (generate.chunk_cost)
    cost_per_event: ClassVar[dict[str, float]] = {"data": 1e-3, "mc": 6e-4}

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        """Calibrated rate per EOT (clean + dirty) for ``ctx.run`` in the generated energy range."""
        cfg = UpstreamConfig.from_preset(ctx.preset)
        s, nb, err = cfg.run_params(ctx.run.name)
        lo, hi = energy_range(cfg, ctx)
        frac = (np.exp(s * hi) - np.exp(s * lo)) / (np.exp(s * cfg.e_max) - np.exp(s * cfg.e_min))
        r = clean_rate(cfg, ctx.run.name, ctx.run.eot) * (1.0 + cfg.dirty_per_clean) * frac
        return RateEstimate(
            float(r), err / nb if nb > 0 else 1.0, "calibrated: spec Sec. VIII side band C (slopes, n_b)"
        )

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        """``n`` upstream-interaction events (clean and dirty mixed by their rates)."""
        cfg = UpstreamConfig.from_preset(ctx.preset)
        beam = BeamFractions.from_preset(ctx.preset)
        s, _, _ = cfg.run_params(ctx.run.name)
        lo, hi = energy_range(cfg, ctx)
        e = sample_energy(n, rng, s, lo, hi)
        dirty = rng.random(n) < cfg.dirty_per_clean / (1.0 + cfg.dirty_per_clean)
        x = cfg.offset_sigma_cm * rng.standard_normal(n)
        y = cfg.offset_sigma_cm * rng.standard_normal(n)
        em = em_response(e, x, y, ctx.geometry, rng, particle=ctx.beam_particle)
        b = TruthBatch.empty(n)
        b.process[:] = int(Process.UPSTREAM)
        b.beam_energy[:] = ctx.beam_energy
        b.angle_in_mrad[:] = np.abs(beam.angle_sigma_mrad * rng.standard_normal(n))
        nd = int(dirty.sum())
        b.angle_in_mrad[dirty] += rng.exponential(cfg.dirty_angle_mrad, nd)
        hits = np.zeros((nd, 6), np.int16)
        st = rng.integers(0, 6, nd)
        hits[np.arange(nd), st] = rng.integers(1, 4, nd)
        b.extra_upstream_hits[dirty] = hits
        b.ecal[:] = em.ecal
        b.ps[:] = em.ps
        hcal = em.hcal.copy()
        # dirty: secondaries (low-energy neutrals/charged) spread over the HCAL face, late and wide
        e_sec = rng.exponential(cfg.dirty_hcal_mean, nd)
        cells = rng.dirichlet(np.ones(9), nd).reshape(nd, 3, 3)
        hcal[dirty, 0] += e_sec[:, None, None] * cells
        b.hcal[:] = hcal
        v2 = em.v2.copy()
        v2[dirty] += rng.poisson(1.5, nd)
        b.v2[:] = v2
        b.hcal_time_spread_ns[dirty] = rng.exponential(cfg.dirty_time_spread_ns, nd)
        b.missing_energy[:] = ctx.beam_energy - e
        # the 100 GeV e- radiated in the magnets before interacting: a genuine SRD tag
        b.sr_energy[:] = electron_sr(b.beam_energy, rng, ctx.preset)
        return b


PROCESS = UpstreamProcess()
