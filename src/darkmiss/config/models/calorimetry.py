"""Preset tables of ``calorimetry.toml``: the calorimeter response. Energies in GeV."""

from __future__ import annotations

from darkmiss.config.models.base import Table


class MuonTable(Table):
    """``[calorimetry.muon]``: muon transport cuts [GeV] (defaults in ``shower.muons.MuonSettings``)."""

    delta_cut_gev: float | None = None
    radiative_vcut: float | None = None
    stop_kinetic_gev: float | None = None


class CalorimetryTable(Table):
    """``[calorimetry]``: photo-statistics, noise, sampling and calibration (defaults in
    ``shower.response.CalorimetrySettings``)."""

    hcal_pe_per_mip: float | None = None
    ecal_pe_per_gev: float | None = None
    v2_pe_per_mip: float | None = None
    ecal_noise_gev: float | None = None
    hcal_noise_gev: float | None = None
    sampling_coefficient: float | None = None
    calibration_energy: float | None = None
    calibration_showers: int | None = None
    calibration_seed: int | None = None
    hcal_calibration: str | None = None
    fast_split_gev: float | None = None
    muon: MuonTable | None = None
