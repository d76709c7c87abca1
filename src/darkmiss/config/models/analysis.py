"""Preset tables of ``analysis.toml``: the analysis and the systematic inputs (spec Sec. IV–VIII).
GeV, ns, mrad, MIP."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from darkmiss.config.models.base import Pair, Table


class AnalysisPileupTable(Table):
    """``[analysis.pileup]``: pile-up removal on the MSADC waveforms (spec Sec. VI.A)."""

    cell_energy_threshold: float
    time_window_ns: float
    expected_time_ns: float
    pulse_tau_ns: float
    window_start_ns: float
    fit_min_energy: float
    peak_min_fraction: float
    peak_min_sample: float
    max_pulses: int


class AnalysisEcalTable(Table):
    """``[analysis.ecal]``: the electron shower-shape χ²."""

    critical_energy: float
    profile_b: float
    ps_fraction_rel_sigma: float
    ps_fraction_abs_sigma: float
    lateral_fraction_expected: float
    lateral_fraction_sigma: float
    chi2_max: float
    min_energy: float


class AnalysisTrackingTable(Table):
    """``[analysis.tracking]``: the incoming-track cuts."""

    n_tracks: int
    momentum: float
    momentum_window: float
    max_upstream_hits: int
    max_angle_in_mrad: float


class AnalysisSrdTable(Table):
    """``[analysis.srd]``: the SRD window."""

    energy_min: float
    energy_max: float
    time_window_ns: float


class AnalysisVetoTable(Table):
    """``[analysis.veto]``: the V2 cut [MIP]."""

    v2_threshold_mip: float
    v2_threshold_variation: Pair


class AnalysisHcalTable(Table):
    """``[analysis.hcal]``: HCAL zero-threshold variation and upstream-interaction cuts."""

    zero_threshold_variation: Pair
    lateral_max: float
    cell_threshold: float
    time_spread_max_ns: float


class AnalysisRegionsTable(Table):
    """``[analysis.regions]``: signal box, blinded box and validation region [GeV]."""

    ecal_cut: float
    hcal_cut: float
    blind_ecal_max: float
    blind_hcal_max: float
    validation_ecal: Pair
    validation_hcal_min: float


class AnalysisDimuonTable(Table):
    """``[analysis.dimuon]``: the dimuon selection and the RR binning (spec Sec. V.B)."""

    ecal_max: float
    hcal1_range: Pair
    hcal4_range: Pair
    rr_edges_min: float
    rr_edges_max: float
    rr_n_bins: int


class AnalysisBackgroundTable(Table):
    """``[analysis.background]``: side-band fits (spec Sec. VIII)."""

    fit_range: Pair
    fit_range_variations: list[Pair]
    sideband_a_hcal_range: Pair
    n_toys: int


class AnalysisEfficiencyTable(Table):
    """``[analysis.efficiency]``: efficiency binning and interval CL."""

    ecal_bins: int
    ecal_max: float
    interval_cl: float


class AnalysisTable(Table):
    """``[analysis]``: reconstruction, selection, regions, efficiencies, background (Sec. IV–VIII)."""

    hcal_modules_in_ehcal: Annotated[list[int], Field(min_length=1)]
    default_yield_threshold_fraction: float
    pileup: AnalysisPileupTable
    ecal: AnalysisEcalTable
    tracking: AnalysisTrackingTable
    srd: AnalysisSrdTable
    veto: AnalysisVetoTable
    hcal: AnalysisHcalTable
    regions: AnalysisRegionsTable
    dimuon: AnalysisDimuonTable
    background: AnalysisBackgroundTable
    efficiency: AnalysisEfficiencyTable


class SystematicsTable(Table):
    """``[systematics]``: relative input uncertainties (spec Sec. VII, Table III)."""

    eot: float
    signal_cross_section: float
    ecal_chi2_variation: Pair
    reweighting_stat: float
