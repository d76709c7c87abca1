"""Preset tables of ``production.toml``: the production of event files. Energies in GeV."""

from __future__ import annotations

from darkmiss.config.models.base import Table


class ProductionCalibrationTable(Table):
    """``[production.calibration]``: calibration-trigger prescale of ordinary showers."""

    em_prescale: float


class PrefilterTable(Table):
    """``[production.prefilter]``: the pre-filter a process generates under."""

    trigger: bool
    srd_tag: bool
    one_track: bool


class ProtectedTable(Table):
    """``[production.protected]``: the signal box [GeV]."""

    signal_box_ecal_max: float
    signal_box_hcal_max: float


class WaveformsTable(Table):
    """``[production.waveforms]``: waveform storage [GeV]."""

    max_ecal_energy: float
    zero_suppression_gev: float | None = None


class PrefilterCutsTable(Table):
    """``[production.prefilter_cuts]``: truth-level pre-filter thresholds and rate statistics."""

    srd_min_gev: float
    rate_sample_events: int


class FastPathTable(Table):
    """``[production.fast_path]``: truth-level limits [GeV, MIP] of the fast and summary paths of the
    electronuclear pseudo-data and of the biased Table IV samples (docs/backgrounds.md)."""

    v2_certain_mip: float
    box_hcal12_max: float
    box_ecal_margin: float
    dimuon_hcal_max: float
    dimuon_ecal_max: float


class ProductionTable(Table):
    """``[production]``: chunking, prescales (process → k), fixed-size weighted samples (process → N)."""

    chunk_events: int
    summary_chunk_events: int | None = None
    prescale: dict[str, float] | None = None
    calibration: ProductionCalibrationTable
    prefilter: PrefilterTable
    protected: ProtectedTable
    waveforms: WaveformsTable
    prefilter_cuts: PrefilterCutsTable
    weighted_events: dict[str, int] | None = None
    fast_path: FastPathTable
