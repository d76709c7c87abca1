"""Preset tables of ``beam.toml``: the beam and the runs (spec Sec. III–IV)."""

from __future__ import annotations

from typing import Literal

from darkmiss.config.models.base import Pair, Table


class PositronBeamTable(Table):
    """``[beam.positron]``: contamination of the H4 beam at positive polarity, per beam positron (used by
    ``--beam e+`` in place of the e⁻ fractions of ``[detector.beamline]`` and ``[backgrounds.beam]``)."""

    pion_fraction: float
    kaon_fraction: float
    proton_fraction: float
    muon_fraction: float
    source: str


class BeamTable(Table):
    """``[beam]``: beam energy [GeV], SPS spill length [s], the beam particle (e- unless a command's
    ``--beam e+`` sets it) and the positron-beam contamination."""

    energy: float
    spill_s: float
    particle: Literal["e-", "e+"] = "e-"
    positron: PositronBeamTable | None = None


class RunTable(Table):
    """``[runs.NAME]``: one run's EOT and intensity [e⁻ per spill] (spec Sec. IV)."""

    eot: float
    intensity: float
    intensity_range: Pair
