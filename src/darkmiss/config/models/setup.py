"""Preset tables of ``setup.toml``: the calorimetric setup (spec Sec. III). Lengths in cm."""

from __future__ import annotations

from darkmiss.config.models.base import Table


class SamplingStructureTable(Table):
    """``[setup.ecal]`` / ``[setup.hcal]``: a sampling calorimeter (spec Sec. III), lengths in cm."""

    absorber: str
    absorber_cm: float
    active: str
    active_cm: float
    n_layers: int
    cell_size_cm: float
    n_cells_x: int
    n_cells_y: int


class EcalSetupTable(SamplingStructureTable):
    """``[setup.ecal]``: the shashlik ECAL with its preshower layers."""

    ps_layers: int


class HcalSetupTable(SamplingStructureTable):
    """``[setup.hcal]``: the HCAL modules."""

    n_modules: int
    module_gap_cm: float


class V2SetupTable(Table):
    """``[setup.v2]``: the veto counter V2 [cm]."""

    thickness_cm: float
    half_width_cm: float


class SetupTable(Table):
    """``[setup]``: the calorimetric setup (spec Sec. III)."""

    ecal_hcal_gap_cm: float
    ecal: EcalSetupTable
    hcal: HcalSetupTable
    v2: V2SetupTable
