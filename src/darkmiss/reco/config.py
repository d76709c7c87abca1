"""The analysis settings (preset tables ``[analysis]`` and ``[systematics]``) as frozen dataclasses.

Every cut, region edge and threshold comes from ``presets/<name>/analysis.toml`` (spec sections in
the comments there). Units: GeV, ns, mrad, V2 in MIP.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from darkmiss.config.load import Preset
from darkmiss.config.load import required as _t
from darkmiss.errors import UserInputError


def _pair(v: Any, where: str) -> tuple[float, float]:
    lo, hi = (float(x) for x in v)
    if not lo < hi:
        raise UserInputError(f"preset {where}", v, "a range [lo, hi] with lo < hi")
    return lo, hi


@dataclass(frozen=True)
class PileupConfig:
    """Pile-up removal (spec Sec. VI.A): thresholds [GeV], times [ns], pulse shape."""

    cell_energy_threshold: float
    time_window_ns: float
    expected_time_ns: float
    pulse_tau_ns: float
    window_start_ns: float
    fit_min_energy: float
    peak_min_fraction: float
    peak_min_sample: float
    max_pulses: int


@dataclass(frozen=True)
class EcalConfig:
    """Expected electron shower for the shape χ² (spec Sec. IV); energies GeV."""

    critical_energy: float
    profile_b: float
    ps_fraction_rel_sigma: float
    ps_fraction_abs_sigma: float
    lateral_fraction_expected: float
    lateral_fraction_sigma: float
    chi2_max: float
    min_energy: float


@dataclass(frozen=True)
class TrackingConfig:
    """Incoming-track selection (spec Sec. IV, VIII): momentum GeV, angle mrad."""

    n_tracks: int
    momentum: float
    momentum_window: float
    max_upstream_hits: int
    max_angle_in_mrad: float


@dataclass(frozen=True)
class SrdConfig:
    """SRD identification (spec Sec. IV): per-counter energy range [GeV] and time window [ns]."""

    energy_min: float
    energy_max: float
    time_window_ns: float


@dataclass(frozen=True)
class AnalysisConfig:
    """All analysis settings of a preset (``[analysis]`` and ``[systematics]``)."""

    preset_name: str
    beam_energy: float
    hcal_modules_in_ehcal: tuple[int, ...]
    default_yield_threshold_fraction: float
    pileup: PileupConfig
    ecal: EcalConfig
    tracking: TrackingConfig
    srd: SrdConfig
    v2_threshold_mip: float
    v2_threshold_variation: tuple[float, float]
    hcal_zero_threshold_variation: tuple[float, float]
    hcal_lateral_max: float
    hcal_lateral_fraction_max: float
    hcal_cell_threshold: float
    hcal_time_spread_max_ns: float
    ecal_cut: float
    hcal_cut: float
    blind_ecal_max: float
    blind_hcal_max: float
    validation_ecal: tuple[float, float]
    validation_hcal_min: float
    dimuon_ecal_max: float
    dimuon_hcal1_range: tuple[float, float]
    dimuon_hcal4_range: tuple[float, float]
    rr_edges_min: float
    rr_edges_max: float
    rr_n_bins: int
    sideband_fit_range: tuple[float, float]
    sideband_fit_variations: tuple[tuple[float, float], ...]
    sideband_a_hcal_range: tuple[float, float]
    n_toys: int
    eff_ecal_bins: int
    eff_ecal_max: float
    interval_cl: float
    sys_eot: float
    sys_cross_section: float
    sys_ecal_chi2_variation: tuple[float, float]
    sys_reweighting_stat: float

    def with_cuts(self, ecal_cut: float | None = None, hcal_cut: float | None = None) -> AnalysisConfig:
        """A copy with other signal-box edges [GeV] (e.g. the frozen, optimised ECAL cut)."""
        return replace(
            self,
            ecal_cut=self.ecal_cut if ecal_cut is None else float(ecal_cut),
            hcal_cut=self.hcal_cut if hcal_cut is None else float(hcal_cut),
        )

    @classmethod
    def from_preset(cls, preset: Preset) -> AnalysisConfig:
        a = preset.section("analysis")
        s = preset.section("systematics")
        beam = preset.section("beam")
        pu = _t(a, "pileup", "[analysis]")
        ec = _t(a, "ecal", "[analysis]")
        tr = _t(a, "tracking", "[analysis]")
        sr = _t(a, "srd", "[analysis]")
        ve = _t(a, "veto", "[analysis]")
        hc = _t(a, "hcal", "[analysis]")
        rg = _t(a, "regions", "[analysis]")
        dm = _t(a, "dimuon", "[analysis]")
        bg = _t(a, "background", "[analysis]")
        ef = _t(a, "efficiency", "[analysis]")
        modules = tuple(int(m) for m in _t(a, "hcal_modules_in_ehcal", "[analysis]"))
        if not modules or any(m not in (1, 2, 3, 4) for m in modules):
            raise UserInputError("preset [analysis] hcal_modules_in_ehcal", modules, "module numbers 1-4")
        pileup = PileupConfig(
            **{  # type: ignore[arg-type]
                k: (
                    int(_t(pu, k, "[analysis.pileup]"))
                    if k == "max_pulses"
                    else float(_t(pu, k, "[analysis.pileup]"))
                )
                for k in PileupConfig.__dataclass_fields__
            }
        )
        det = (
            preset.data.get("detector", {}).get("ecal")
            if isinstance(preset.data.get("detector"), dict)
            else None
        )
        if isinstance(det, dict) and "pulse_rise_ns" in det and "trigger_sample" in det:
            # one source of truth for the pulse shape: the simulation's readout constants
            pileup = replace(
                pileup,
                pulse_tau_ns=float(det["pulse_rise_ns"]),
                window_start_ns=-float(det["trigger_sample"]) * float(det.get("sample_ns", 12.5)),
            )
        cfg = cls(
            preset_name=preset.name,
            beam_energy=float(_t(beam, "energy", "[beam]")),
            hcal_modules_in_ehcal=modules,
            default_yield_threshold_fraction=float(_t(a, "default_yield_threshold_fraction", "[analysis]")),
            pileup=pileup,
            ecal=EcalConfig(
                **{k: float(_t(ec, k, "[analysis.ecal]")) for k in EcalConfig.__dataclass_fields__}
            ),
            tracking=TrackingConfig(
                n_tracks=int(_t(tr, "n_tracks", "[analysis.tracking]")),
                momentum=float(_t(tr, "momentum", "[analysis.tracking]")),
                momentum_window=float(_t(tr, "momentum_window", "[analysis.tracking]")),
                max_upstream_hits=int(_t(tr, "max_upstream_hits", "[analysis.tracking]")),
                max_angle_in_mrad=float(_t(tr, "max_angle_in_mrad", "[analysis.tracking]")),
            ),
            srd=SrdConfig(**{k: float(_t(sr, k, "[analysis.srd]")) for k in SrdConfig.__dataclass_fields__}),
            v2_threshold_mip=float(_t(ve, "v2_threshold_mip", "[analysis.veto]")),
            v2_threshold_variation=_pair(
                _t(ve, "v2_threshold_variation", "[analysis.veto]"), "[analysis.veto]"
            ),
            hcal_zero_threshold_variation=_pair(
                _t(hc, "zero_threshold_variation", "[analysis.hcal]"), "[analysis.hcal]"
            ),
            hcal_lateral_max=float(_t(hc, "lateral_max", "[analysis.hcal]")),
            hcal_lateral_fraction_max=float(_t(hc, "lateral_fraction_max", "[analysis.hcal]")),
            hcal_cell_threshold=float(_t(hc, "cell_threshold", "[analysis.hcal]")),
            hcal_time_spread_max_ns=float(_t(hc, "time_spread_max_ns", "[analysis.hcal]")),
            ecal_cut=float(_t(rg, "ecal_cut", "[analysis.regions]")),
            hcal_cut=float(_t(rg, "hcal_cut", "[analysis.regions]")),
            blind_ecal_max=float(_t(rg, "blind_ecal_max", "[analysis.regions]")),
            blind_hcal_max=float(_t(rg, "blind_hcal_max", "[analysis.regions]")),
            validation_ecal=_pair(_t(rg, "validation_ecal", "[analysis.regions]"), "[analysis.regions]"),
            validation_hcal_min=float(_t(rg, "validation_hcal_min", "[analysis.regions]")),
            dimuon_ecal_max=float(_t(dm, "ecal_max", "[analysis.dimuon]")),
            dimuon_hcal1_range=_pair(_t(dm, "hcal1_range", "[analysis.dimuon]"), "[analysis.dimuon]"),
            dimuon_hcal4_range=_pair(_t(dm, "hcal4_range", "[analysis.dimuon]"), "[analysis.dimuon]"),
            rr_edges_min=float(_t(dm, "rr_edges_min", "[analysis.dimuon]")),
            rr_edges_max=float(_t(dm, "rr_edges_max", "[analysis.dimuon]")),
            rr_n_bins=int(_t(dm, "rr_n_bins", "[analysis.dimuon]")),
            sideband_fit_range=_pair(_t(bg, "fit_range", "[analysis.background]"), "[analysis.background]"),
            sideband_fit_variations=tuple(
                _pair(v, "[analysis.background]")
                for v in _t(bg, "fit_range_variations", "[analysis.background]")
            ),
            sideband_a_hcal_range=_pair(
                _t(bg, "sideband_a_hcal_range", "[analysis.background]"), "[analysis.background]"
            ),
            n_toys=int(_t(bg, "n_toys", "[analysis.background]")),
            eff_ecal_bins=int(_t(ef, "ecal_bins", "[analysis.efficiency]")),
            eff_ecal_max=float(_t(ef, "ecal_max", "[analysis.efficiency]")),
            interval_cl=float(_t(ef, "interval_cl", "[analysis.efficiency]")),
            sys_eot=float(_t(s, "eot", "[systematics]")),
            sys_cross_section=float(_t(s, "signal_cross_section", "[systematics]")),
            sys_ecal_chi2_variation=_pair(_t(s, "ecal_chi2_variation", "[systematics]"), "[systematics]"),
            sys_reweighting_stat=float(_t(s, "reweighting_stat", "[systematics]")),
        )
        if not 0 < cfg.ecal_cut <= cfg.beam_energy:
            raise UserInputError(
                "preset [analysis.regions] ecal_cut", cfg.ecal_cut, "0 < ecal_cut <= beam energy"
            )
        if cfg.hcal_cut <= 0:
            raise UserInputError("preset [analysis.regions] hcal_cut", cfg.hcal_cut, "a positive energy")
        return cfg


def yield_threshold(preset: Preset, cfg: AnalysisConfig) -> float:
    """E_A′ threshold of the yield population [GeV] (the shower stage's convention).

    Looks for ``yield_threshold`` [GeV] or ``yield_threshold_fraction`` (of the beam energy) in the
    ``[shower]`` or ``[physics]`` tables; falls back to ``[analysis] default_yield_threshold_fraction``.
    """
    for table in ("shower", "physics"):
        t = preset.data.get(table)
        if isinstance(t, dict):
            if "yield_threshold" in t:
                return float(t["yield_threshold"])
            if "yield_threshold_fraction" in t:
                return float(t["yield_threshold_fraction"]) * cfg.beam_energy
    return cfg.default_yield_threshold_fraction * cfg.beam_energy
