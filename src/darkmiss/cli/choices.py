"""The fixed sets of values of CLI options, as str-valued enums.

typer turns an enum-typed option into a choice: ``--help`` lists the values (``--method <ww|iww|etl>``),
shell completion offers them, and a bad value is a usage error (exit code 2) that names the option, the
value and the allowed values. The commands pass ``.value`` (a plain ``str``) to the library.

Each enum mirrors a tuple of the library (named in its docstring); tests/cli/test_cli_help.py checks
that they agree, so a value added to the library must be added here too.
"""

from __future__ import annotations

import enum

from darkmiss.errors import UserInputError


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


class Beam(str, enum.Enum):
    """Beam particle (``darkmiss.physics.models.BEAMS``, then the old lepton names ``BEAM_ALIASES``:
    e = e-, mu = mu-)."""

    e_minus = "e-"
    e_plus = "e+"
    mu_minus = "mu-"
    mu_plus = "mu+"
    e = "e"
    mu = "mu"


class Mediator(str, enum.Enum):
    """Spin and parity of the new boson (``darkmiss.physics.models.MEDIATORS``)."""

    vector = "vector"
    scalar = "scalar"
    pseudoscalar = "pseudoscalar"
    axial = "axial"


class Model(str, enum.Enum):
    """Couplings of a vector boson (``darkmiss.physics.models.MODELS``)."""

    dark_photon = "dark-photon"
    b_minus_l = "B-L"
    lmu_ltau = "Lmu-Ltau"


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


def beam_of(beam: Beam | None, lepton: Lepton | None, default: str = "e-") -> str:
    """The beam name from ``--beam`` and its older alias ``--lepton`` (e = e-, mu = mu-); ``default`` if
    neither is given. Both given and different is a :class:`darkmiss.errors.UserInputError`."""
    names = {"e": "e-", "mu": "mu-"}
    b = None if beam is None else names.get(beam.value, beam.value)
    old = None if lepton is None else names[lepton.value]
    if b is not None and old is not None and b != old:
        raise UserInputError(
            "lepton", lepton.value if lepton else None, f"the same beam as --beam {b} (an alias)"
        )
    return b or old or default
