"""The SPS spill seen by the NA64 trigger (spec Sec. III-IV, VI.B): the instantaneous beam rate of each
triggered event, and the rate-resolved DAQ dead time.

Model (``[detector.spill]``, assumptions with their sources in detector.toml):

* the spill lasts ``spill_s`` (4.8 s, spec Sec. III) with a flat top;
* the mean intensity of one spill is uniform over the run's quoted range (spec Sec. IV,
  ``[runs.*] intensity_range``), rescaled so that its mean is the run's intensity (``spill_to_spill``);
* within a spill, on the time scales that matter for pile-up and dead time (ns to ms), the intensity
  fluctuates log-normally with mean 1 and duty factor DF = ⟨I⟩²/⟨I²⟩ (``duty_factor``), i.e.
  σ_ln² = −ln DF.

Triggers, like any beam particle, arrive in proportion to the instantaneous rate R, so the rate seen by
triggered events has the rate-weighted density R p(R)/⟨R⟩: for the log-normal factor this is the
same law with its log-mean moved by +σ_ln², for the uniform spill factor s ∈ [a, b] it is ∝ s.

Dead time (non-paralysable, spec Sec. VI.B): a trigger rate r = f_trig R with a dead time τ per trigger
loses the fraction d(r) = rτ/(1 + rτ) of the beam arriving at that rate; the run's dead time is the
rate-weighted mean of d. The EOT of the runs are counted after dead time (spec Sec. IV), so the dead
time enters neither the event rates nor ε_tot. τ is not in the spec: it is solved so that the mean over
the runs, weighted by delivered beam, is the spec's 7.4 % (``[from_spec.dead_time_mean]``, a calibrated
input). Units: s, ns, Hz.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from darkmiss.config.calibrated import calibrated
from darkmiss.config.load import Preset, required
from darkmiss.config.schema import RunConfig
from darkmiss.errors import UserInputError

#: Spill-to-spill models: the run's intensity range, or one intensity for every spill.
SPILL_TO_SPILL = ("uniform", "none")

#: Quadrature orders of the rate averages (Gauss–Hermite for the log-normal factor, Gauss–Legendre
#: for the uniform spill factor): exact to ~1e-10 for the smooth functions averaged here.
_N_HERMITE = 48
_N_LEGENDRE = 24


@dataclass(frozen=True)
class SpillModel:
    """``[detector.spill]`` with the spill length of ``[beam]``."""

    spill_s: float
    duty_factor: float
    spill_to_spill: str

    @classmethod
    def from_preset(cls, preset: Preset) -> SpillModel:
        """Read ``[detector.spill]`` (``duty_factor``, ``spill_to_spill``) and ``[beam] spill_s``."""
        t = required(preset.section("detector"), "spill", "[detector]")
        cfg = cls(
            spill_s=float(required(preset.section("beam"), "spill_s", "[beam]")),
            duty_factor=float(required(t, "duty_factor", "[detector.spill]")),
            spill_to_spill=str(required(t, "spill_to_spill", "[detector.spill]")),
        )
        if not 0 < cfg.duty_factor <= 1:
            raise UserInputError("preset [detector.spill] duty_factor", cfg.duty_factor, "in (0, 1]")
        if cfg.spill_to_spill not in SPILL_TO_SPILL:
            raise UserInputError(
                "preset [detector.spill] spill_to_spill", cfg.spill_to_spill, f"one of {SPILL_TO_SPILL}"
            )
        return cfg

    @property
    def sigma_ln(self) -> float:
        """σ of ln I within a spill: DF = exp(−σ²) for a log-normal of mean 1."""
        return math.sqrt(-math.log(self.duty_factor))

    def spill_range(self, run: RunConfig) -> tuple[float, float]:
        """Range (a, b) of the spill factor s (mean 1 over spills): the run's intensity range over its
        midpoint, rescaled to the run's mean intensity; (1, 1) without spill-to-spill variation."""
        lo, hi = run.intensity_range
        if self.spill_to_spill == "none" or hi <= lo:
            return 1.0, 1.0
        mid = 0.5 * (lo + hi)
        return lo / mid, hi / mid


def mean_rate_hz(run: RunConfig) -> float:
    """Mean beam rate during the spill [Hz]: intensity / spill length (spec Sec. III-IV)."""
    return run.intensity_per_spill / run.spill_s


