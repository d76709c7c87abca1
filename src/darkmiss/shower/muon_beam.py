"""Yields of a new boson V radiated by a muon beam in the ECAL target, per muon on target (MOT).

A muon does not shower: the signal is its own bremsstrahlung μZ → μZV in the target plates (the ECAL
absorber, Pb by default), with the missing-energy signature of an outgoing muon softer than a cut E_cut
(the muon beam's default: 80 GeV for 160 GeV muons, marked *assumed*, preset table ``[muon_beam]``), i.e.
E_V > E_μ − E_cut. Per MOT

    Y = n Σ_plates L_plate σ(E_μ(z); E_V > E_μ − E_cut),   n = atoms per cm³ of the target,

with E_μ(z) from the mean energy loss: ionisation (PDG 2022 Eq. 34.5, :func:`bethe_dedx`) and radiative
losses b E, b = a(E_μc)/E_μc from the PDG muon critical energy (as :mod:`darkmiss.shower.muons`). For
160 GeV muons in the 22.5 cm of Pb of the 2016 ECAL the muon loses 0.3% of its energy, so σ is evaluated
once at the path-averaged energy Ē (the error of that, ~(ΔE/E)² d²σ/dE², is below 10⁻⁵).

σ_ETL comes from :func:`darkmiss.physics.etl.sigma_etl` (vegas, relative error ``rel_precision``), σ_WW
from the mediator's IWW shape normalised to its leading-log total (as for electrons; zero where σ_WW is
undefined, m ≤ m_μ). Units: GeV, cm; yields per MOT at ε = 1 (they scale as ε²).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from darkmiss.constants import M_MU, MU_CRITICAL_ENERGY_GEV, PB_TO_CM2
from darkmiss.errors import UserInputError
from darkmiss.parallel import chunk_seeds, map_chunks
from darkmiss.physics.etl import sigma_etl
from darkmiss.physics.materials import get_material
from darkmiss.physics.ww_mediators import dsigma_dx_iww_mediator
from darkmiss.shower.geometry import Geometry
from darkmiss.shower.parametrized import bethe_dedx
from darkmiss.shower.xsec_tables import ww_sigma_above


@dataclass(frozen=True)
class MuonYield:
    """Yields per MOT at ε = 1 of one ``mass`` [GeV] above ``threshold`` [GeV] (E_V), at the mean muon
    energy ``energy`` [GeV] in the target of total length ``target_cm`` [cm]; spectra dN/dE_V [1/GeV]."""

    mass: float
    threshold: float
    energy: float
    target_cm: float
    yield_ww: float
    yield_etl: float
    yield_etl_err: float
    spectrum_edges: np.ndarray
    spectrum_ww: np.ndarray
    spectrum_etl: np.ndarray


def radiative_b(material: str) -> float:
    """Radiative-loss coefficient b [cm²/g] = a(E_μc)/(ρ E_μc): ionisation equals radiation at the PDG
    muon critical energy E_μc (PDG 2022 muon tables)."""
    if material not in MU_CRITICAL_ENERGY_GEV:
        raise UserInputError(
            "target",
            material,
            f"a material with a tabulated muon energy loss ({', '.join(MU_CRITICAL_ENERGY_GEV)})",
        )
    ec = MU_CRITICAL_ENERGY_GEV[material]
    return bethe_dedx(material, ec, M_MU) / get_material(material).density / ec


def muon_path(geom: Geometry, energy: float) -> tuple[float, float]:
    """(Ē [GeV], L [cm]): the muon energy averaged over its path in the target plates, and that path, for a
    muon of ``energy`` [GeV] entering the geometry along its axis (mean energy loss, module docstring)."""
    e = float(energy)
    length = 0.0
    weighted = 0.0
    for i in range(geom.n_slabs):
        mat = geom.materials[geom.material_index[i]]
        dz = float(geom.z_edges[i + 1] - geom.z_edges[i])
        if mat == "vacuum":
            continue
        rho = get_material(mat).density
        b_rad = radiative_b(mat)
        loss = (bethe_dedx(mat, e, M_MU) + b_rad * rho * e) * dz
        if geom.is_target[i]:
            weighted += (e - 0.5 * loss) * dz
            length += dz
        e -= loss
        if e <= M_MU:
            raise UserInputError("energy", energy, "a muon energy that crosses the setup")
    if length <= 0:
        raise UserInputError("target", geom.target, "a geometry with target plates")
    return weighted / length, length


def _ww_spectrum(
    mass: float, energy: float, threshold: float, target: str, mediator: str, edges: np.ndarray
) -> np.ndarray:
    """dσ/dE_V [pb/GeV] of the IWW shape on the bins ``edges`` (E_V in GeV), normalised to 1 above threshold."""
    x_lo, x_hi = threshold / energy, 1.0 - M_MU / energy
    w = np.linspace(-math.log(1.0 - x_lo), -math.log(1.0 - x_hi), 4001)
    x = 1.0 - np.exp(-w)
    f = np.asarray(dsigma_dx_iww_mediator(x, mass, energy, target, 1.0, M_MU, mediator)) * (1.0 - x)
    cum = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(w))])
    if cum[-1] <= 0:
        return np.zeros(edges.size - 1)
    cb = np.interp(np.clip(edges / energy, x_lo, x_hi), x, cum / cum[-1])
    return np.diff(cb) / np.diff(edges)


def _one_mass(
    mass: float,
    energy: float,
    threshold: float,
    target: str,
    mediator: str,
    n_atoms: float,
    length: float,
    nbins: int,
    rel_precision: float,
    seed: int,
) -> MuonYield:
    """The yields of one mass (one vegas integration of σ_ETL above threshold at the mean energy)."""
    x_min = threshold / energy
    etl = sigma_etl(
        mass,
        energy,
        target,
        lepton_mass=M_MU,
        x_min=x_min,
        rel_precision=rel_precision,
        seed=seed,
        mediator=mediator,
    )
    ww = float(ww_sigma_above(mass, np.array([energy]), threshold, target, mediator, M_MU)[0])
    scale = n_atoms * length * PB_TO_CM2
    edges = np.linspace(threshold, energy, nbins + 1)
    shape = _ww_spectrum(mass, energy, threshold, target, mediator, edges)
    return MuonYield(
        mass=mass,
        threshold=threshold,
        energy=energy,
        target_cm=length,
        yield_ww=scale * ww,
        yield_etl=scale * etl.sigma_pb,
        yield_etl_err=scale * etl.sigma_err_pb,
        spectrum_edges=edges,
        spectrum_ww=scale * ww * shape,
        spectrum_etl=scale * etl.sigma_pb * shape,
    )


def muon_yields(
    geom: Geometry,
    energy: float,
    masses: Sequence[float],
    threshold: float,
    *,
    mediator: str = "vector",
    nbins: int = 25,
    rel_precision: float = 0.005,
    seed: int = 0,
    workers: int = 1,
    progress: Callable[[Iterable[Any], int], Iterable[Any]] | None = None,
) -> list[MuonYield]:
    """V yields per MOT at ε = 1 for a muon beam of ``energy`` [GeV] on ``geom`` (module docstring), for
    every mass [GeV], E_V > ``threshold`` [GeV] = E_μ − E_cut. One vegas integration per mass, seeded from
    ``SeedSequence(seed)`` (identical for any ``workers``)."""
    e_mean, length = muon_path(geom, energy)
    th = float(threshold) - (
        float(energy) - e_mean
    )  # the same outgoing-muon cut E_μ − E_V at the mean energy
    for m in masses:
        if not 0 < m < th:
            raise UserInputError("mass", m, f"a mass in (0, {th:.4g}) GeV, below the E_V threshold")
    n_atoms = geom.target_atoms_per_cm3()
    seeds = chunk_seeds(seed, len(masses))
    tasks = [
        (float(m), e_mean, th, geom.target, mediator, n_atoms, length, nbins, rel_precision,
         int(seeds[i].generate_state(1)[0]))
        for i, m in enumerate(masses)
    ]  # fmt: skip
    return map_chunks(_one_mass, tasks, workers=workers, progress=progress)
