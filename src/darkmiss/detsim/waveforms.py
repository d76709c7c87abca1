"""MSADC waveforms of the ECAL (spec Sec. III, VI.A): a shaper stretches the PMT pulse to
≈ 100 ns and the ADC samples it every 12.5 ns.

Pulse shape: CR-(RC)² shaper response p(t) = t² e^{−t/τ} / (2τ³) for t > 0 (unit integral;
e.g. Knoll, *Radiation Detection and Measurement*, 4th ed., Ch. 16), 98.6% of the charge within
8τ = 100 ns for τ = 12.5 ns.  Samples are p(t_k − t0) · Δt, calibrated so that the sum of the
samples of a pulse fully inside the window equals its energy [GeV].  Times in ns relative to the
trigger; the trigger sits at sample ``trigger_sample``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from darkmiss.config.load import Preset
from darkmiss.errors import UserInputError


@dataclass(frozen=True)
class WaveformConfig:
    """ECAL readout constants (``[detector.ecal]``): ns, GeV."""

    sample_ns: float
    n_samples: int
    trigger_sample: int
    pulse_rise_ns: float
    noise_per_sample_gev: float
    time_resolution_ns: float
    time_resolution_floor_ns: float

    @classmethod
    def from_preset(cls, preset: Preset) -> WaveformConfig:
        t = preset.section("detector").get("ecal")
        if not isinstance(t, dict):
            raise UserInputError("preset", preset.name, "a [detector.ecal] table")
        try:
            cfg = cls(
                sample_ns=float(t["sample_ns"]),
                n_samples=int(t["n_samples"]),
                trigger_sample=int(t["trigger_sample"]),
                pulse_rise_ns=float(t["pulse_rise_ns"]),
                noise_per_sample_gev=float(t["noise_per_sample_gev"]),
                time_resolution_ns=float(t["time_resolution_ns"]),
                time_resolution_floor_ns=float(t["time_resolution_floor_ns"]),
            )
        except KeyError as exc:
            raise UserInputError("preset [detector.ecal]", "(missing)", f"a value for {exc}") from None
        if cfg.sample_ns <= 0 or cfg.pulse_rise_ns <= 0 or not 0 <= cfg.trigger_sample < cfg.n_samples:
            raise UserInputError(
                "preset [detector.ecal]", t, "positive sampling/pulse times, trigger sample in window"
            )
        return cfg

    @property
    def window_start_ns(self) -> float:
        """Time of sample 0 relative to the trigger [ns]."""
        return -self.trigger_sample * self.sample_ns

    @property
    def window_end_ns(self) -> float:
        """End of the last sample relative to the trigger [ns]."""
        return (self.n_samples - self.trigger_sample) * self.sample_ns


@numba.njit(cache=True)
def _pulse_value(dt: float, tau: float) -> float:
    if dt <= 0.0:
        return 0.0
    x = dt / tau
    return x * x * np.exp(-x) / (2.0 * tau)


def _raw_samples(t0_ns: float, cfg: WaveformConfig) -> np.ndarray:
    out = np.zeros(cfg.n_samples)
    _add_pulse(out, 1.0, t0_ns, cfg.window_start_ns, cfg.sample_ns, cfg.pulse_rise_ns)
    return out


def calibration(cfg: WaveformConfig) -> float:
    """Calibration constant making the samples of an in-time pulse sum to its energy."""
    return 1.0 / float(_raw_samples(0.0, cfg).sum())


def pulse_samples(t0_ns: float, cfg: WaveformConfig) -> np.ndarray:
    """Samples (n_samples,) of a unit-energy pulse starting at ``t0_ns`` (relative to the trigger),
    calibrated so that an in-time pulse sums to 1."""
    return _raw_samples(t0_ns, cfg) * calibration(cfg)


@numba.njit(cache=True)
def _add_pulse(wave: np.ndarray, energy: float, t0: float, start: float, dt: float, tau: float) -> None:
    # sample k is taken at the middle of its 12.5 ns bin
    for k in range(wave.shape[0]):
        wave[k] += energy * _pulse_value(start + (k + 0.5) * dt - t0, tau) * dt


@numba.njit(cache=True)
def _overlay(
    wave: np.ndarray,  # (n, ny, nx, ns)
    event: np.ndarray,  # (m,) event index of each pile-up deposit
    cells: np.ndarray,  # (m, ny, nx) GeV
    times: np.ndarray,  # (m,) ns
    start: float,
    dt: float,
    tau: float,
) -> None:
    ns = wave.shape[3]
    for j in range(event.shape[0]):
        i = event[j]
        for a in range(cells.shape[1]):
            for b in range(cells.shape[2]):
                e = cells[j, a, b]
                if e != 0.0:
                    for k in range(ns):
                        wave[i, a, b, k] += e * _pulse_value(start + (k + 0.5) * dt - times[j], tau) * dt


def pulse_matrix(times_ns: np.ndarray, cfg: WaveformConfig) -> np.ndarray:
    """Calibrated unit-pulse samples (m, n_samples) for pulses starting at ``times_ns`` (m,)."""
    t = np.asarray(times_ns, dtype=float).ravel()
    tk = cfg.window_start_ns + (np.arange(cfg.n_samples) + 0.5) * cfg.sample_ns
    x = np.clip((tk[None, :] - t[:, None]) / cfg.pulse_rise_ns, 0.0, None)
    return x * x * np.exp(-x) / (2.0 * cfg.pulse_rise_ns) * cfg.sample_ns * calibration(cfg)


def in_window_fraction(times_ns: np.ndarray, cfg: WaveformConfig) -> np.ndarray:
    """Fraction of a unit pulse starting at each time that the readout window's samples collect."""
    return pulse_matrix(times_ns, cfg).sum(axis=1).reshape(np.shape(times_ns))


