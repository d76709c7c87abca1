"""Mediators, beams and models: who the new boson V couples to, and how strongly.

A model is a mediator (spin and parity) with couplings g·Q_f to the fermions f, L ⊃ g Q_f V f̄Γf with
Γ = γ^μ (vector), 1 (scalar), iγ5 (pseudoscalar) or γ^μγ5 (axial). Everywhere g = ε·e (e = √(4πα)), so
``epsilon`` keeps its dark-photon meaning: the coupling in units of the electron charge.

- Spin 0 and axial: universal coupling to the charged leptons, Q_e = Q_μ = Q_τ = 1, nothing else
  (Liu, McKeen, Miller, PRD 95, 036010 (2017); Liu, Miller, PRD 96, 016004 (2017)).
- Vector ``dark-photon``: Q_f = the electric charge (spec Eq. 1).
- Vector ``B-L``: Q_ℓ = Q_ν = −1 for every lepton flavour, Q_p = Q_n = +1.
- Vector ``Lmu-Ltau``: Q_μ = Q_νμ = +1, Q_τ = Q_ντ = −1, Q_e = 0. The electron couples through the μ and τ
  loops, a kinetic mixing ε(q²) = (e g/2π²) ∫₀¹ x(1−x) ln[(m_τ² − x(1−x)q²)/(m_μ² − x(1−x)q²)] dx, complex
  above q² = 4m_μ² (Feynman prescription q² + i0); a produced V is on shell, q² = m_V².

The production of V by a lepton ℓ scales with |g_ℓ|², so :meth:`Model.production_factor` is the ratio
|g_ℓ/(εe)|² by which a cross-section computed for the universal coupling g_ℓ = εe is multiplied.
Units: GeV (masses), q² in GeV².
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from scipy import integrate

from darkmiss.constants import ALPHA, M_E, M_MU, M_PI0, M_TAU
from darkmiss.errors import UserInputError

__all__ = [
    "BEAMS",
    "BEAM_ALIASES",
    "FERMIONS",
    "MEDIATORS",
    "MODELS",
    "Beam",
    "Mediator",
    "Model",
    "coupling_from_epsilon",
    "get_beam",
    "get_mediator",
    "get_model",
    "loop_mixing_integral",
]

#: Mediator names, in the order of their numba kernel codes (``Mediator.code``).
MEDIATORS: tuple[str, ...] = ("vector", "scalar", "pseudoscalar", "axial")
#: Beam particles: electrons, positrons and muons of either charge.
BEAMS: tuple[str, ...] = ("e-", "e+", "mu-", "mu+")
#: Old beam-lepton names (``--lepton e|mu``) and what they mean.
BEAM_ALIASES: Mapping[str, str] = MappingProxyType({"e": "e-", "mu": "mu-"})
#: Vector models (``--model``).
MODELS: tuple[str, ...] = ("dark-photon", "B-L", "Lmu-Ltau")
#: Fermions a model may couple to: charged leptons, left-handed neutrinos, nucleons.
FERMIONS: tuple[str, ...] = ("e", "mu", "tau", "nu_e", "nu_mu", "nu_tau", "p", "n")
#: Charged-lepton masses [GeV].
LEPTON_MASS: Mapping[str, float] = MappingProxyType({"e": M_E, "mu": M_MU, "tau": M_TAU})


@dataclass(frozen=True)
class Mediator:
    """Spin and parity of V and its vertex Γ; ``ww_coefficient`` c of σ_WW = c ε²α³χ ln δ⁻¹/m² (spec Eq. 9
    for the vector, c = 4/3; the leading logarithm of the improved-WW dσ/dx of docs/physics-mediators.md
    for the others); ``code`` selects the ETL amplitude in the numba kernel."""

    name: str
    spin: int
    parity: int
    vertex: str
    ww_coefficient: float
    code: int


_MEDIATORS: dict[str, Mediator] = {
    "vector": Mediator("vector", 1, -1, "γ^μ", 4.0 / 3.0, 0),
    "scalar": Mediator("scalar", 0, +1, "1", 2.0 / 3.0, 1),
    "pseudoscalar": Mediator("pseudoscalar", 0, -1, "iγ5", 2.0 / 3.0, 2),
    "axial": Mediator("axial", 1, +1, "γ^μγ5", 4.0 / 3.0, 3),
}


def get_mediator(name: str | Mediator) -> Mediator:
    """The :class:`Mediator` called ``name`` (one of :data:`MEDIATORS`); a Mediator is returned as is."""
    if isinstance(name, Mediator):
        return name
    try:
        return _MEDIATORS[str(name)]
    except KeyError:
        raise UserInputError("mediator", name, f"one of {', '.join(MEDIATORS)}") from None


@dataclass(frozen=True)
class Beam:
    """A beam particle: ``name`` (e-, e+, mu-, mu+), its ``lepton`` flavour (e, mu), mass [GeV], charge
    in units of e and PDG code."""

    name: str
    lepton: str
    mass: float
    charge: int
    pdg: int

    @property
    def is_muon(self) -> bool:
        """True for μ± beams."""
        return self.lepton == "mu"


_BEAMS: dict[str, Beam] = {
    "e-": Beam("e-", "e", M_E, -1, 11),
    "e+": Beam("e+", "e", M_E, +1, -11),
    "mu-": Beam("mu-", "mu", M_MU, -1, 13),
    "mu+": Beam("mu+", "mu", M_MU, +1, -13),
}


def get_beam(name: str | Beam) -> Beam:
    """The :class:`Beam` called ``name`` (e-, e+, mu-, mu+; the old lepton names e and mu mean e- and mu-)."""
    if isinstance(name, Beam):
        return name
    key = BEAM_ALIASES.get(str(name), str(name))
    try:
        return _BEAMS[key]
    except KeyError:
        raise UserInputError("beam", name, f"one of {', '.join(BEAMS)} (or e, mu)") from None


def coupling_from_epsilon(epsilon: float) -> float:
    """g = ε e = ε √(4πα): the coupling whose strength ``epsilon`` gives in units of the electron charge."""
    return float(epsilon) * math.sqrt(4.0 * math.pi * ALPHA)


def _log_real_imag(a: float) -> tuple[float, float]:
    """ln(a − i0) for real a: (ln|a|, −π if a < 0 else 0)."""
    return math.log(abs(a)), (-math.pi if a < 0 else 0.0)


def loop_mixing_integral(q2: float, m_heavy: float = M_TAU, m_light: float = M_MU) -> complex:
    """I(q²) = ∫₀¹ x(1−x) ln[(m_h² − x(1−x)q² − i0)/(m_l² − x(1−x)q² − i0)] dx (dimensionless; q² in GeV²).

    The loop integral of the Lμ−Lτ kinetic mixing ε(q²) = (e g/2π²) I(q²) (module docstring). I(0) =
    ln(m_h²/m_l²)/6; the imaginary part opens at q² = 4m_l² (and 4m_h²). By adaptive quadrature, with the
    points where the arguments change sign as break points.
    """
    q2 = float(q2)
    if not math.isfinite(q2):
        raise UserInputError("q2", q2, "a finite q² in GeV²")
    if q2 == 0.0:
        return complex(math.log(m_heavy**2 / m_light**2) / 6.0, 0.0)
    points: list[float] = []
    for mf in (m_heavy, m_light):
        if q2 > 4.0 * mf * mf:
            r = math.sqrt(1.0 - 4.0 * mf * mf / q2)
            points += [0.5 * (1.0 - r), 0.5 * (1.0 + r)]

    def part(x: float, which: int) -> float:
        w = x * (1.0 - x)
        h = _log_real_imag(m_heavy**2 - w * q2)
        lo = _log_real_imag(m_light**2 - w * q2)
        return w * (h[which] - lo[which])

    re, _ = integrate.quad(
        part, 0.0, 1.0, args=(0,), points=points or None, limit=200, epsabs=0.0, epsrel=1e-10
    )
    im, _ = integrate.quad(
        part, 0.0, 1.0, args=(1,), points=points or None, limit=200, epsabs=0.0, epsrel=1e-10
    )
    return complex(re, im)


@dataclass(frozen=True)
class Model:
    """A mediator with its charges Q_f (``charges``, f in :data:`FERMIONS`; missing = 0).

    ``loop`` names the (heavy, light) lepton pair whose loop gives the electron its coupling (Lμ−Lτ);
    ``max_mass`` [GeV] is the largest mass for which the widths are complete (B−L: hadronic decays open
    at m_π⁰ and are not modelled); ``source`` the reference of the couplings.
    """

    name: str
    mediator: Mediator
    charges: Mapping[str, float] = field(default_factory=dict)
    loop: tuple[str, str] | None = None
    max_mass: float = math.inf
    source: str = ""

    def charge(self, fermion: str) -> float:
        """Q_f of ``fermion`` (one of :data:`FERMIONS`)."""
        if fermion not in FERMIONS:
            raise UserInputError("fermion", fermion, f"one of {', '.join(FERMIONS)}")
        return float(self.charges.get(fermion, 0.0))

    def lepton_coupling(self, lepton: str, mass: float) -> complex:
        """g_ℓ/(εe): the coupling of V to the charged lepton ``lepton`` in units of g = εe, for an on-shell V
        of ``mass`` [GeV]. Tree level Q_ℓ, or for the electron of Lμ−Lτ the loop mixing
        −(e²/2π²) I(m²) = −(2α/π) I(m²) (the electron's electric charge is −1)."""
        q = self.charge(lepton)
        if q == 0.0 and self.loop is not None and lepton == "e":
            heavy, light = self.loop
            i = loop_mixing_integral(float(mass) ** 2, LEPTON_MASS[heavy], LEPTON_MASS[light])
            return -(2.0 * ALPHA / math.pi) * i
        return complex(q, 0.0)

    def production_factor(self, beam: str | Beam, mass: float) -> float:
        """|g_ℓ/(εe)|² for the beam lepton: multiplies a production cross-section computed with g_ℓ = εe."""
        b = get_beam(beam)
        return abs(self.lepton_coupling(b.lepton, mass)) ** 2

    def check_mass(self, mass: float) -> None:
        """Raise :class:`UserInputError` if ``mass`` [GeV] is above the model's ``max_mass``."""
        if not float(mass) < self.max_mass:
            raise UserInputError(
                "mass",
                mass,
                f"below {self.max_mass:.6g} GeV for model {self.name} (hadronic decays are not modelled above m_π⁰)",
            )

    def record(self) -> dict[str, str]:
        """``{"model", "mediator"}`` for JSON records."""
        return {"model": self.name, "mediator": self.mediator.name}


_LEPTON_UNIVERSAL = MappingProxyType({"e": 1.0, "mu": 1.0, "tau": 1.0})
_VECTOR_MODELS: dict[str, Model] = {
    "dark-photon": Model(
        "dark-photon",
        _MEDIATORS["vector"],
        MappingProxyType({"e": -1.0, "mu": -1.0, "tau": -1.0, "p": 1.0}),
        source="spec Eq. 1 (kinetic mixing)",
    ),
    "B-L": Model(
        "B-L",
        _MEDIATORS["vector"],
        MappingProxyType(
            {
                "e": -1.0,
                "mu": -1.0,
                "tau": -1.0,
                "nu_e": -1.0,
                "nu_mu": -1.0,
                "nu_tau": -1.0,
                "p": 1.0,
                "n": 1.0,
            }
        ),
        max_mass=M_PI0,
        source="gauged baryon minus lepton number",
    ),
    "Lmu-Ltau": Model(
        "Lmu-Ltau",
        _MEDIATORS["vector"],
        MappingProxyType({"mu": 1.0, "nu_mu": 1.0, "tau": -1.0, "nu_tau": -1.0}),
        loop=("tau", "mu"),
        source="gauged Lμ−Lτ; electron coupling from the μ, τ loops",
    ),
}


def get_model(model: str | Model | None = None, mediator: str | Mediator = "vector") -> Model:
    """The model ``model`` for ``mediator``.

    Vector: ``model`` one of :data:`MODELS` (default dark-photon). Scalar, pseudoscalar, axial: the
    universal charged-lepton coupling (``model`` None or "universal"); a vector model name with another
    mediator raises :class:`UserInputError`.
    """
    if isinstance(model, Model):
        return model
    med = get_mediator(mediator)
    if med.name == "vector":
        name = "dark-photon" if model is None else str(model)
        try:
            return _VECTOR_MODELS[name]
        except KeyError:
            raise UserInputError("model", model, f"one of {', '.join(MODELS)}") from None
    if model not in (None, "universal"):
        raise UserInputError(
            "model", model, f"the {med.name} mediator couples universally to charged leptons (no --model)"
        )
    return Model(
        "universal",
        med,
        _LEPTON_UNIVERSAL,
        source="universal charged-lepton coupling g_ℓ = εe (Liu, McKeen, Miller 2017; Liu, Miller 2017)",
    )
