"""The spec's published limits, shipped for comparison only (``darkmiss/data/published``, see its README):
Table V (90% CL upper limits on ε per mass, WW and ETL) and the Fig. 15 exclusion curve.

They are never an input: nothing in darkmiss reads them except the comparison beside the reproduced
limits (report, README, exclusion plot). Masses GeV, ε dimensionless.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

PUBLISHED_DIR = Path(__file__).resolve().parent.parent / "data" / "published"
TABLE_V = "na64_2016_table5.csv"
FIG15 = "na64_2016_fig15_eps.txt"
#: Citation of the published numbers.
CITATION = "NA64, Phys. Rev. D 97, 072002 (2018), Table V and Fig. 15"


@dataclass(frozen=True)
class PublishedTableV:
    """Table V: masses [GeV] and the 90% CL upper limits on ε without (WW) and with (ETL) k-factors."""

    mass: np.ndarray
    epsilon_ww: np.ndarray
    epsilon_etl: np.ndarray


def table_v() -> PublishedTableV:
    """Table V of the spec (the file stores ε in units of 1e-4)."""
    rows = [
        line.split(",")
        for line in (PUBLISHED_DIR / TABLE_V).read_text(encoding="utf-8").splitlines()
        if line and not line.startswith("#") and not line.startswith("mass")
    ]
    a = np.array(rows, dtype=float)
    return PublishedTableV(mass=a[:, 0], epsilon_ww=a[:, 1] * 1e-4, epsilon_etl=a[:, 2] * 1e-4)


def fig15_curve() -> tuple[np.ndarray, np.ndarray]:
    """The Fig. 15 exclusion curve (ETL): masses [GeV] and ε."""
    a = np.loadtxt(PUBLISHED_DIR / FIG15, comments="#")
    return a[:, 0], a[:, 1]


def published_at(mass: float, rtol: float = 0.02) -> tuple[float, float] | None:
    """(ε_WW, ε_ETL) of Table V at ``mass`` [GeV] (within ``rtol``), or None if Table V has no such mass."""
    t = table_v()
    i = np.flatnonzero(np.isclose(t.mass, mass, rtol=rtol))
    return (float(t.epsilon_ww[i[0]]), float(t.epsilon_etl[i[0]])) if i.size else None
