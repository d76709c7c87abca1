"""Preset tables of ``reproduce.toml``: masses [GeV] and statistics of ``darkmiss reproduce``."""

from __future__ import annotations

from darkmiss.config.models.base import Numbers, Table


class FineGridTable(Table):
    """``[reproduce.fine_grid]``: a log grid of n masses between lo and hi [GeV]."""

    lo: float
    hi: float
    n: int


class ReproduceModeTable(Table):
    """``[reproduce.full]`` / ``[reproduce.quick]``: the statistics of one mode (and optional mass
    lists that replace the ``[reproduce]`` ones)."""

    yield_showers: int
    data_eot_scale: float
    mc_eot_scale: float
    calibration_eot: float
    signal_events: int
    dimuon_events: int
    masses: Numbers | None = None
    fine_grid: FineGridTable | None = None
    efficiency_masses: Numbers | None = None
    table_iv_events: dict[str, int]


class ReproduceTable(Table):
    """``[reproduce]``: masses [GeV] and statistics of ``darkmiss reproduce``."""

    masses: Numbers
    fine_grid: FineGridTable | None = None
    efficiency_masses: Numbers
    annihilation_masses: Numbers | None = None
    optimise_masses: Numbers | None = None
    signal_epsilon: float | None = None
    full: ReproduceModeTable
    quick: ReproduceModeTable
