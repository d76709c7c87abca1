"""Named exposures of ``darkmiss project --exposure NAME``: the preset tables ``[exposures.<name>]``.

Each exposure fills the number of particles on target ``eot``, the ``beam`` (e-, e+, mu-, mu+), its
``energy`` [GeV], the total signal ``efficiency`` and the expected ``background`` ± ``background_err``
[events] of a data set, with its ``source``; ``assumed`` lists the keys whose values the publication
does not give (or that could not be checked against it), each explained in projection.toml. Every
value can be overridden by its own option of ``project``. The exposures are inputs of projections
only: they are not calibrated to, nor compared with, the published limits of those data sets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from darkmiss.config.load import Preset, load_preset
from darkmiss.errors import UserInputError, require
from darkmiss.physics.models import get_beam

#: The keys of an ``[exposures.<name>]`` table (all required) and the Python type each holds.
EXPOSURE_KEYS: dict[str, type] = {
    "eot": float,
    "beam": str,
    "energy": float,
    "efficiency": float,
    "background": float,
    "background_err": float,
    "source": str,
    "assumed": list,
}


@dataclass(frozen=True)
class Exposure:
    """One named exposure (module docstring): ``eot`` particles on target, ``beam``, ``energy`` [GeV],
    ``efficiency`` in (0, 1], ``background`` and ``background_err`` [events], ``source`` (the
    publication) and ``assumed`` (the keys not taken from it)."""

    name: str
    eot: float
    beam: str
    energy: float
    efficiency: float
    background: float
    background_err: float
    source: str
    assumed: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        where = f"exposures.{self.name}"
        require(math.isfinite(self.eot) and self.eot > 0, f"{where}.eot", self.eot, "a positive EOT")
        get_beam(self.beam)
        require(self.energy > 0, f"{where}.energy", self.energy, "a positive beam energy [GeV]")
        require(0 < self.efficiency <= 1, f"{where}.efficiency", self.efficiency, "a number in (0, 1]")
        require(self.background >= 0, f"{where}.background", self.background, "a number >= 0")
        require(self.background_err >= 0, f"{where}.background_err", self.background_err, ">= 0")
        unknown = [k for k in self.assumed if k not in EXPOSURE_KEYS]
        require(
            not unknown, f"{where}.assumed", list(self.assumed), f"key names of {', '.join(EXPOSURE_KEYS)}"
        )

    def record(self) -> dict[str, Any]:
        """The exposure as a flat record (``assumed`` as a list)."""
        return {
            "exposure": self.name,
            "eot": self.eot,
            "beam": self.beam,
            "energy": self.energy,
            "efficiency": self.efficiency,
            "background": self.background,
            "background_err": self.background_err,
            "source": self.source,
            "assumed": list(self.assumed),
        }


def exposure_names(preset: Preset | str = "na64-2016") -> list[str]:
    """Names of the preset's exposures (its ``[exposures.<name>]`` tables), in file order."""
    p = load_preset(preset) if isinstance(preset, str) else preset
    return list(p.data.get("exposures", {}))


def load_exposure(preset: Preset | str, name: str) -> Exposure:
    """The exposure ``name`` of ``preset``; an unknown name or a malformed table raises
    :class:`UserInputError`."""
    p = load_preset(preset) if isinstance(preset, str) else preset
    tables = p.data.get("exposures", {})
    if name not in tables:
        known = ", ".join(tables) or "none in this preset"
        raise UserInputError("exposure", name, f"one of {known}")
    t = tables[name]
    missing = [k for k in EXPOSURE_KEYS if k not in t]
    extra = [k for k in t if k not in EXPOSURE_KEYS]
    if missing or extra:
        raise UserInputError(
            f"preset [exposures.{name}]", sorted(t), f"exactly the keys {', '.join(EXPOSURE_KEYS)}"
        )
    try:
        return Exposure(
            name=str(name),
            eot=float(t["eot"]),
            beam=str(t["beam"]),
            energy=float(t["energy"]),
            efficiency=float(t["efficiency"]),
            background=float(t["background"]),
            background_err=float(t["background_err"]),
            source=str(t["source"]),
            assumed=tuple(str(k) for k in t["assumed"]),
        )
    except (TypeError, ValueError) as exc:
        raise UserInputError(
            f"preset [exposures.{name}]", t, f"values as in projection.toml ({exc})"
        ) from None
