"""Preset tables of ``detector.toml``: the detector response of the simulation. GeV, cm, ns, mrad, MIP."""

from __future__ import annotations

from darkmiss.config.models.base import Table


class BeamlineTable(Table):
    """``[detector.beamline]``: H4 beam composition and phase space (spec Sec. III)."""

    momentum_spread: float
    pion_fraction: float
    kaon_fraction: float
    proton_fraction: float
    muon_fraction: float
    halo_fraction: float
    low_energy_tail_fraction: float
    low_energy_tail_min: float
    low_energy_tail_max: float
    spot_sigma_cm: float
    halo_sigma_cm: float
    angle_sigma_mrad: float
    tail_angle_mrad: float


class CountersTable(Table):
    """``[detector.counters]``: S1–S3 and V1 [MIP]."""

    s_mip_sigma: float
    s_threshold_mip: float
    v1_threshold_mip: float
    v1_halo_probability: float


class TrackerTable(Table):
    """``[detector.tracker]``: MM/GEM stations."""

    field_integral_tm: float
    angle_resolution_in_mrad: float
    angle_resolution_out_mrad: float
    station_efficiency: float
    efficiency_loss_per_mhz: float
    resolving_time_ns: float
    noise_hit_probability: float


class SrdTable(Table):
    """``[detector.srd]``: magnets and the synchrotron-radiation detector."""

    magnet_field_t: float
    magnet_length_cm: float
    drift_to_srd_cm: float
    counter_width_cm: float
    counter_height_cm: float
    first_counter_offset_cm: float
    sampling_resolution: float
    efficiency: float
    efficiency_loss_per_mhz: float
    time_resolution_ns: float


class EcalReadoutTable(Table):
    """``[detector.ecal]``: MSADC readout and trigger thresholds of the ECAL."""

    sample_ns: float
    n_samples: int
    trigger_sample: int
    pulse_rise_ns: float
    noise_per_sample_gev: float
    time_resolution_ns: float
    time_resolution_floor_ns: float
    trigger_gate_ns: float
    trigger_ps_threshold: float
    trigger_ecal_threshold: float
    moliere_core_fraction: float


class HcalReadoutTable(Table):
    """``[detector.hcal]``: HCAL readout."""

    time_resolution_ns: float
    noise_gev: float
    photoelectrons_per_mip: float
    resolution_stochastic: float


class V2ReadoutTable(Table):
    """``[detector.v2]``: V2 readout noise [MIP]."""

    noise_mip: float


class PileupTable(Table):
    """``[detector.pileup]``: arrival window [ns] and MIP energies [GeV] of pile-up particles."""

    early_ns: float
    late_ns: float
    mip_ecal_gev: float
    mip_ps_gev: float
    mip_hcal_module_gev: float


class DetectorTable(Table):
    """``[detector]``: the detector response of the simulation (dead time, sub-detectors)."""

    dead_time_per_trigger_ns: float
    trigger_fraction: float
    beamline: BeamlineTable
    counters: CountersTable
    tracker: TrackerTable
    srd: SrdTable
    ecal: EcalReadoutTable
    hcal: HcalReadoutTable
    v2: V2ReadoutTable
    pileup: PileupTable
