"""The preset schema: one strict pydantic model per preset table.

Every table of a preset TOML (``[setup]``, ``[setup.ecal]``, ``[analysis.pileup]``, …) has its model
here, with ``extra="forbid"`` (an unknown or misspelt key is an error), strict types (a number written
as a string, a float where an integer is meant, NaN or ±inf are errors) and the keys the code reads
without a default marked required. :func:`darkmiss.config.load.load_preset` validates every preset with
:class:`PresetModel` and turns the first error into one line naming the file, the table and the key.

The models only validate: the stages keep reading the preset's tables with their own frozen
``from_preset`` dataclasses, which check ranges and relations between keys. A new key is one field in
the model of its table; a new table is one model and one field of its parent. Units as in the
presets: GeV, cm, ns, mrad, MIP, pb unless a key's name says otherwise.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: Two numbers (a range ``[lo, hi]`` or a pair of variations).
Pair = Annotated[list[float], Field(min_length=2, max_length=2)]
#: A non-empty list of numbers (masses in GeV, quantiles, …).
Numbers = Annotated[list[float], Field(min_length=1)]


class Table(BaseModel):
    """Base of every table model: unknown keys and loose types are refused; floats are finite."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)


# --- setup.toml -----------------------------------------------------------------------------------


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


# --- beam.toml ------------------------------------------------------------------------------------


class BeamTable(Table):
    """``[beam]``: beam energy [GeV] and SPS spill length [s]."""

    energy: float
    spill_s: float


class RunTable(Table):
    """``[runs.NAME]``: one run's EOT and intensity [e⁻ per spill] (spec Sec. IV)."""

    eot: float
    intensity: float
    intensity_range: Pair


# --- physics.toml (shower engine) -----------------------------------------------------------------


class ShowerTable(Table):
    """``[shower]``: cuts [GeV], A′ threshold fraction and default statistics of the shower engine."""

    ecut: float
    split_energy: float
    fast_kc: float
    yield_kc: float
    threshold_fraction: float
    yield_showers: int
    tally_showers: int
    chunk_size: int
    tally_per_decade: int
    spectrum_bins: int
    # E_A′ threshold of the analysis's yield population (darkmiss.reco.config.yield_threshold)
    yield_threshold: float | None = None
    yield_threshold_fraction: float | None = None


class PhysicsTable(Table):
    """``[physics]`` (optional): the E_A′ threshold of the yield population, in GeV or as a fraction of
    the beam energy (read by ``darkmiss.reco.config.yield_threshold``)."""

    yield_threshold: float | None = None
    yield_threshold_fraction: float | None = None


# --- calorimetry.toml -----------------------------------------------------------------------------


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


# --- detector.toml --------------------------------------------------------------------------------


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


# --- production.toml ------------------------------------------------------------------------------


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


class ProductionTable(Table):
    """``[production]``: chunking, prescales (process → k), fixed-size weighted samples (process → N)."""

    chunk_events: int
    prescale: dict[str, float] | None = None
    calibration: ProductionCalibrationTable
    prefilter: PrefilterTable
    protected: ProtectedTable
    waveforms: WaveformsTable
    prefilter_cuts: PrefilterCutsTable
    weighted_events: dict[str, int] | None = None


# --- backgrounds.toml -----------------------------------------------------------------------------


class PhotonuclearTable(Table):
    """``[backgrounds.photonuclear]``: γA cross-section and shower-photon track lengths."""

    dl_x_mb: float
    dl_y_mb: float
    dl_eps: float
    dl_eta: float
    shadow_exponent: float
    e_min_valid: float
    q2_max_gev2: float
    track_gamma: float
    track_electron: float


class HadronicTable(Table):
    """``[backgrounds.hadronic]``: electro/photonuclear events and hadronic showers."""

    k_min: float
    fem_e0: float
    fem_m: float
    fem_rms: float
    e_over_h_ecal: float
    e_over_h_hcal: float
    sampling_hcal: float
    sampling_ecal: float
    bock_a0: float
    bock_a1: float
    bock_b: float
    bock_d0: float
    bock_d1: float
    bock_w: float
    lateral_lambda_fraction: float
    leading_power: float
    leading_neutral_fraction: float
    mean_pt: float
    punch_e_min: float
    dedx_mip_pb: float
    dedx_mip_fe: float
    dedx_mip_sc: float
    e_over_mip_ecal: float
    e_over_mip_hcal: float
    conversion_x0: float
    prefilter_ecal_max: float
    v2_charged_per_gev: float
    prefilter_ps_min: float


