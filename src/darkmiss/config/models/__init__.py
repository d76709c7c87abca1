"""The preset schema: one strict pydantic model per preset table.

Every table of a preset TOML (``[setup]``, ``[setup.ecal]``, ``[analysis.pileup]``, …) has its model
in the module named after its file (``models/analysis.py`` for ``analysis.toml``), with
``extra="forbid"`` (an unknown or misspelt key is an error), strict types (a number written as a string,
a float where an integer is meant, NaN or ±inf are errors) and the keys the code reads without a default
marked required. :func:`darkmiss.config.load.load_preset` validates every preset with
:class:`PresetModel` and turns the first error into one line naming the file, the table and the key.

The models only validate: the stages keep reading the preset's tables with their own frozen
``from_preset`` dataclasses, which check ranges and relations between keys. A new key is one field in
the model of its table; a new table is one model and one field of its parent. Units as in the
presets: GeV, cm, ns, mrad, MIP, pb unless a key's name says otherwise.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from darkmiss.config.models.analysis import AnalysisTable, SystematicsTable
from darkmiss.config.models.backgrounds import BackgroundsTable
from darkmiss.config.models.base import Numbers, Pair, Table
from darkmiss.config.models.beam import BeamTable, RunTable
from darkmiss.config.models.calorimetry import CalorimetryTable
from darkmiss.config.models.detector import DetectorTable
from darkmiss.config.models.physics import PhysicsTable, ShowerTable
from darkmiss.config.models.production import ProductionTable
from darkmiss.config.models.projection import MuonBeamTable, ProjectionTable
from darkmiss.config.models.reproduce import ReproduceTable
from darkmiss.config.models.setup import SetupTable
from darkmiss.config.models.stats import StatsTable


class PresetModel(Table):
    """A whole preset: the merged tables of its TOML files."""

    setup: SetupTable
    beam: BeamTable
    runs: Annotated[dict[str, RunTable], Field(min_length=1)]
    shower: ShowerTable
    physics: PhysicsTable | None = None
    calorimetry: CalorimetryTable
    detector: DetectorTable
    production: ProductionTable
    backgrounds: BackgroundsTable
    analysis: AnalysisTable
    systematics: SystematicsTable
    stats: StatsTable
    projection: ProjectionTable
    muon_beam: MuonBeamTable | None = None
    reproduce: ReproduceTable


__all__ = ["Numbers", "Pair", "PresetModel", "Table"]
