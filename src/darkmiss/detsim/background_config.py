"""The ``[backgrounds.*]`` tables of a preset (``backgrounds.toml`` of the shipped preset) as
typed configurations, and the helpers the background processes use to read their own tables.

Every key is required: a missing table or key, or a non-finite number, is a
:class:`~darkmiss.errors.UserInputError` naming the preset, the table and the key.  Units as in
the table comments: GeV, cm, mb where a name says ``_mb``, depths in X0 or λ_int where named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, TypeVar

from darkmiss.config.load import Preset, required
from darkmiss.errors import UserInputError
from darkmiss.physics.materials import get_material

T = TypeVar("T")


def background_table(preset: Preset, name: str) -> dict[str, Any]:
    """The table ``[backgrounds.<name>]`` of ``preset``; a missing table is a user error."""
    t = preset.section("backgrounds").get(name)
    if not isinstance(t, dict):
        raise UserInputError("preset", preset.name, f"a [backgrounds.{name}] table")
    return t


def table_number(t: dict[str, Any], key: str, where: str) -> float:
    """``t[key]`` of the table ``[backgrounds.<where>]`` as a finite float (else a user error)."""
    v = float(required(t, key, f"[backgrounds.{where}]"))
    if not math.isfinite(v):
        raise UserInputError(f"preset [backgrounds.{where}] {key}", v, "a finite number")
    return v


def fill_from_table(cls: type[T], t: dict[str, Any], where: str, **extra: Any) -> T:
    """An instance of the dataclass ``cls`` whose float fields are read from the table ``t``
    (``[backgrounds.<where>]``, every field required); ``extra`` supplies the other fields."""
    names = [f for f in cls.__dataclass_fields__ if f not in extra]  # type: ignore[attr-defined]
    return cls(**{k: table_number(t, k, where) for k in names}, **extra)


@dataclass(frozen=True)
class PhotonuclearConfig:
    """γA cross-section and shower-photon parameters (``[backgrounds.photonuclear]``)."""

    dl_x_mb: float
    dl_y_mb: float
    dl_eps: float
    dl_eta: float
    shadow_exponent: float
    e_min_valid: float
    q2_max_gev2: float
    track_gamma: float
    track_electron: float

    @classmethod
    def from_preset(cls, preset: Preset) -> PhotonuclearConfig:
        """Read ``[backgrounds.photonuclear]`` (every key required)."""
        return fill_from_table(cls, background_table(preset, "photonuclear"), "photonuclear")


@dataclass(frozen=True)
class HadronicConfig:
    """Hadronic-shower and leading-hadron parameters (``[backgrounds.hadronic]``)."""

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
    prefilter_ps_min: float
    v2_charged_per_gev: float

    @classmethod
    def from_preset(cls, preset: Preset) -> HadronicConfig:
        """Read ``[backgrounds.hadronic]`` (every key required; fractions in 0..1, e/h > 0)."""
        cfg = fill_from_table(cls, background_table(preset, "hadronic"), "hadronic")
        if not 0 <= cfg.leading_neutral_fraction <= 1:
            raise UserInputError(
                "[backgrounds.hadronic] leading_neutral_fraction", cfg.leading_neutral_fraction, "0..1"
            )
        if cfg.e_over_h_ecal <= 0 or cfg.e_over_h_hcal <= 0:
            raise UserInputError("[backgrounds.hadronic] e_over_h", cfg.e_over_h_hcal, "positive values")
        return cfg


@dataclass(frozen=True)
class BeamFractions:
    """Beam composition per beam e⁻ and core-beam phase space (``[backgrounds.beam]``)."""

    pion_fraction: float
    kaon_fraction: float
    muon_fraction: float
    angle_sigma_mrad: float
    spot_sigma_cm: float

    @classmethod
    def from_preset(cls, preset: Preset) -> BeamFractions:
        """Read ``[backgrounds.beam]`` (every key required; fractions non-negative)."""
        cfg = fill_from_table(cls, background_table(preset, "beam"), "beam")
        if min(cfg.pion_fraction, cfg.kaon_fraction, cfg.muon_fraction) < 0:
            raise UserInputError("[backgrounds.beam] fractions", cfg, "non-negative fractions")
        return cfg

    def fraction(self, pdg: int) -> float:
        """Fraction per beam e⁻ of species ``pdg`` (|pdg| 211, 321, 13)."""
        return {211: self.pion_fraction, 321: self.kaon_fraction, 13: self.muon_fraction}[abs(pdg)]


@dataclass(frozen=True)
class KnockOnConfig:
    """Fake SRD tag by a knock-on electron from the vessel window (``[backgrounds.knockon]``)."""

    window_thickness_cm: float
    k_bethe_mev_cm2_g: float
    t_min: float
    three_counter_probability: float
    window_material: str

    @classmethod
    def from_preset(cls, preset: Preset) -> KnockOnConfig:
        """Read ``[backgrounds.knockon]`` (every key required; ``window_material`` a known material)."""
        t = background_table(preset, "knockon")
        mat = str(required(t, "window_material", "[backgrounds.knockon]"))
        try:
            get_material(mat)
        except UserInputError as exc:
            raise UserInputError("preset [backgrounds.knockon] window_material", mat, exc.allowed) from None
        return fill_from_table(cls, t, "knockon", window_material=mat)
