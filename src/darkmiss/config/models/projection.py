"""Preset tables of ``projection.toml``: the defaults of ``darkmiss project``."""

from __future__ import annotations

from darkmiss.config.models.base import Numbers, Table


class SignalSystTable(Table):
    """``[projection.signal_syst]``: relative signal uncertainties (spec Table III)."""

    eot: float | None = None
    cross_section: float | None = None
    efficiency: float | None = None


class ProjectionTable(Table):
    """``[projection]``: defaults of ``darkmiss project``."""

    efficiency: float
    background: float
    background_eot: float
    background_rel_err: float
    masses: Numbers
    signal_syst: SignalSystTable | None = None


class MuonBeamTable(Table):
    """``[muon_beam]``: muon-beam defaults of ``yield``/``project`` (energy and outgoing-muon cut [GeV])."""

    energy: float
    max_outgoing_energy: float
