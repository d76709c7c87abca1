"""Preset tables of ``physics.toml``: the shower engine's cuts and statistics, the yield threshold.
Energies in GeV."""

from __future__ import annotations

from darkmiss.config.models.base import Table


class ShowerTable(Table):
    """``[shower]``: cuts [GeV], A′ threshold fraction and default statistics of the shower engine."""

    ecut: float
    split_energy: float
    fast_kc: float
    yield_kc: float
    threshold_fraction: float
    yield_showers: int
    tally_showers: int
    chunk_size: int
    tally_per_decade: int
    spectrum_bins: int
    # E_A′ threshold of the analysis's yield population (darkmiss.reco.config.yield_threshold)
    yield_threshold: float | None = None
    yield_threshold_fraction: float | None = None


class PhysicsTable(Table):
    """``[physics]`` (optional): the E_A′ threshold of the yield population, in GeV or as a fraction of
    the beam energy (read by ``darkmiss.reco.config.yield_threshold``)."""

    yield_threshold: float | None = None
    yield_threshold_fraction: float | None = None