def build_waveforms(
    cells: np.ndarray,
    t0_ns: np.ndarray,
    cfg: WaveformConfig,
    pileup_event: np.ndarray | None = None,
    pileup_cells: np.ndarray | None = None,
    pileup_times: np.ndarray | None = None,
) -> np.ndarray:
    """Noise-free waveforms (n, ny, nx, n_samples) [GeV/sample].

    ``cells`` (n, ny, nx) are the triggered particle's deposits with start times ``t0_ns`` (n,);
    pile-up deposits ``pileup_cells`` (m, ny, nx) at ``pileup_times`` (m,) are added to events
    ``pileup_event`` (m,).
    """
    cells = np.asarray(cells, dtype=np.float64)
    n = cells.shape[0]
    wave = np.zeros((*cells.shape, cfg.n_samples))
    if n:
        # one pulse per event (all cells share the event time): outer product with its samples
        uniq = np.unique(t0_ns)
        if uniq.size == 1:
            wave += cells[..., None] * pulse_samples(float(uniq[0]), cfg)
        else:
            shapes = np.stack([pulse_samples(float(t), cfg) for t in t0_ns])
            wave += cells[..., None] * shapes[:, None, None, :]
    if (
        pileup_event is not None
        and pileup_cells is not None
        and pileup_times is not None
        and len(pileup_event)
    ):
        _overlay(
            wave,
            np.ascontiguousarray(pileup_event, dtype=np.int64),
            np.ascontiguousarray(pileup_cells, dtype=np.float64) * calibration(cfg),
            np.ascontiguousarray(pileup_times, dtype=np.float64),
            cfg.window_start_ns,
            cfg.sample_ns,
            cfg.pulse_rise_ns,
        )
    return wave


@numba.njit(cache=True)
def _fill_kept(
    wave: np.ndarray,  # (n, ny, nx, ns) float32, filled in the kept cells
    keep: np.ndarray,  # (n, ny, nx) bool
    cells: np.ndarray,  # (n, ny, nx) GeV of the triggered particle (pulse starting at 0)
    unit: np.ndarray,  # (ns,) calibrated samples of a unit in-time pulse
    event: np.ndarray,  # (m,) event of each pile-up particle
    pu_cells: np.ndarray,  # (m, ny, nx) GeV, calibrated
    times: np.ndarray,  # (m,) ns
    start: float,
    dt: float,
    tau: float,
) -> None:
    ns = wave.shape[3]
    for i in range(wave.shape[0]):
        for a in range(wave.shape[1]):
            for b in range(wave.shape[2]):
                if keep[i, a, b]:
                    e = cells[i, a, b]
                    for k in range(ns):
                        wave[i, a, b, k] += e * unit[k]
    for j in range(event.shape[0]):
        i = event[j]
        for a in range(wave.shape[1]):
            for b in range(wave.shape[2]):
                e = pu_cells[j, a, b]
                if keep[i, a, b] and e != 0.0:
                    for k in range(ns):
                        wave[i, a, b, k] += e * _pulse_value(start + (k + 0.5) * dt - times[j], tau) * dt


