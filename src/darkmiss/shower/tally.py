"""Track-length tallies of e± and γ: the n(E0, Ee, s) of spec Eq. 8; the positron track length in
the active target (dT₊/dE with its per-shower covariance) for resonant annihilation; the analytic
positron track length of Rossi's approximation A to check it.

Units: energies GeV (total energy for e±, bin edges log-spaced), lengths cm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.integrate import quad
from scipy.optimize import curve_fit
from scipy.special import digamma

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


@dataclass
class PositronTally:
    """Positron track length in the active target of ``n_showers`` showers of primary ``particle``
    (PDG code) and ``energy`` [GeV], per material of the target (``materials``, each with its
    ``electron_density`` [1/cm³]) and bin of positron total energy (``edges`` [GeV], log-spaced).

    ``total[m, i]``: track length summed over showers [cm]; ``cov``: Σ over showers of t tᵀ [cm²],
    t the shower's track-length vector flattened as ``m · n_bins + i`` — the per-shower second
    moments, so that any fold Σ w·t (e.g. an annihilation yield) gets its exact statistical error.
    """

    edges: np.ndarray
    materials: tuple[str, ...]
    electron_density: np.ndarray
    total: np.ndarray
    cov: np.ndarray
    n_showers: int
    energy: float
    particle: int

    @property
    def centers(self) -> np.ndarray:
        """Geometric bin centres [GeV]."""
        return np.sqrt(self.edges[1:] * self.edges[:-1])

    def _rows(self, material: str | None) -> np.ndarray:
        """Weights (n_materials,) selecting ``material`` (None: all materials)."""
        w = np.zeros(len(self.materials))
        if material is None:
            w[:] = 1.0
        elif material in self.materials:
            w[self.materials.index(material)] = 1.0
        else:
            raise UserInputError("material", material, f"one of {', '.join(self.materials)}")
        return w

    def fold(self, weights: np.ndarray) -> tuple[float, float]:
        """Mean per shower of Σ_{m,i} weights[m, i] · t[m, i] (t in cm) and its statistical error
        (standard error over showers, from the per-shower second moments ``cov``)."""
        w = np.broadcast_to(np.asarray(weights, dtype=float), self.total.shape).ravel()
        n = max(self.n_showers, 1)
        mean = float(w @ self.total.ravel()) / n
        if self.n_showers < 2:
            return mean, math.inf
        var = (float(w @ self.cov @ w) / n - mean * mean) / (n - 1)
        return mean, math.sqrt(max(var, 0.0))

    def differential(self, material: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """dT₊/dE per shower [cm/GeV] per bin and its statistical error (``material`` None: all)."""
        rows = self._rows(material)
        de = np.diff(self.edges)
        nm, nb = self.total.shape
        n = max(self.n_showers, 1)
        mean = (rows @ self.total) / n
        # Σ over showers of (Σ_m r_m t[m, i])²: the materials of one shower are correlated
        second = np.einsum("a,aibi,b->i", rows, self.cov.reshape(nm, nb, nm, nb), rows) / n
        var = np.maximum(second - mean**2, 0.0) / max(self.n_showers - 1, 1)
        return mean / de, np.sqrt(var) / de

    def above(self, energy: float, material: str | None = None) -> tuple[float, float]:
        """Track length per shower with positron total energy above ``energy`` [GeV] [cm] and its
        error; a bin cut by ``energy`` counts with its fraction in ln E (dT/d ln E flat in a bin)."""
        lo, hi = np.log(self.edges[:-1]), np.log(self.edges[1:])
        frac = np.clip((hi - math.log(energy)) / (hi - lo), 0.0, 1.0)
        return self.fold(self._rows(material)[:, None] * frac[None, :])

    def merge(self, other: PositronTally) -> PositronTally:
        """Sum of two tallies with the same binning, materials and primaries."""
        same = np.array_equal(self.edges, other.edges) and self.materials == other.materials
        if not (same and self.particle == other.particle):
            raise UserInputError(
                "positron tally", "(different binning)", "tallies with identical edges and materials"
            )
        return PositronTally(
            edges=self.edges,
            materials=self.materials,
            electron_density=self.electron_density,
            total=self.total + other.total,
            cov=self.cov + other.cov,
            n_showers=self.n_showers + other.n_showers,
            energy=self.energy,
            particle=self.particle,
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``darkmiss.cache.store_npz``."""
        return {
            "edges": self.edges,
            "materials": np.array(self.materials),
            "electron_density": self.electron_density,
            "total": self.total,
            "cov": self.cov,
            "meta": np.array([self.n_showers, self.energy, self.particle]),
        }

    @classmethod
    def from_arrays(cls, a: dict[str, Any]) -> PositronTally:
        """Inverse of :meth:`to_arrays`."""
        return cls(
            edges=np.asarray(a["edges"]),
            materials=tuple(str(m) for m in a["materials"]),
            electron_density=np.asarray(a["electron_density"]),
            total=np.asarray(a["total"]),
            cov=np.asarray(a["cov"]),
            n_showers=int(a["meta"][0]),
            energy=float(a["meta"][1]),
            particle=int(a["meta"][2]),
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


def _rossi_mellin(s: complex, b: float) -> tuple[complex, complex, complex, float]:
    """Rossi's shower functions A(s), B(s), C(s) and σ0 (Rossi, High-Energy Particles (1952),
    §5.5) for Tsai's complete-screening brems φ(v) = [(4/3 + b)(1 − v) + v²]/v and pair
    ψ(u) = 1 − (4/3 + b) u(1 − u) per X0 (Tsai RMP 46, 815, Eqs. 3.83–3.84; b = b₂/b₁)."""
    a = 4.0 / 3.0 + b
    big_a = (
        a * (digamma(s + 1.0) + np.euler_gamma)
        - a * (1.0 - 1.0 / (s + 1.0))
        + 0.5
        - 1.0 / ((s + 1.0) * (s + 2.0))
    )
    big_b = 2.0 * (1.0 / (s + 1.0) - a * (1.0 / (s + 2.0) - 1.0 / (s + 3.0)))
    big_c = a / s - a / (s + 1.0) + 1.0 / (s + 2.0)
    return big_a, big_b, big_c, 7.0 / 9.0 - b / 6.0


def rossi_positron_track_length(energy: float, e0: float, b: float = 0.0, particle: int = 11) -> float:
    """Positron track length with total energy above ``energy`` [GeV] of a shower of a primary e⁻
    (``particle`` 11) or e⁺ (−11) of ``e0`` [GeV], in radiation lengths, in Rossi's approximation A
    (no ionisation loss, complete screening; valid for energies ≫ E_c, where approximation B reduces
    to it). Integrating the shower equations over depth in Mellin space gives Π̃₊(s) =
    E0^s [δ₊/A + B C/(2A(Aσ0 − B C))] (δ₊ = 1 for a positron primary; pairs share the photon
    energy between e⁺ and e⁻); T₊(>E) = (1/2πi) ∫ (E0/E)^s Π̃₊(s)/s ds along Re s = 1.5, to the right
    of the poles at s = 0 and at λ₁(s) = 0 (s = 1). ``b`` = b₂/b₁ of Tsai's Eq. 3.83 (0.032 for Pb)."""
    if not 0 < energy < e0:
        raise UserInputError("energy", energy, f"a positron energy in (0, {e0}) GeV")
    if particle not in (11, -11):
        raise UserInputError("particle", particle, "11 (e-) or -11 (e+)")
    log_r = math.log(e0 / energy)
    prim = 1.0 if particle == -11 else 0.0

    def g(y: float) -> complex:
        s = complex(1.5, y)
        big_a, big_b, big_c, s0 = _rossi_mellin(s, b)
        return complex((prim / big_a + big_b * big_c / (2.0 * big_a * (big_a * s0 - big_b * big_c))) / s)

    # Re[(E0/E)^s g] = (E0/E)^1.5 [cos(y L) Re g − sin(y L) Im g]: Fourier integrals (QUADPACK QAWF)
    re, _ = quad(lambda y: g(y).real, 0.0, np.inf, weight="cos", wvar=log_r)
    im, _ = quad(lambda y: g(y).imag, 0.0, np.inf, weight="sin", wvar=log_r)
    val = math.exp(1.5 * log_r) * (re - im)
    return val / math.pi