class BeamBackgroundTable(Table):
    """``[backgrounds.beam]``: beam composition and phase space of the background processes."""

    pion_fraction: float
    kaon_fraction: float
    muon_fraction: float
    angle_sigma_mrad: float
    spot_sigma_cm: float


class KnockonTable(Table):
    """``[backgrounds.knockon]``: fake SRD tags from δ electrons of the vessel window."""

    window_material: str
    window_thickness_cm: float
    k_bethe_mev_cm2_g: float
    t_min: float
    three_counter_probability: float


class DecaysTable(Table):
    """``[backgrounds.decays]``: decay volume [cm]."""

    decay_length_cm: float
    tracker_end_cm: float


class HadronTargetTable(Table):
    """``[backgrounds.hadron_target]``: charge exchange and μ bremsstrahlung."""

    cex_fraction: float
    cex_rel_err: float
    mu_brems_k_min: float
    mu_brems_log_ratio: float


class UpstreamTable(Table):
    """``[backgrounds.upstream]``: the side-band-C calibration (run → value) and the upstream events."""

    slope: dict[str, float]
    box_events: dict[str, float]
    box_events_err: dict[str, float]
    box_e_max: float
    e_min: float
    e_max: float
    dirty_per_clean: float
    dirty_angle_mrad: float
    offset_sigma_cm: float
    dirty_time_spread_ns: float
    dirty_hcal_mean: float


class AccidentalTable(Table):
    """``[backgrounds.accidental]``: low-energy tail electrons with an accidental SRD tag."""

    tail_fraction: float
    tail_e_min: float
    tail_e_max: float
    srd_window_ns: float
    track_merge_probability: float
    tag_efficiency: float


class BackgroundsTable(Table):
    """``[backgrounds]``: the background processes of spec Sec. VIII."""

    photonuclear: PhotonuclearTable
    hadronic: HadronicTable
    beam: BeamBackgroundTable
    knockon: KnockonTable
    decays: DecaysTable
    hadron_target: HadronTargetTable
    upstream: UpstreamTable
    accidental: AccidentalTable


# --- analysis.toml --------------------------------------------------------------------------------


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


# --- stats.toml -----------------------------------------------------------------------------------


class OptimiseTable(Table):
    """``[stats.optimise]``: masses [GeV] and ECAL-cut scan [GeV] of the optimisation (Fig. 14)."""

    masses: Numbers | None = None
    cut_min: float | None = None
    cut_max: float | None = None
    cut_step: float | None = None


class InterpretTable(Table):
    """``[stats.interpret]``: the dark-matter interpretation (spec Sec. X)."""

    alpha_d: Numbers | None = None
    mass_ratio: float | None = None
    f_pseudodirac: float | None = None
    f_majorana: float | None = None
    amu_band_nsigma: float | None = None
    ae_exclusion_nsigma: float | None = None


class StatsTable(Table):
    """``[stats]``: confidence level, CLs method and nuisances (spec Sec. IX; defaults in
    ``stats.model.StatsConfig``)."""

    cl: float | None = None
    method: str | None = None
    nuisance: str | None = None
    nuisance_samples: int | None = None
    nuisance_seed: int | None = None
    correlated_sources: list[str] | None = None
    pyhf_interpcode: str | None = None
    expected_quantiles: Numbers | None = None
    tail_probability: float | None = None
    optimise: OptimiseTable | None = None
    interpret: InterpretTable | None = None


# --- projection.toml ------------------------------------------------------------------------------


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


# --- reproduce.toml -------------------------------------------------------------------------------


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


class ReproduceTable(Table):
    """``[reproduce]``: masses [GeV] and statistics of ``darkmiss reproduce``."""

    masses: Numbers
    fine_grid: FineGridTable | None = None
    efficiency_masses: Numbers
    optimise_masses: Numbers | None = None
    signal_epsilon: float | None = None
    full: ReproduceModeTable
    quick: ReproduceModeTable


# --- the whole preset -----------------------------------------------------------------------------


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
    reproduce: ReproduceTable


__all__ = ["PresetModel", "Table"]
