"""Synchrotron-radiation detector identification (spec Sec. III-IV): all three SRD counters within
the SR energy range [GeV] and in time with the trigger [ns].
"""

from __future__ import annotations

import numpy as np

from darkmiss.reco.config import SrdConfig


def srd_tag(srd_energy: np.ndarray, srd_time: np.ndarray, cfg: SrdConfig) -> np.ndarray:
    """Electron tag: every counter has E in [E_min, E_max] GeV and |t| ≤ window ns (spec Sec. IV)."""
    e = np.asarray(srd_energy, dtype=np.float64)
    t = np.asarray(srd_time, dtype=np.float64)
    ok = (e >= cfg.energy_min) & (e <= cfg.energy_max) & (np.abs(t) <= cfg.time_window_ns)
    return np.asarray(ok.all(axis=1))
