"""Tracking selection (spec Sec. III-IV, VIII): one incoming track, P = 100 ± 2 GeV, small incoming
angle (the Ke3 cut, < 5 mrad), no extra upstream hits. Momenta GeV, angles mrad.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkmiss.reco.config import TrackingConfig


@dataclass
class TrackReco:
    """Track quantities of ``n`` events: counts, momentum [GeV], angles [mrad], upstream hits."""

    n_tracks: np.ndarray
    momentum: np.ndarray
    angle_in: np.ndarray
    angle_out: np.ndarray
    upstream_hits: np.ndarray

    def one_track(self, cfg: TrackingConfig) -> np.ndarray:
        """Exactly ``cfg.n_tracks`` (one) incoming track (spec Sec. IV)."""
        return self.n_tracks == cfg.n_tracks

    def momentum_ok(self, cfg: TrackingConfig) -> np.ndarray:
        """|P − 100| ≤ 2 GeV (spec Sec. IV)."""
        return np.abs(self.momentum - cfg.momentum) <= cfg.momentum_window

    def angle_ok(self, cfg: TrackingConfig) -> np.ndarray:
        """Track angle below 5 mrad upstream and downstream of the magnets (spec Sec. VIII Ke3 cut; Sec. IV
        'small angle')."""
        return np.maximum(np.abs(self.angle_in), np.abs(self.angle_out)) < cfg.max_angle_in_mrad

    def upstream_ok(self, cfg: TrackingConfig) -> np.ndarray:
        """No upstream station (MM1, MM2) with more hits than one track gives (spec Sec. VIII)."""
        return self.upstream_hits <= cfg.max_upstream_hits


def reconstruct_tracks(arrays: dict[str, np.ndarray]) -> TrackReco:
    """Track quantities from the event branches (``n_tracks_in``, ``track_*``, ``tracker_hits``)."""
    hits = np.asarray(arrays["tracker_hits"])
    return TrackReco(
        n_tracks=np.asarray(arrays["n_tracks_in"]).astype(np.int64),
        momentum=np.asarray(arrays["track_momentum"], dtype=np.float64),
        angle_in=np.asarray(arrays["track_angle_in"], dtype=np.float64),
        angle_out=np.asarray(arrays["track_angle_out"], dtype=np.float64),
        upstream_hits=hits[:, :2].max(axis=1).astype(np.int64),
    )
