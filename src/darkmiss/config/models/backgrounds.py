"""Preset tables of ``backgrounds.toml``: the background processes of spec Sec. VIII. GeV, cm, ns, mb."""

from __future__ import annotations

from darkmiss.config.models.base import Table


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
