"""The NA64 spectrometer (spec Sec. III): MM1-2 upstream, MM3-4 and GEM1-2 downstream of two
dipoles of ∫B dl ≈ 7 T·m.

Momentum from the deflection angle θ_d = 0.2998 ∫B dl / p (rad, p in GeV, B in T·m; PDG
"Passage of particles", magnetic rigidity), measured as the difference of the outgoing and
incoming arm angles: δp/p = σ(θ_d)/θ_d = √(σ_in² + σ_out²)/θ_d (≈ 1% at 100 GeV, spec Sec. III).
Data mode: station efficiency decreasing linearly with the beam rate, extra tracks from beam
particles within the resolving time.  Units: GeV, mrad, ns.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkmiss.config.load import Preset
from darkmiss.detsim.srd import RIGIDITY_GEV_PER_TM
from darkmiss.errors import UserInputError


@dataclass(frozen=True)
class TrackerConfig:
    """``[detector.tracker]``."""

    field_integral_tm: float
    angle_resolution_in_mrad: float
    angle_resolution_out_mrad: float
    station_efficiency: float
    efficiency_loss_per_mhz: float
    resolving_time_ns: float
    noise_hit_probability: float

    @classmethod
    def from_preset(cls, preset: Preset) -> TrackerConfig:
        t = preset.section("detector").get("tracker")
        if not isinstance(t, dict):
            raise UserInputError("preset", preset.name, "a [detector.tracker] table")
        try:
            cfg = cls(**{k: float(t[k]) for k in cls.__dataclass_fields__})
        except KeyError as exc:
            raise UserInputError("preset [detector.tracker]", "(missing)", f"a value for {exc}") from None
        if not 0 < cfg.station_efficiency <= 1:
            raise UserInputError(
                "preset [detector.tracker] station_efficiency", cfg.station_efficiency, "in (0, 1]"
            )
        return cfg

    def station_efficiency_at(self, rate_hz: np.ndarray | float) -> np.ndarray:
        """Hit efficiency per station at beam rates [1/s] (linear loss, clipped at 0), same shape."""
        loss = self.efficiency_loss_per_mhz * np.asarray(rate_hz, dtype=float) * 1e-6
        return np.asarray(np.clip(self.station_efficiency - loss, 0.0, None))


def deflection_mrad(momentum: np.ndarray | float, field_integral_tm: float) -> np.ndarray:
    """Deflection angle [mrad] of a unit-charge particle: θ = 0.2998 ∫B dl / p (PDG)."""
    return 1e3 * RIGIDITY_GEV_PER_TM * field_integral_tm / np.asarray(momentum, dtype=float)


@dataclass
class TrackerResult:
    """Tracker readout and reconstruction of ``n`` events."""

    hits: np.ndarray  # (n, 6) int16 hits per station
    n_tracks_in: np.ndarray  # (n,) int16
    momentum: np.ndarray  # (n,) GeV; 0 where no track could be reconstructed
    angle_in_mrad: np.ndarray  # (n,)
    angle_out_mrad: np.ndarray  # (n,)


def reconstruct(
    beam_energy: np.ndarray,
    angle_in_mrad: np.ndarray,
    n_tracks_true: np.ndarray,
    extra_hits: np.ndarray,
    cfg: TrackerConfig,
    rng: np.random.Generator,
    *,
    rate_hz: np.ndarray | float = 0.0,
    intime_tracks: np.ndarray | None = None,
    kink_mrad: np.ndarray | None = None,
) -> TrackerResult:
    """Hits, incoming-track count, momentum and angles.

    The primary particle leaves one hit per station with the (rate-dependent) efficiency; a
    track needs both upstream stations (incoming) and ≥ 2 of the 4 downstream ones (momentum).
    ``extra_hits`` (n, 6) from the process (upstream secondaries), ``intime_tracks`` (n,) beam
    particles within the resolving time (data mode) add hits and incoming tracks; ``rate_hz`` is the
    beam rate at each event (or one for all).
    """
    n = beam_energy.shape[0]
    eff = np.broadcast_to(cfg.station_efficiency_at(rate_hz), (n,))[:, None]
    seen = rng.random((n, 6)) < eff
    extra = np.asarray(extra_hits, dtype=np.int64)
    pu = np.zeros(n, np.int64) if intime_tracks is None else np.asarray(intime_tracks, dtype=np.int64)
    noise = (rng.random((n, 6)) < cfg.noise_hit_probability).astype(np.int64)
    hits = seen.astype(np.int64) + extra + noise + pu[:, None] * (rng.random((n, 6)) < eff)
    has_in = seen[:, 0] & seen[:, 1]
    has_out = seen[:, 2:].sum(axis=1) >= 2
    n_in = np.where(has_in, np.asarray(n_tracks_true, dtype=np.int64), np.maximum(n_tracks_true - 1, 0)) + pu
    s_in = cfg.angle_resolution_in_mrad
    s_out = cfg.angle_resolution_out_mrad
    kink = np.zeros((n, 2)) if kink_mrad is None else np.asarray(kink_mrad, dtype=float)
    th_in = np.asarray(angle_in_mrad, dtype=float) + s_in * rng.standard_normal(n)
    th_d = deflection_mrad(np.maximum(beam_energy, 1e-3), cfg.field_integral_tm) + kink[:, 0]
    meas_d = th_d + np.hypot(s_in, s_out) * rng.standard_normal(n)
    p = np.where(
        has_in & has_out & (meas_d > 0),
        deflection_mrad(1.0, cfg.field_integral_tm) / np.maximum(meas_d, 1e-9),
        0.0,
    )
    th_out = np.sqrt(
        (np.asarray(angle_in_mrad, dtype=float) + s_out * rng.standard_normal(n)) ** 2 + (kink**2).sum(axis=1)
    )
    return TrackerResult(
        hits=np.clip(hits, 0, 32767).astype(np.int16),
        n_tracks_in=np.clip(n_in, 0, 32767).astype(np.int16),
        momentum=p,
        angle_in_mrad=np.where(has_in, np.abs(th_in), 0.0),
        angle_out_mrad=np.where(has_out, th_out, 0.0),
    )
