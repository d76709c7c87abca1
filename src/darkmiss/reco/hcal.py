"""HCAL and V2 reconstruction (spec Sec. III, IV, VIII): energy per module, E_HCAL of the regions,
lateral energy outside the central cells and the time spread of the cells (upstream cuts).
Energies GeV, times ns, V2 MIP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class HcalReco:
    """HCAL quantities of ``n`` events: modules (n,4), E_HCAL of the regions, total, lateral, time spread."""

    modules: np.ndarray
    energy: np.ndarray
    total: np.ndarray
    lateral: np.ndarray
    time_spread: np.ndarray


def reconstruct_hcal(
    cells: np.ndarray, times: np.ndarray, modules_in_ehcal: tuple[int, ...], cell_threshold: float
) -> HcalReco:
    """HCAL quantities from cells (n,4,3,3) [GeV] and times [ns].

    E_HCAL sums the modules ``modules_in_ehcal`` (1-based; HCAL1+HCAL2 as in spec Fig. 7).
    Lateral energy: sum over modules of the 8 non-central cells above ``cell_threshold`` (zero
    suppression, so cell noise does not add up; spec Sec. VIII). Time spread: RMS of the times of
    cells above ``cell_threshold`` (0 when fewer than two such cells).
    """
    c = np.asarray(cells, dtype=np.float64)
    t = np.asarray(times, dtype=np.float64)
    mod = c.sum(axis=(2, 3))
    idx = [m - 1 for m in modules_in_ehcal]
    energy = mod[:, idx].sum(axis=1)
    total = mod.sum(axis=1)
    on = c > cell_threshold
    outer = np.ones((3, 3), dtype=bool)
    outer[1, 1] = False
    lateral = np.where(on & outer[None, None], c, 0.0).sum(axis=(1, 2, 3))
    k = on.sum(axis=(1, 2, 3))
    safe_k = np.maximum(k, 1)
    mean_t = np.where(on, t, 0.0).sum(axis=(1, 2, 3)) / safe_k
    var = np.where(on, (t - mean_t[:, None, None, None]) ** 2, 0.0).sum(axis=(1, 2, 3)) / safe_k
    spread = np.where(k >= 2, np.sqrt(var), 0.0)
    return HcalReco(modules=mod, energy=energy, total=total, lateral=lateral, time_spread=spread)
