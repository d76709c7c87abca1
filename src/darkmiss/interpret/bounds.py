"""Published bounds shipped with darkmiss (``darkmiss/data/bounds``, see its README for citations).

Each curve is (mass [GeV], value); ε curves are vs m_A′, y curves vs m_χ (y at the file's α_D).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from darkmiss.errors import UserInputError

BOUNDS_DIR = Path(__file__).resolve().parent.parent / "data" / "bounds"


@dataclass(frozen=True)
class BoundCurve:
    """A published curve: masses [GeV], values, what it bounds, the α_D of a y curve, the citation."""

    name: str
    mass: np.ndarray
    value: np.ndarray
    quantity: str  # "epsilon" (vs m_A') or "y" (vs m_chi)
    label: str
    citation: str
    alpha_d: float | None = None


_CATALOGUE: dict[str, tuple[str, str, str, str, float | None]] = {
    "babar_eps": (
        "babar_2017_invisible_eps.txt",
        "epsilon",
        "BaBar (2017)",
        "BaBar, Phys. Rev. Lett. 119, 131804 (2017), Fig. 5 (digitised by DarkCast)",
        None,
    ),
    "na64_2016prl_eps": (
        "na64_2016prl_invisible_eps.txt",
        "epsilon",
        "NA64 PRL 2017 (2.75e9 EOT)",
        "NA64, Phys. Rev. Lett. 118, 011802 (2017) (digitised by DarkCast)",
        None,
    ),
    "babar_y": (
        "babar_2017_invisible_y_alphaD0.1.csv",
        "y",
        "BaBar (2017)",
        "BaBar PRL 119, 131804 (2017) as y (alpha_D = 0.1, m_A' = 3 m_chi), NA64 input to ESPP 2025",
        0.1,
    ),
    "relic_scalar": (
        "relic_target_y_scalar.csv",
        "y",
        "Scalar relic target",
        "Thermal relic target (ESPP 2025 compilation)",
        None,
    ),
    "relic_pseudodirac": (
        "relic_target_y_pseudodirac.csv",
        "y",
        "Pseudo-Dirac relic target",
        "Thermal relic target (ESPP 2025 compilation)",
        None,
    ),
    "relic_majorana": (
        "relic_target_y_majorana.csv",
        "y",
        "Majorana relic target",
        "Thermal relic target (ESPP 2025 compilation)",
        None,
    ),
}


def available_bounds() -> list[str]:
    """Names accepted by :func:`load_bound`."""
    return sorted(_CATALOGUE)


def load_bound(name: str) -> BoundCurve:
    """Load a shipped curve, sorted by mass (the relic files are not sorted)."""
    if name not in _CATALOGUE:
        raise UserInputError("bound", name, f"one of {', '.join(available_bounds())}")
    fname, quantity, label, citation, alpha_d = _CATALOGUE[name]
    path = BOUNDS_DIR / fname
    if fname.endswith(".csv"):
        data = np.loadtxt(path, delimiter=",", skiprows=1)
    else:
        data = np.loadtxt(path, comments="#")
    order = np.argsort(data[:, 0], kind="stable")
    return BoundCurve(name, data[order, 0], data[order, 1], quantity, label, citation, alpha_d)


def interpolate_bound(curve: BoundCurve, masses: np.ndarray) -> np.ndarray:
    """The curve at ``masses`` [GeV] (log-log interpolation; NaN outside its range)."""
    m = np.asarray(masses, dtype=float)
    v = np.exp(np.interp(np.log(m), np.log(curve.mass), np.log(curve.value), left=np.nan, right=np.nan))
    return v
