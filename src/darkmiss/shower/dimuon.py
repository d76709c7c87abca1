"""Raw yield of γ → μ⁺μ⁻ events per EOT in the active target (spec Sec. V, Eq. 16; Table I).

The cascade forces one γ → μ⁺μ⁻ conversion per shower in the ECAL target (weights = conversion
probability per EOT, Bethe–Heitler cross-section of :mod:`darkmiss.physics.muonpair`); the muons are
transported through ECAL, V2 and HCAL (:mod:`darkmiss.shower.muons`) and the events are read out
(:mod:`darkmiss.shower.response`). The raw yield counts events with calibrated E_ECAL (ECAL + PS)
below ``ecal_max`` [GeV], before the Sec. V.B selection. Units: GeV; yields per EOT.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from darkmiss.config.load import Preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.errors import UserInputError
from darkmiss.parallel import chunk_seeds, map_chunks
from darkmiss.shower.response import CalorimetrySettings, dimuon_sample

DEFAULT_SHOWERS = 20000
CHUNK = 2000


@dataclass(frozen=True)
class DimuonYield:
    """Raw γ → μμ yield per EOT with E_ECAL < ecal_max [GeV]: per_eot ± per_eot_err (statistical),
    from ``showers`` forced showers; ``total_per_eot``: without the E_ECAL cut."""

    per_eot: float
    per_eot_err: float
    total_per_eot: float
    showers: int
    ecal_max: float


def _chunk(
    preset: Preset, n: int, seed: np.random.SeedSequence, ecal_max: float
) -> tuple[float, float, float]:
    setup = SetupGeometry.from_preset(preset)
    settings = CalorimetrySettings.from_preset(preset)
    energy = float(preset.section("beam")["energy"])
    s = dimuon_sample(n, setup, np.random.default_rng(seed), energy=energy, settings=settings)
    ecal = s.response.ecal.sum(axis=(1, 2)) + s.response.ps.sum(axis=(1, 2))
    w = np.where(ecal < ecal_max, s.weight, 0.0)
    return float(w.sum()), float((w**2).sum()), float(s.weight.sum())


def dimuon_yield(
    preset: Preset,
    *,
    showers: int | None = None,
    seed: int = 0,
    workers: int = 1,
    ecal_max: float = 60.0,
    chunk: int = CHUNK,
) -> DimuonYield:
    """Raw dimuon yield per EOT with E_ECAL < ``ecal_max`` [GeV] (spec Sec. V.B, Table I MC column
    before the selection). Identical for any number of ``workers`` (chunk ``i`` of ``chunk`` showers
    gets ``SeedSequence(seed).spawn(n)[i]``)."""
    n = DEFAULT_SHOWERS if showers is None else int(showers)
    if n <= 0:
        raise UserInputError("showers", showers, "a positive number")
    if not ecal_max > 0:
        raise UserInputError("ecal_max", ecal_max, "a positive energy in GeV")
    if chunk <= 0:
        raise UserInputError("chunk", chunk, "a positive number of showers")
    sizes = [chunk] * (n // chunk) + ([n % chunk] if n % chunk else [])
    seeds = chunk_seeds(seed, len(sizes))
    res = map_chunks(
        _chunk, [(preset, m, s, ecal_max) for m, s in zip(sizes, seeds, strict=True)], workers=workers
    )
    sw = sum(r[0] for r in res)
    sw2 = sum(r[1] for r in res)
    tot = sum(r[2] for r in res)
    # per-EOT mean of the weights and its standard error (var = <w²> − <w>²)
    mean = sw / n
    err = math.sqrt(max(sw2 / n - mean**2, 0.0) / n)
    return DimuonYield(per_eot=mean, per_eot_err=err, total_per_eot=tot / n, showers=n, ecal_max=ecal_max)
