"""Resonant annihilation yields per EOT: the positron track length of the shower in the active
target folded with σ(e⁺e⁻ → V → invisible) (docs/annihilation.md).

Units: GeV, cm; yields are invisible mediators per primary on target (EOT) per ε², i.e. at ε = 1
with the total width taken at ε → 0 (:mod:`darkmiss.physics.annihilation`).

Y = Σ_materials n_e ∫_{E > E_th} σ(E) (dT₊/dE) dE: dT₊/dE is the positron track length per EOT
per unit total energy [cm/GeV] in the lead and in the scintillator of the ECAL (with its
preshower), each with its own electron density n_e, tallied in log bins and interpolated linearly
in ln E between the bin centres (:func:`fold_weights`). The missing energy of an annihilation is
the positron's energy (+ m_e, the electron at rest), and the threshold E_th applies to it. The
tally runs the cascade in yield mode with its floor at the lowest tallied energy, so every
positron above it is followed in full detail (the fast mode's split energy does not enter).
Errors are statistical, from the per-shower second moments of the tally.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from darkmiss.cache import cached_npz, hash_key, store_npz
from darkmiss.config.load import Preset, load_preset
from darkmiss.constants import M_E, PB_TO_CM2
from darkmiss.errors import UserInputError
from darkmiss.parallel import chunk_seeds, map_chunks
from darkmiss.physics.annihilation import (
    SPIN_FACTORS,
    Resonance,
    resonance_energy,
    sigma_quadrature,
    vector_resonance,
)
from darkmiss.physics.models import get_beam, get_model
from darkmiss.shower.cascade import PID_EM, PID_EP, Primaries, run_cascade
from darkmiss.shower.geometry import Geometry
from darkmiss.shower.tally import PositronTally, log_edges
from darkmiss.shower.yields import CODE_VERSION, ShowerSettings, beam_energy, energy_threshold, setup_geometry

#: Version of the positron tally's layout and scoring (part of its cache key).
TALLY_VERSION = "positron-1"
#: Positron tally bins per decade of total energy: 1.16% wide, against a Breit–Wigner 30% wide in
#: E at the defaults (Γ/m ≈ 0.15; FWHM in E = 2Γ/m); within a bin dT₊/dE is taken as flat.
PER_DECADE = 200
#: Default showers of an annihilation-yield pass: ≈ 0.7% statistical error on the yields at
#: 100 GeV with a 50 GeV threshold (docs/annihilation.md).
DEFAULT_SHOWERS = 500_000
#: The production mechanisms a yield or a limit may include (``--production``): bremsstrahlung
#: (A′-strahlung, spec Eqs. 8, 13), resonant annihilation of positrons, or both.
PRODUCTIONS: tuple[str, ...] = ("brems", "annihilation", "brems,annihilation")


@dataclass
class AnnihilationYield:
    """Resonant-annihilation yield per EOT per ε² for one ``mass`` [GeV] with the positron energy
    above ``threshold`` [GeV]: ``yield_annihilation`` and its statistical error, the part in each
    material of the active target (``by_material``), the pole's positron energy
    ``resonance_energy`` [GeV], Γ/m, and the model (``model``)."""

    mass: float
    threshold: float
    resonance_energy: float
    width_ratio: float
    yield_annihilation: float
    yield_annihilation_err: float
    by_material: dict[str, float]
    showers: int
    energy: float
    particle: int
    model: str

    def scaled(self, epsilon: float) -> dict[str, float]:
        """The yield at mixing ``epsilon`` (× ε²)."""
        return {"yield_annihilation": float(epsilon) ** 2 * self.yield_annihilation}

    def record(self) -> dict[str, Any]:
        """The CLI/JSON record."""
        return {
            "mass": self.mass,
            "threshold": self.threshold,
            "resonance_energy": self.resonance_energy,
            "width_ratio": self.width_ratio,
            "yield_annihilation": self.yield_annihilation,
            "yield_annihilation_err": self.yield_annihilation_err,
            **{f"yield_annihilation_{m}": v for m, v in self.by_material.items()},
        }


def _resolve(preset: Preset | str) -> Preset:
    return load_preset(preset) if isinstance(preset, str) else preset


def _tally_chunk(
    geom: Geometry, energy: float, pid: int, n: int, ss: np.random.SeedSequence, kc: float, edges: np.ndarray
) -> PositronTally:
    """Positron tally of ``n`` yield-mode showers with the floor at the lowest edge [GeV]."""
    out = run_cascade(
        Primaries.beam(n, energy, pid), geom, mode="yield", seed=ss, ecut=kc, kc=kc,
        yield_emin=float(edges[0]), positron_edges=edges,
    )  # fmt: skip
    assert out.positrons is not None
    return out.positrons


def positron_tally(
    preset: Preset | str,
    *,
    emin: float | None = None,
    showers: int | None = None,
    seed: int = 0,
    workers: int = 1,
    scheduler: str | None = None,
    energy: float | None = None,
    target: str | None = None,
    particle: int = PID_EM,
    per_decade: int = PER_DECADE,
    progress: Any = None,
) -> PositronTally:
    """Positron track length per EOT in the ECAL (lead and scintillator apart) between ``emin``
    [GeV] (default: the preset's A′ threshold) and the beam energy, ``per_decade`` log bins of
    total energy, from ``showers`` yield-mode showers of ``particle`` (11 e⁻, −11 e⁺) with the
    tracking floor at ``emin``. Cached by (geometry, energy, particle, binning, showers, seed)."""
    pre = _resolve(preset)
    cfg = ShowerSettings.from_preset(pre)
    e0 = beam_energy(pre, energy)
    lo = float(emin) if emin is not None else cfg.threshold_fraction * e0
    if not 0.01 <= lo < e0:
        raise UserInputError("emin", lo, f"a positron energy in [0.01, {e0}) GeV")
    if particle not in (PID_EM, PID_EP):
        raise UserInputError("particle", particle, "11 (e-) or -11 (e+)")
    n_sh = int(showers) if showers is not None else DEFAULT_SHOWERS
    if n_sh < 2:
        raise UserInputError("showers", n_sh, "at least 2")
    if not 1 <= per_decade <= 1000:
        raise UserInputError("per_decade", per_decade, "1 to 1000 bins per decade")
    geom = setup_geometry(pre, target)
    edges = log_edges(lo, e0 * 1.0001, per_decade)
    key = hash_key(
        "positron-tally", TALLY_VERSION, CODE_VERSION, geom.key(), e0, particle, lo, per_decade, n_sh, seed,
        cfg.yield_kc, cfg.chunk_size,
    )  # fmt: skip
    hit = cached_npz("positron_tallies", key)
    if hit is not None:
        return PositronTally.from_arrays(hit)
    n_chunks = max(1, math.ceil(n_sh / cfg.chunk_size))
    sizes = [n_sh // n_chunks + (1 if i < n_sh % n_chunks else 0) for i in range(n_chunks)]
    seeds = chunk_seeds(seed, n_chunks)
    tasks = [(geom, e0, particle, sizes[i], seeds[i], cfg.yield_kc, edges) for i in range(n_chunks)]
    parts = map_chunks(_tally_chunk, tasks, workers=workers, scheduler=scheduler, progress=progress)
    tally = parts[0]
    for p in parts[1:]:
        tally = tally.merge(p)
    store_npz("positron_tallies", key, tally.to_arrays())
    return tally


def fold_weights(tally: PositronTally, res: Resonance, threshold: float, epsilon: float = 1.0) -> np.ndarray:
    """Weights w[m, i] [1/cm] with Σ w · T₊ the annihilations per EOT above ``threshold`` [GeV].

    dT₊/dE is taken linear in ln E between the bin centres (flat in the outer half-bins), a sum of
    hat functions h_i times T₊,i/ΔE_i, so w[m, i] = n_e,m ∫_{E > threshold} σ h_i dE / ΔE_i: a narrow
    resonance then sees dT₊/dE interpolated at E_R rather than its bin average (which differs from
    it by up to (slope) × (half a bin) — 3% where dT₊/dE falls as E⁻⁵).
    """
    xe = np.log(tally.edges)
    xc = 0.5 * (xe[1:] + xe[:-1])
    nb = xc.size
    bounds = np.concatenate([[xe[0]], xc, [xe[-1]]])
    left = np.concatenate([[0], np.arange(nb)])  # bin of each sub-interval's left end
    right = np.concatenate([np.arange(nb), [nb - 1]])  # … and of its right end
    lo = np.maximum(np.exp(bounds[:-1]), threshold)
    hi = np.exp(bounds[1:])
    keep = hi > lo
    e, wq = sigma_quadrature(lo[keep], hi[keep], res, epsilon)
    span = (bounds[1:] - bounds[:-1])[keep]
    t = np.clip((np.log(e) - bounds[:-1][keep, None]) / span[:, None], 0.0, 1.0)
    t = np.where((left == right)[keep, None], 0.0, t)
    integ = np.zeros(nb)
    np.add.at(integ, left[keep], (wq * (1.0 - t)).sum(axis=1))
    np.add.at(integ, right[keep], (wq * t).sum(axis=1))
    mean_sigma_cm2 = integ / np.diff(tally.edges) * PB_TO_CM2
    return tally.electron_density[:, None] * mean_sigma_cm2[None, :]


def annihilation_yield(
    tally: PositronTally, res: Resonance, threshold: float, epsilon: float = 1.0
) -> tuple[float, float, dict[str, float]]:
    """Expected annihilations e⁺e⁻ → V → invisible per EOT with the positron energy above
    ``threshold`` [GeV]: (yield, statistical error, yield per material of the active target)."""
    if threshold < tally.edges[0] * (1.0 - 1e-12):
        raise UserInputError(
            "threshold", threshold, f">= the positron tally's lowest edge {tally.edges[0]:g} GeV"
        )
    w = fold_weights(tally, res, threshold, epsilon)
    val, err = tally.fold(w)
    parts = {m: tally.fold(np.where(np.arange(len(tally.materials))[:, None] == j, w, 0.0))[0]
             for j, m in enumerate(tally.materials)}  # fmt: skip
    return val, err, parts


def annihilation_yields(
    preset: Preset | str,
    masses: list[float] | np.ndarray | float,
    *,
    threshold: float | None = None,
    showers: int | None = None,
    seed: int = 0,
    workers: int = 1,
    scheduler: str | None = None,
    energy: float | None = None,
    target: str | None = None,
    particle: int = PID_EM,
    alpha_d: float = 0.5,
    mass_ratio: float = 3.0,
    chi_kind: str = "fermion",
    spin_factor: float = 1.0,
    progress: Any = None,
    mchi: float | None = None,
) -> list[AnnihilationYield]:
    """Resonant-annihilation yields per EOT per ε² for ``masses`` [GeV] with the positron energy
    above ``threshold`` [GeV] (default: the preset's ``threshold_fraction`` × beam energy), for a
    vector mediator decaying to χχ̄ with ``alpha_d`` and m_χ = m/``mass_ratio`` (spec Sec. X:
    α_D = 0.5, m = 3 m_χ), ``chi_kind`` fermion or scalar, and ``spin_factor`` (1 vector/axial, ½
    scalar/pseudoscalar). ``mchi`` [GeV]: one dark-matter mass for every mediator mass instead of
    m/``mass_ratio`` (a mass with m ≤ 2 m_χ has no invisible channel: yield 0; below 2 m_e the pole
    is out of reach, s ≥ 4m_e² > m², and the small off-shell rest is set to 0). One positron tally
    (:func:`positron_tally`, cached) serves all masses."""
    pre = _resolve(preset)
    e0 = beam_energy(pre, energy)
    th = energy_threshold(pre, e0, threshold, "a positron energy threshold")
    ms = [float(m) for m in np.atleast_1d(masses)]
    if not ms:
        raise UserInputError("mass", masses, "at least one mass")
    if mchi is None and not mass_ratio > 2.0:
        raise UserInputError("mass_ratio", mass_ratio, "m/m_χ > 2 (an open invisible channel)")
    if mchi is not None and not (math.isfinite(mchi) and mchi >= 0):
        raise UserInputError("mchi", mchi, "a dark-matter mass >= 0 [GeV]")
    resonances = [
        None
        if (mchi is not None and m <= 2.0 * mchi) or m <= 2.0 * M_E
        else vector_resonance(m, alpha_d, m / mass_ratio if mchi is None else mchi, chi_kind, spin_factor)
        for m in ms
    ]
    tally = positron_tally(
        pre, emin=th, showers=showers, seed=seed, workers=workers, scheduler=scheduler, energy=e0,
        target=target, particle=particle, progress=progress,
    )  # fmt: skip
    out: list[AnnihilationYield] = []
    for m, res in zip(ms, resonances, strict=True):
        if res is None:  # closed invisible channel (m ≤ 2 m_χ)
            val, err, parts = 0.0, 0.0, dict.fromkeys(tally.materials, 0.0)
        else:
            val, err, parts = annihilation_yield(tally, res, th)
        out.append(
            AnnihilationYield(
                mass=m,
                threshold=th,
                resonance_energy=float(resonance_energy(m)),
                width_ratio=math.nan if res is None else res.gamma_total / m,
                yield_annihilation=val,
                yield_annihilation_err=err,
                by_material=parts,
                showers=tally.n_showers,
                energy=e0,
                particle=particle,
                model="closed" if res is None else res.label,
            )
        )
    return out


def model_annihilation_yields(
    preset: Preset | str,
    masses: list[float] | np.ndarray | float,
    *,
    mediator: str = "vector",
    model: str | None = None,
    beam: str = "e-",
    alpha_d: float = 0.5,
    mchi: float | None = None,
    mass_ratio: float = 3.0,
    threshold: float | None = None,
    showers: int | None = None,
    seed: int = 0,
    workers: int = 1,
    scheduler: str | None = None,
    energy: float | None = None,
    target: str | None = None,
    progress: Any = None,
) -> list[AnnihilationYield]:
    """:func:`annihilation_yields` [per EOT per ε²] of a ``mediator`` and ``model``
    (:mod:`darkmiss.physics.models`) for an e⁻ or e⁺ ``beam``: the spin factor of the mediator
    (:data:`darkmiss.physics.annihilation.SPIN_FACTORS`, ½ for scalar and pseudoscalar), times the
    model's squared electron coupling |g_e/(εe)|² at each mass (B−L: 1; Lμ−Lτ: the loop mixing), with
    V → χχ̄ (``alpha_d``, ``mchi`` or m/``mass_ratio``) as its total width (docs/annihilation.md).
    A positron beam tallies the showers of a positron primary. Muon beams raise
    :class:`UserInputError` (their showers' positrons are not tallied)."""
    bm = get_beam(beam)
    mod = get_model(model, mediator)
    if bm.is_muon:
        raise UserInputError("production", "annihilation", f"brems only for a {bm.name} beam")
    ys = annihilation_yields(
        preset, masses, threshold=threshold, showers=showers, seed=seed, workers=workers,
        scheduler=scheduler, energy=energy, target=target, particle=bm.pdg, alpha_d=alpha_d,
        mass_ratio=mass_ratio, spin_factor=SPIN_FACTORS[mod.mediator.name], progress=progress, mchi=mchi,
    )  # fmt: skip
    for y in ys:
        f = mod.production_factor("e-", y.mass)
        if f != 1.0:
            y.yield_annihilation *= f
            y.yield_annihilation_err *= f
            y.by_material = {k: v * f for k, v in y.by_material.items()}
        y.model = f"{mod.mediator.name} {mod.name}: {y.model}"
    return ys


def parse_production(value: str | None, beam: str = "e-") -> tuple[str, ...]:
    """The production mechanisms of ``value`` ("brems", "annihilation" or both, comma-separated;
    None: both for an e± ``beam``, brems for a muon beam), in the order of :data:`PRODUCTIONS`."""
    if value is None:
        return ("brems",) if get_beam(beam).is_muon else ("brems", "annihilation")
    parts = {v.strip() for v in str(value).split(",") if v.strip()}
    if not parts or not parts <= {"brems", "annihilation"}:
        raise UserInputError("production", value, "brems, annihilation or brems,annihilation")
    if "annihilation" in parts and get_beam(beam).is_muon:
        raise UserInputError("production", value, f"brems only for a {get_beam(beam).name} beam")
    return tuple(p for p in ("brems", "annihilation") if p in parts)
