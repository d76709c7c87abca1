"""The NA64 hardware triggers (spec Sec. III, Eq. 14; Sec. VI.B).

Physics trigger Tr(A′) = ΠS_i · V̄1 · PS(E_PS > E_th^PS) · ECAL(E_ECAL < E_th^ECAL), with in-time
counters and the PS/ECAL sums formed from the deposits inside the trigger gate; the calibration
trigger drops the ECAL threshold (Sec. VI.B).  Energies in GeV, counters in MIP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkmiss.config.load import Preset, required
from darkmiss.errors import UserInputError

TRIGGERS = ("physics", "calibration")


@dataclass(frozen=True)
class TriggerConfig:
    """Thresholds of Eq. 14 (``[detector.ecal]``, ``[detector.counters]``)."""

    ps_threshold: float  # GeV, spec Sec. III: 0.3 GeV
    ecal_threshold: float  # GeV, spec Sec. III: 80 GeV
    gate_ns: float  # half-width of the in-time gate
    s_threshold_mip: float
    v1_threshold_mip: float

    @classmethod
    def from_preset(cls, preset: Preset) -> TriggerConfig:
        """Read the thresholds from ``[detector.ecal]`` and ``[detector.counters]`` (all required)."""
        d = preset.section("detector")
        e = required(d, "ecal", "[detector]")
        c = required(d, "counters", "[detector]")
        return cls(
            ps_threshold=float(required(e, "trigger_ps_threshold", "[detector.ecal]")),
            ecal_threshold=float(required(e, "trigger_ecal_threshold", "[detector.ecal]")),
            gate_ns=float(required(e, "trigger_gate_ns", "[detector.ecal]")),
            s_threshold_mip=float(required(c, "s_threshold_mip", "[detector.counters]")),
            v1_threshold_mip=float(required(c, "v1_threshold_mip", "[detector.counters]")),
        )


@dataclass
class TriggerBits:
    """Trigger decisions per event."""

    physics: np.ndarray  # (n,) bool
    calibration: np.ndarray  # (n,) bool


def evaluate(
    s_counters: np.ndarray, v1: np.ndarray, ps_intime: np.ndarray, ecal_intime: np.ndarray, cfg: TriggerConfig
) -> TriggerBits:
    """Eq. 14: all S_i above threshold, V1 below, E_PS > 0.3 GeV; physics also E_ECAL < 80 GeV.

    ``ecal_intime`` is the in-gate energy of the whole ECAL (PS + main section) [GeV].
    """
    s_ok = np.all(np.asarray(s_counters) > cfg.s_threshold_mip, axis=1)
    v1_ok = np.asarray(v1) < cfg.v1_threshold_mip
    ps_ok = np.asarray(ps_intime) > cfg.ps_threshold
    calib = s_ok & v1_ok & ps_ok
    phys = calib & (np.asarray(ecal_intime) < cfg.ecal_threshold)
    return TriggerBits(physics=phys, calibration=calib)


def check_trigger(name: str) -> str:
    """Validate a trigger name (``physics`` or ``calibration``)."""
    if name not in TRIGGERS:
        raise UserInputError("trigger", name, "one of physics, calibration")
    return name