def kept_waveforms(
    cells: np.ndarray,
    keep: np.ndarray,
    noise_sums: np.ndarray,
    cfg: WaveformConfig,
    rng: np.random.Generator,
    pileup_event: np.ndarray,
    pileup_cells: np.ndarray,
    pileup_times: np.ndarray,
    noise_per_sample: float,
) -> np.ndarray:
    """Waveforms (n, ny, nx, n_samples) [GeV/sample, float32] of the cells ``keep`` only (0 elsewhere).

    Pulses: the triggered particle's ``cells`` (n, ny, nx) in time (start 0 ns) and the pile-up deposits
    ``pileup_cells`` (m, ny, nx) at ``pileup_times`` (m,) of events ``pileup_event``. Noise: Gaussian
    per sample of rms ``noise_per_sample`` [GeV] conditioned on the cell's noise sum ``noise_sums``
    (n, ny, nx) already drawn (z − z̄ + S/n_samples for iid z: exact, the deviations from the mean of
    iid Gaussians are independent of it), so that every kept waveform sums to its cell energy.
    Random numbers: one normal per sample of each kept cell, in C order of the kept cells.
    """
    n = cells.shape[0]
    wave = np.zeros((*cells.shape, cfg.n_samples), dtype=np.float64)
    if n == 0:
        return wave.astype(np.float32)
    _fill_kept(
        wave,
        np.ascontiguousarray(keep, dtype=np.bool_),
        np.ascontiguousarray(cells, dtype=np.float64),
        pulse_samples(0.0, cfg),
        np.ascontiguousarray(pileup_event, dtype=np.int64),
        np.ascontiguousarray(pileup_cells, dtype=np.float64) * calibration(cfg),
        np.ascontiguousarray(pileup_times, dtype=np.float64),
        cfg.window_start_ns,
        cfg.sample_ns,
        cfg.pulse_rise_ns,
    )
    k = int(keep.sum())
    if k:
        z = noise_per_sample * rng.standard_normal((k, cfg.n_samples))
        z += (noise_sums[keep] / cfg.n_samples - z.mean(axis=1))[:, None]
        wave[keep] += z
    return wave.astype(np.float32)


def add_noise(wave: np.ndarray, cfg: WaveformConfig, rng: np.random.Generator) -> np.ndarray:
    """Add Gaussian electronic noise per sample (pedestal-subtracted) [GeV/sample]."""
    return wave + cfg.noise_per_sample_gev * rng.standard_normal(wave.shape)


def pulse_peak_time(wave: np.ndarray, cfg: WaveformConfig) -> np.ndarray:
    """Start time [ns] of the largest pulse per cell from the highest sample (parabolic
    interpolation of the peak, minus the shaper's peaking time 2τ); shape wave.shape[:-1]."""
    k = np.argmax(wave, axis=-1)
    k0 = np.clip(k, 1, cfg.n_samples - 2)
    ym = np.take_along_axis(wave, (k0 - 1)[..., None], -1)[..., 0]
    y0 = np.take_along_axis(wave, k0[..., None], -1)[..., 0]
    yp = np.take_along_axis(wave, (k0 + 1)[..., None], -1)[..., 0]
    den = ym - 2 * y0 + yp
    off = np.where(np.abs(den) > 1e-12, 0.5 * (ym - yp) / np.where(den == 0, 1, den), 0.0)
    off = np.clip(off, -0.5, 0.5)
    t_peak = cfg.window_start_ns + (k0 + 0.5 + off) * cfg.sample_ns
    return t_peak - 2.0 * cfg.pulse_rise_ns
