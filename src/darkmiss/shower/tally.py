"""Track-length tallies of e± and γ: the n(E0, Ee, s) of spec Eq. 8.

Units: energies GeV (total energy for e±, bin edges log-spaced), lengths cm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from darkmiss.errors import UserInputError


@dataclass
class TrackLengthTally:
    """Summed track lengths of ``n_showers`` showers of primary energy ``energy`` [GeV].

    ``charged[m, i]`` / ``photon[m, i]``: e± / γ track length [cm] in material ``materials[m]``
    with energy in ``[edges[i], edges[i+1])``; ``depth_charged[j, i]``: e± track length in slab j
    (``z_edges``), i.e. n(E0, Ee, s) of spec Eq. 8 summed over showers; ``residual[m]``: CSDA
    estimate [cm] of the e± track length below the tracking cut (energy deposited locally divided by
    the stopping power at the cut; detailed mode only).
    """

    edges: np.ndarray
    materials: tuple[str, ...]
    charged: np.ndarray
    photon: np.ndarray
    depth_charged: np.ndarray
    residual: np.ndarray
    z_edges: np.ndarray
    n_showers: int
    energy: float

    @property
    def centers(self) -> np.ndarray:
        """Geometric bin centres [GeV]."""
        return np.sqrt(self.edges[1:] * self.edges[:-1])

    def per_shower(self, which: str = "charged", material: str | None = None) -> np.ndarray:
        """Mean track length per shower per energy bin [cm] (``which``: charged|photon)."""
        arr = {"charged": self.charged, "photon": self.photon}.get(which)
        if arr is None:
            raise UserInputError("which", which, "charged or photon")
        if material is None:
            tot = arr.sum(axis=0)
        else:
            if material not in self.materials:
                raise UserInputError("material", material, f"one of {', '.join(self.materials)}")
            tot = arr[self.materials.index(material)]
        return tot / max(self.n_showers, 1)

    def total_charged_cm(self, material: str | None = None, *, residual: bool = False) -> float:
        """Mean e± track length per shower above the lowest edge [cm] (+ the below-cut CSDA estimate)."""
        tot = float(self.per_shower("charged", material).sum())
        if residual:
            r = self.residual if material is None else self.residual[self.materials.index(material)]
            tot += float(np.sum(r)) / max(self.n_showers, 1)
        return tot

    def differential(self, material: str | None = None) -> np.ndarray:
        """dL/dE per shower [cm/GeV] of e± (Tsai–Whitis track-length distribution)."""
        return self.per_shower("charged", material) / np.diff(self.edges)

    def merge(self, other: TrackLengthTally) -> TrackLengthTally:
        """Sum of two tallies with the same binning and geometry."""
        if not (np.array_equal(self.edges, other.edges) and self.materials == other.materials):
            raise UserInputError("tally", "(different binning)", "tallies with identical edges and materials")
        return TrackLengthTally(
            edges=self.edges,
            materials=self.materials,
            charged=self.charged + other.charged,
            photon=self.photon + other.photon,
            depth_charged=self.depth_charged + other.depth_charged,
            residual=self.residual + other.residual,
            z_edges=self.z_edges,
            n_showers=self.n_showers + other.n_showers,
            energy=self.energy,
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``darkmiss.cache.store_npz``."""
        return {
            "edges": self.edges,
            "materials": np.array(self.materials),
            "charged": self.charged,
            "photon": self.photon,
            "depth_charged": self.depth_charged,
            "residual": self.residual,
            "z_edges": self.z_edges,
            "meta": np.array([self.n_showers, self.energy]),
        }

    @classmethod
    def from_arrays(cls, a: dict[str, Any]) -> TrackLengthTally:
        """Inverse of :meth:`to_arrays`."""
        return cls(
            edges=np.asarray(a["edges"]),
            materials=tuple(str(m) for m in a["materials"]),
            charged=np.asarray(a["charged"]),
            photon=np.asarray(a["photon"]),
            depth_charged=np.asarray(a["depth_charged"]),
            residual=np.asarray(a["residual"]),
            z_edges=np.asarray(a["z_edges"]),
            n_showers=int(a["meta"][0]),
            energy=float(a["meta"][1]),
        )


def log_edges(emin: float, emax: float, per_decade: int = 50) -> np.ndarray:
    """Log-spaced energy edges from ``emin`` to ``emax`` [GeV], ``per_decade`` bins per decade."""
    if not 0 < emin < emax:
        raise UserInputError("energy range", (emin, emax), "0 < emin < emax")
    n = max(1, int(np.ceil(np.log10(emax / emin) * per_decade)))
    return np.exp(np.linspace(np.log(emin), np.log(emax), n + 1))


def slab_depth_x0(z_edges: np.ndarray, x0_cm: np.ndarray) -> np.ndarray:
    """Cumulative depth [X0] at the slab edges, given each slab's radiation length [cm] (vacuum: inf)."""
    t = np.diff(z_edges) / np.where(np.isfinite(x0_cm) & (x0_cm < 1e29), x0_cm, np.inf)
    return np.concatenate([[0.0], np.cumsum(t)])


def longitudinal_profile(
    z_edges: np.ndarray, x0_cm: np.ndarray, slab_deposit: np.ndarray, n_showers: int, bin_x0: float = 1.0
) -> tuple[np.ndarray, np.ndarray]:
    """Mean energy deposit per shower per radiation length, dE/dt [GeV/X0], in bins of ``bin_x0``.

    Each slab's deposit is spread uniformly over its depth interval in X0 (PDG Eq. 34.33 variable t).
    Returns (edges in X0, dE/dt).
    """
    d = slab_depth_x0(z_edges, x0_cm)
    edges = np.arange(0.0, d[-1] + bin_x0, bin_x0)
    # cumulative deposit as a function of depth, interpolated at the bin edges
    cum = np.concatenate([[0.0], np.cumsum(slab_deposit)]) / max(n_showers, 1)
    cb = np.interp(edges, d, cum)
    return edges, np.diff(cb) / bin_x0


def fit_tmax(t_edges: np.ndarray, profile: np.ndarray) -> float:
    """Depth of the shower maximum [X0] from a gamma-distribution fit dE/dt ∝ (bt)^(a−1) e^(−bt)
    (PDG Eq. 34.33): t_max = (a − 1)/b. Falls back to the profile's argmax if the fit fails."""
    from scipy.optimize import curve_fit

    t = 0.5 * (t_edges[1:] + t_edges[:-1])
    prof = np.asarray(profile, dtype=float)

    def g(tt: np.ndarray, a0: float, a: float, b: float) -> np.ndarray:
        return a0 * np.exp((a - 1.0) * np.log(np.maximum(b * tt, 1e-12)) - b * tt)

    try:
        p, _ = curve_fit(g, t, prof, p0=[max(prof.max(), 1e-12), 4.0, 0.5], maxfev=5000)
        tm = (p[1] - 1.0) / p[2]
        if np.isfinite(tm) and 0 < tm < t[-1]:
            return float(tm)
    except (RuntimeError, ValueError):
        pass
    return float(t[int(np.argmax(prof))])
