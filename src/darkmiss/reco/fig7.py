"""Fig. 7 of the spec (Sec. IV): the regions of the (E_ECAL, E_HCAL) plane of SRD-tagged events and the
counts of one run's panel.  E_HCAL = HCAL1 + HCAL2.  Regions: I dimuons (E_HCAL ≈ 10 GeV, low E_ECAL),
II hadronic (E_ECAL + E_HCAL ≈ 100 GeV), III pile-up (E_ECAL + E_HCAL > 100 GeV).  GeV.

No drawing here (:mod:`darkmiss.plots.detsim_figures` draws the panels), so that the pipeline can read
cached panel counts without loading matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss.detsim.fastpath import FIG7_ECAL_EDGES, FIG7_HCAL_EDGES

#: Region boundaries [GeV] used for the fractions (spec Sec. IV, Fig. 7).
REGION_I_HCAL = (4.0, 14.0)  # dimuons: two muons crossing HCAL1+2 (spec: ≈ 10 GeV)
REGION_I_ECAL_MAX = 80.0
SUM_TOLERANCE = 12.0  # |E_ECAL + E_HCAL − 100| < this: region II (≈ 4σ of 0.6√100)
BEAM_ENERGY = 100.0


@dataclass
class Fig7Panel:
    """Counts of one run's panel (weighted) and the file written."""

    run: str
    n_events: int
    weighted: float
    region_i: float
    region_ii: float
    region_iii: float
    pileup_fraction: float
    path: Path

    def to_record(self) -> dict[str, Any]:
        return {
            "run": self.run,
            "events": self.n_events,
            "weighted": self.weighted,
            "region_I": self.region_i,
            "region_II": self.region_ii,
            "region_III": self.region_iii,
            "pileup_fraction": self.pileup_fraction,
            "figure": str(self.path),
        }


def srd_tagged(srd_energy: np.ndarray, threshold: float = 0.001) -> np.ndarray:
    """Loose SRD tag: every counter above ``threshold`` [GeV] (the figure's "moderate" selection)."""
    return np.all(srd_energy > threshold, axis=1)


def regions(e_ecal: np.ndarray, e_hcal: np.ndarray) -> dict[str, np.ndarray]:
    """Masks of regions I, II, III of Fig. 7 (boundaries above)."""
    s = e_ecal + e_hcal
    r3 = s > BEAM_ENERGY + SUM_TOLERANCE
    r2 = (np.abs(s - BEAM_ENERGY) < SUM_TOLERANCE) & (e_hcal > REGION_I_HCAL[1])
    r1 = (e_hcal > REGION_I_HCAL[0]) & (e_hcal < REGION_I_HCAL[1]) & (e_ecal < REGION_I_ECAL_MAX) & ~r3
    return {"I": r1, "II": r2 & ~r1, "III": r3}


def summary_regions(hist: np.ndarray) -> dict[str, float]:
    """Region counts of a summary histogram (bins of FIG7_ECAL_EDGES × FIG7_HCAL_EDGES), by bin centre."""
    ce = 0.5 * (FIG7_ECAL_EDGES[1:] + FIG7_ECAL_EDGES[:-1])
    ch = 0.5 * (FIG7_HCAL_EDGES[1:] + FIG7_HCAL_EDGES[:-1])
    ee, hh = np.meshgrid(ce, ch, indexing="ij")
    return {k: float(hist[v].sum()) for k, v in regions(ee, hh).items()}
