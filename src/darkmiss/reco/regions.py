"""Named regions of the (E_ECAL, E_HCAL) plane (spec Sec. IV and VIII, Fig. 7). Energies GeV.

E_HCAL is the sum of the modules ``[analysis] hcal_modules_in_ehcal`` (HCAL1+HCAL2 as in Fig. 7).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from darkmiss.reco.config import AnalysisConfig


@dataclass(frozen=True)
class Region:
    """A box lo ≤ E < hi in E_ECAL and in E_HCAL [GeV]."""

    name: str
    ecal: tuple[float, float]
    hcal: tuple[float, float]
    description: str = ""

    def contains(self, e_ecal: np.ndarray, e_hcal: np.ndarray) -> np.ndarray:
        e = np.asarray(e_ecal)
        h = np.asarray(e_hcal)
        return (e >= self.ecal[0]) & (e < self.ecal[1]) & (h >= self.hcal[0]) & (h < self.hcal[1])


def regions(cfg: AnalysisConfig) -> dict[str, Region]:
    """The signal box, side bands A and C and the validation region (spec Sec. IV, VIII)."""
    inf = math.inf
    return {
        "signal_box": Region(
            "signal_box", (-inf, cfg.ecal_cut), (-inf, cfg.hcal_cut), "E_ECAL < cut, E_HCAL < cut (Sec. IV)"
        ),
        "sideband_A": Region(
            "sideband_A", (-inf, cfg.ecal_cut), (cfg.hcal_cut, inf), "E_ECAL < cut, E_HCAL > cut (Sec. VIII)"
        ),
        "sideband_C": Region(
            "sideband_C", (cfg.ecal_cut, inf), (-inf, cfg.hcal_cut), "E_ECAL > cut, E_HCAL < cut (Sec. VIII)"
        ),
        "validation": Region(
            "validation",
            cfg.validation_ecal,
            (cfg.validation_hcal_min, inf),
            "1 < E_ECAL < 80, E_HCAL > 10 (Sec. VIII)",
        ),
    }


def blind_box(cfg: AnalysisConfig) -> Region:
    """The box hidden in data-mode events until unblinding (the preliminary box, spec Sec. IV).

    It covers the signal box of any cut up to the preset's blinding edges, and the signal box
    itself when a frozen cut lies above them.
    """
    return Region(
        "blind_box",
        (-math.inf, max(cfg.blind_ecal_max, cfg.ecal_cut)),
        (-math.inf, max(cfg.blind_hcal_max, cfg.hcal_cut)),
        "blinded region (Sec. IV)",
    )
