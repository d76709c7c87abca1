"""Frozen configuration objects shared by several stages: the detector geometry and the runs.

Each stage with settings of its own defines its dataclass next to its code with a
``from_preset(preset)`` constructor; the ones here are used across stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from darkmiss.config.load import Preset
from darkmiss.config.load import required as _get
from darkmiss.errors import UserInputError
from darkmiss.physics.materials import SamplingStructure


def _structure(name: str, t: dict[str, Any]) -> SamplingStructure:
    where = f"[setup.{name}]"
    s = SamplingStructure(
        name=name,
        absorber=_get(t, "absorber", where),
        absorber_cm=float(_get(t, "absorber_cm", where)),
        active=_get(t, "active", where),
        active_cm=float(_get(t, "active_cm", where)),
        n_layers=int(_get(t, "n_layers", where)),
        cell_size_cm=float(_get(t, "cell_size_cm", where)),
        n_cells_x=int(_get(t, "n_cells_x", where)),
        n_cells_y=int(_get(t, "n_cells_y", where)),
    )
    if s.absorber_cm <= 0 or s.active_cm <= 0 or s.n_layers <= 0:
        raise UserInputError(where, t, "positive plate thicknesses and layer count")
    s.absorber_material  # noqa: B018 - validates the material names
    s.active_material  # noqa: B018
    return s


@dataclass(frozen=True)
class SetupGeometry:
    """The calorimetric part of the setup (spec Sec. III): ECAL (with preshower), V2, HCAL modules.

    Lengths in cm, z measured from the ECAL front face.
    """

    ecal: SamplingStructure
    ps_layers: int
    hcal: SamplingStructure
    n_hcal_modules: int
    ecal_hcal_gap_cm: float
    hcal_module_gap_cm: float
    v2_thickness_cm: float
    v2_half_width_cm: float

    @property
    def ps_x0(self) -> float:
        """Preshower depth in radiation lengths."""
        return self.ps_layers * self.ecal.x0_per_layer

    @property
    def hcal_z0_cm(self) -> float:
        """z of the first HCAL module's front face [cm]."""
        return self.ecal.length_cm + self.ecal_hcal_gap_cm

    def hcal_module_z(self, i: int) -> float:
        """z of the front face of HCAL module ``i`` (0-based) [cm]."""
        return self.hcal_z0_cm + i * (self.hcal.length_cm + self.hcal_module_gap_cm)

    @classmethod
    def from_preset(cls, preset: Preset) -> SetupGeometry:
        t = preset.section("setup")
        ecal = _structure("ecal", _get(t, "ecal", "[setup]"))
        hcal = _structure("hcal", _get(t, "hcal", "[setup]"))
        ps_layers = int(_get(t["ecal"], "ps_layers", "[setup.ecal]"))
        if not 0 < ps_layers < ecal.n_layers:
            raise UserInputError("[setup.ecal] ps_layers", ps_layers, f"between 1 and {ecal.n_layers - 1}")
        v2 = _get(t, "v2", "[setup]")
        return cls(
            ecal=ecal,
            ps_layers=ps_layers,
            hcal=hcal,
            n_hcal_modules=int(_get(t["hcal"], "n_modules", "[setup.hcal]")),
            ecal_hcal_gap_cm=float(_get(t, "ecal_hcal_gap_cm", "[setup]")),
            hcal_module_gap_cm=float(_get(t["hcal"], "module_gap_cm", "[setup.hcal]")),
            v2_thickness_cm=float(_get(v2, "thickness_cm", "[setup.v2]")),
            v2_half_width_cm=float(_get(v2, "half_width_cm", "[setup.v2]")),
        )


RUN_NAMES = ("I", "II", "III")


@dataclass(frozen=True)
class RunConfig:
    """One 2016 run (spec Sec. IV): EOT (dead-time corrected) and beam intensity [e⁻ per spill]."""

    name: str
    eot: float
    intensity_per_spill: float
    intensity_range: tuple[float, float]
    spill_s: float

    @property
    def rate_hz(self) -> float:
        """Mean instantaneous beam rate during the spill [1/s]."""
        return self.intensity_per_spill / self.spill_s


def runs_from_preset(preset: Preset) -> dict[str, RunConfig]:
    """The runs of a preset, keyed by name (``"I"``, ``"II"``, ``"III"``)."""
    t = preset.section("runs")
    spill = float(_get(preset.section("beam"), "spill_s", "[beam]"))
    out: dict[str, RunConfig] = {}
    for name, r in t.items():
        if not isinstance(r, dict):
            continue
        lo, hi = (float(v) for v in _get(r, "intensity_range", f"[runs.{name}]"))
        out[name] = RunConfig(
            name=name,
            eot=float(_get(r, "eot", f"[runs.{name}]")),
            intensity_per_spill=float(_get(r, "intensity", f"[runs.{name}]")),
            intensity_range=(lo, hi),
            spill_s=spill,
        )
    if not out:
        raise UserInputError("preset", preset.name, "at least one [runs.NAME] table")
    return out


def select_runs(preset: Preset, run: str) -> list[RunConfig]:
    """Runs named by ``run`` (a run name, a comma list without empty items, or ``all``)."""
    runs = runs_from_preset(preset)
    if run == "all":
        return list(runs.values())
    names = [r.strip() for r in run.split(",")]
    bad = [n for n in names if n not in runs]
    if bad or not names:
        raise UserInputError("run", run, f"a comma list of {', '.join(runs)} (no empty items), or 'all'")
    return [runs[n] for n in names]
