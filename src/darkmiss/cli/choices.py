"""The fixed sets of values of CLI options, as str-valued enums.

typer turns an enum-typed option into a choice: ``--help`` lists the values (``--method <ww|iww|etl>``),
shell completion offers them, and a bad value is a usage error (exit code 2) that names the option, the
value and the allowed values. The commands pass ``.value`` (a plain ``str``) to the library.

Each enum mirrors a tuple of the library (named in its docstring); tests/cli/test_cli_help.py checks
that they agree, so a value added to the library must be added here too.
"""

from __future__ import annotations

import enum


class Target(str, enum.Enum):
    """Target element symbols with tabulated properties (``darkmiss.physics.materials.ELEMENTS``)."""

    H = "H"
    C = "C"
    N = "N"
    O = "O"  # noqa: E741 (the element symbol)
    Al = "Al"
    Si = "Si"
    Fe = "Fe"
    Cu = "Cu"
    W = "W"
    Pb = "Pb"


class Lepton(str, enum.Enum):
    """Beam lepton (``darkmiss.physics.aprime.LEPTON_MASSES``): electron or muon."""

    e = "e"
    mu = "mu"


class XsecMethod(str, enum.Enum):
    """A′ production cross-section (``darkmiss.physics.aprime.METHODS``): WW (spec Eq. 9), improved WW
    (Bjorken et al. App. A) or exact tree level."""

    ww = "ww"
    iww = "iww"
    etl = "etl"


class ChiKind(str, enum.Enum):
    """Spin of the dark-matter particle χ (``darkmiss.physics.widths.CHI_KINDS``)."""

    fermion = "fermion"
    scalar = "scalar"


class Particle(str, enum.Enum):
    """Primary particle of a shower (``darkmiss.cli.shower``'s PDG codes 11, -11, 22)."""

    electron = "e-"
    positron = "e+"
    gamma = "gamma"


class ShowerMode(str, enum.Enum):
    """Shower simulation mode (``darkmiss.shower.response.MODES``): detailed (1 MeV cuts) or fast
    (explicit cascade above the split energy, GFlash parametrisation below)."""

    detailed = "detailed"
    fast = "fast"


class EventMode(str, enum.Enum):
    """Event simulation mode (``darkmiss.detsim.digitize.MODES``): pseudo-data or ideal MC."""

    data = "data"
    mc = "mc"


class Trigger(str, enum.Enum):
    """Trigger (``darkmiss.detsim.trigger.TRIGGERS``): physics (spec Eq. 14) or calibration."""

    physics = "physics"
    calibration = "calibration"


class LimitMethod(str, enum.Enum):
    """CLs method of the limits (``darkmiss.stats.model.METHODS``)."""

    exact = "exact"
    asymptotic = "asymptotic"
    simplified = "simplified"


def value_of(choice: enum.Enum | None) -> str | None:
    """The plain string of an optional choice (None stays None)."""
    return None if choice is None else str(choice.value)