def sample_trigger_rates(n: int, run: RunConfig, model: SpillModel, rng: np.random.Generator) -> np.ndarray:
    """Instantaneous beam rate [Hz] at ``n`` triggered events of ``run`` (rate-weighted, module docstring).

    Random numbers: the spill factors (n uniforms), then the in-spill factors (n normals).
    """
    a, b = model.spill_range(run)
    u = rng.random(n)
    s = np.sqrt(a * a + u * (b * b - a * a))  # density ∝ s on [a, b]: inverse CDF
    sig = model.sigma_ln
    x = np.exp(0.5 * sig * sig + sig * rng.standard_normal(n))  # rate-weighted log-normal of mean 1
    return np.asarray(mean_rate_hz(run) * s * x)


def _nodes(run: RunConfig, model: SpillModel) -> tuple[np.ndarray, np.ndarray]:
    """Rates [Hz] and probability weights of the (unweighted) spill × in-spill distribution."""
    a, b = model.spill_range(run)
    if b > a:
        xl, wl = np.polynomial.legendre.leggauss(_N_LEGENDRE)
        s = 0.5 * (b - a) * xl + 0.5 * (a + b)
        ws = 0.5 * wl
    else:
        s, ws = np.array([1.0]), np.array([1.0])
    z, wz = np.polynomial.hermite_e.hermegauss(_N_HERMITE)
    wz = wz / wz.sum()
    sig = model.sigma_ln
    x = np.exp(-0.5 * sig * sig + sig * z)  # log-normal of mean 1
    rate = mean_rate_hz(run) * s[:, None] * x[None, :]
    w = ws[:, None] * wz[None, :]
    return rate.ravel(), (w / w.sum()).ravel()


def rate_weighted_mean(
    run: RunConfig, model: SpillModel, fn: Callable[..., np.ndarray] | None = None, **kw: float
) -> float:
    """⟨R g(R)⟩ / ⟨R⟩ over the spill, g = ``fn`` (identity when None): the mean of g over beam particles."""
    rate, w = _nodes(run, model)
    g = rate if fn is None else fn(rate, **kw)
    return float(np.sum(w * rate * g) / np.sum(w * rate))


def effective_rate_hz(run: RunConfig, model: SpillModel) -> float:
    """Mean instantaneous rate seen by triggered events [Hz]: ⟨R²⟩/⟨R⟩ (= ⟨R⟩ ⟨s²⟩ / DF)."""
    return rate_weighted_mean(run, model)


def _dead_fraction(rate: np.ndarray, *, tau_per_particle_s: float) -> np.ndarray:
    """Non-paralysable dead fraction rτ/(1 + rτ) with rτ = R · f_trig · τ (the product given)."""
    rt = rate * tau_per_particle_s
    return np.asarray(rt / (1.0 + rt))


def run_dead_time(run: RunConfig, model: SpillModel, trigger_fraction: float, tau_ns: float) -> float:
    """Fraction of the beam of ``run`` lost to dead time: rate-weighted mean of Rf τ/(1 + Rf τ) (spec Sec. VI.B)."""
    return rate_weighted_mean(run, model, _dead_fraction, tau_per_particle_s=trigger_fraction * tau_ns * 1e-9)


def mean_dead_time(runs: list[RunConfig], model: SpillModel, trigger_fraction: float, tau_ns: float) -> float:
    """Dead time over the runs weighted by delivered beam: Σ N_i d_i / Σ N_i with N_i = EOT_i / (1 − d_i)."""
    d = np.array([run_dead_time(r, model, trigger_fraction, tau_ns) for r in runs])
    n = np.array([r.eot for r in runs]) / (1.0 - d)
    return float(np.sum(n * d) / np.sum(n))


@dataclass(frozen=True)
class DeadTime:
    """The per-trigger dead time solved from the calibrated mean, and the dead time of each run."""

    tau_ns: float
    trigger_fraction: float
    mean: float
    per_run: dict[str, float]


def calibrate_dead_time(preset: Preset, runs: list[RunConfig]) -> DeadTime:
    """τ per trigger [ns] such that :func:`mean_dead_time` over ``runs`` equals ``[from_spec.dead_time_mean]``,
    and the dead time of each run (a closure of that calibration, with the rate dependence predicted)."""
    model = SpillModel.from_preset(preset)
    target = calibrated(preset, "dead_time_mean").scalar()
    f_trig = calibrated(preset, "trigger_fraction").scalar()
    if not 0 < target < 1:
        raise UserInputError("preset [from_spec.dead_time_mean] value", target, "in (0, 1)")
    tau = brentq(lambda t: mean_dead_time(runs, model, f_trig, t) - target, 1e-3, 1e9, xtol=1e-6, rtol=1e-12)
    return DeadTime(
        tau_ns=float(tau),
        trigger_fraction=f_trig,
        mean=target,
        per_run={r.name: run_dead_time(r, model, f_trig, float(tau)) for r in runs},
    )
