"""Preset tables of ``beam.toml``: the beam and the runs (spec Sec. III–IV)."""

from __future__ import annotations

from darkmiss.config.models.base import Pair, Table


class BeamTable(Table):
    """``[beam]``: beam energy [GeV] and SPS spill length [s]."""

    energy: float
    spill_s: float


class RunTable(Table):
    """``[runs.NAME]``: one run's EOT and intensity [e⁻ per spill] (spec Sec. IV)."""

    eot: float
    intensity: float
    intensity_range: Pair
