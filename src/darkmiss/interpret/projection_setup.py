"""The setup of a projection (``darkmiss project``): the preset's ``[projection]`` defaults
(:class:`ProjectionConfig`), a hypothetical setup and exposure (:class:`Projection`) and the
validation of the user's inputs against them (:func:`resolve_projection`).

Energies and masses in GeV, counts in events; the physics is in :mod:`darkmiss.interpret.projection`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from darkmiss.config.load import Preset, load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.errors import UserInputError, require
from darkmiss.interpret.exposures import Exposure, load_exposure
from darkmiss.physics.materials import ELEMENTS, get_element
from darkmiss.physics.models import get_beam, get_model
from darkmiss.shower.annihilation import parse_production
from darkmiss.shower.yields import MuonBeamSettings, ShowerSettings, setup_geometry
from darkmiss.stats.model import Channel, CountingModel

#: Name of the nuisance for the Monte-Carlo statistical error of the yield (as in darkmiss.stats.limits).
YIELD_MC_SOURCE = "yield_mc"


@dataclass(frozen=True)
class ProjectionConfig:
    """The preset table ``[projection]``: default efficiency, background and mass grid (see projection.toml).

    ``background`` [events] is for ``background_eot`` EOT (spec Table IV) and scales with the EOT;
    ``background_rel_err`` is its relative uncertainty; ``signal_syst`` relative log-normal signal
    uncertainties per source (spec Table III); ``masses`` in GeV.
    """

    efficiency: float
    background: float
    background_eot: float
    background_rel_err: float
    masses: tuple[float, ...]
    signal_syst: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        require(0 < self.efficiency <= 1, "projection.efficiency", self.efficiency, "a number in (0, 1]")
        require(self.background >= 0, "projection.background", self.background, "a number >= 0")
        require(self.background_eot > 0, "projection.background_eot", self.background_eot, "a positive EOT")
        require(
            self.background_rel_err >= 0, "projection.background_rel_err", self.background_rel_err, ">= 0"
        )
        require(
            len(self.masses) > 0 and all(m > 0 for m in self.masses),
            "projection.masses",
            self.masses,
            "positive A′ masses [GeV]",
        )
        for k, v in self.signal_syst.items():
            require(
                math.isfinite(v) and v >= 0, f"projection.signal_syst.{k}", v, "a relative uncertainty >= 0"
            )

    @classmethod
    def from_preset(cls, preset: Preset | str = "na64-2016") -> ProjectionConfig:
        """Read table ``[projection]`` (and ``[projection.signal_syst]``) of a preset."""
        p = load_preset(preset) if isinstance(preset, str) else preset
        t = p.section("projection")
        try:
            return cls(
                efficiency=float(t["efficiency"]),
                background=float(t["background"]),
                background_eot=float(t["background_eot"]),
                background_rel_err=float(t["background_rel_err"]),
                masses=tuple(float(m) for m in t["masses"]),
                signal_syst={str(k): float(v) for k, v in t.get("signal_syst", {}).items()},
            )
        except KeyError as exc:
            raise UserInputError("preset [projection]", "(missing)", f"a value for {exc}") from None
        except (TypeError, ValueError) as exc:
            raise UserInputError("preset [projection]", t, f"numbers as in projection.toml ({exc})") from None

    def background_for(self, eot: float) -> float:
        """Default background [events] for ``eot`` EOT: n_b × eot / background_eot (spec Table IV)."""
        return self.background * float(eot) / self.background_eot


@dataclass(frozen=True)
class Projection:
    """A hypothetical setup and exposure: everything but the yields that the sensitivity depends on.

    ``eot`` electrons on target; ``energy`` beam energy [GeV]; ``target`` the ECAL absorber element;
    ``threshold`` the E_A′ threshold [GeV] (None: the shower preset's fraction of ``energy``, i.e.
    half the beam energy); ``efficiency`` ε_tot (brems and annihilation signals alike);
    ``background`` [events] ± ``background_err``; ``signal_syst`` relative signal uncertainties per
    source; ``production`` the mechanisms in the total limit ("brems", "annihilation");
    ``exposure`` the named exposure the defaults came from (None: none).
    """

    preset: str
    eot: float
    energy: float
    target: str
    threshold: float | None
    efficiency: float
    background: float
    background_err: float
    signal_syst: dict[str, float] = field(default_factory=dict)
    mediator: str = "vector"
    model: str = "dark-photon"
    beam: str = "e-"
    decay_length_cm: float = 0.0
    alpha_d: float = 0.5
    mchi: float | None = None
    production: tuple[str, ...] = ("brems",)
    exposure: Exposure | None = None

    def counting_model(self, yield_rel_err: float = 0.0) -> CountingModel:
        """One-channel model with signal 1 (so μ counts signal events) and the projected background."""
        syst = {k: v for k, v in self.signal_syst.items() if v > 0}
        if yield_rel_err > 0:
            syst[YIELD_MC_SOURCE] = float(yield_rel_err)
        ch = Channel("projection", 1.0, float(self.background), float(self.background_err), None, syst)
        return CountingModel((ch,), tuple(syst))

    def record(self) -> dict[str, Any]:
        """The setup as a flat record."""
        return {
            "preset": self.preset,
            "eot": self.eot,
            "energy": self.energy,
            "target": self.target,
            "efficiency": self.efficiency,
            "background": self.background,
            "background_err": self.background_err,
            "mediator": self.mediator,
            "model": self.model,
            "beam": self.beam,
            "production": ",".join(self.production),
            "exposure": None if self.exposure is None else self.exposure.name,
            "exposure_assumed": [] if self.exposure is None else list(self.exposure.assumed),
        }

    @property
    def spec_invisible(self) -> bool:
        """True for the spec's case: a dark photon with invisible branching ratio 1 (no dark-matter mass)."""
        return self.model == "dark-photon" and self.mchi is None


def resolve_projection(
    preset: Preset | str,
    eot: float | None,
    *,
    masses: Sequence[float] | None = None,
    energy: float | None = None,
    target: str | None = None,
    threshold: float | None = None,
    background: float | None = None,
    efficiency: float | None = None,
    mediator: str = "vector",
    model: str | None = None,
    beam: str | None = None,
    alpha_d: float = 0.5,
    mchi: float | None = None,
    production: str | None = None,
    exposure: str | None = None,
) -> tuple[Projection, list[float]]:
    """Validate the inputs and fill the defaults from the preset; returns (setup, masses [GeV]).

    ``exposure`` names a preset table ``[exposures.<name>]`` (:class:`darkmiss.interpret.exposures.Exposure`)
    whose eot, beam, energy, efficiency and background (± its error) replace the defaults; each given
    argument overrides it (a given ``background`` takes the preset's relative error). ``eot`` is
    required without an exposure; ``beam`` defaults to e-. ``production``: "brems", "annihilation" or
    "brems,annihilation" (default: both for e± beams, brems for muons).

    Bad values raise :class:`UserInputError`: eot ≤ 0, efficiency outside (0, 1], a negative
    background, an unknown target element or exposure, a beam energy not above every mass, a mass
    above the model's range (B−L: below m_π⁰; the default grid is cut there).
    """
    p = load_preset(preset) if isinstance(preset, str) else preset
    cfg = ProjectionConfig.from_preset(p)
    ex = None if exposure is None else load_exposure(p, exposure)
    if ex is not None:
        eot = ex.eot if eot is None else eot
        beam = ex.beam if beam is None else beam
        energy = ex.energy if energy is None else energy
        efficiency = ex.efficiency if efficiency is None else efficiency
    if eot is None:
        raise UserInputError("eot", None, "a number of particles on target (--eot), or an --exposure")
    bm = get_beam("e-" if beam is None else beam)
    prods = parse_production(production, bm.name)
    mod = get_model(model, mediator)
    if mchi is not None:
        require(math.isfinite(mchi) and mchi >= 0, "mchi", mchi, "a dark-matter mass >= 0 [GeV]")
        require(math.isfinite(alpha_d) and alpha_d > 0, "alpha_d", alpha_d, "a dark coupling α_D > 0")
    eot_f = _finite(eot, "eot")
    require(eot_f > 0, "eot", eot, "a positive number of electrons on target")
    eff = cfg.efficiency if efficiency is None else _finite(efficiency, "efficiency")
    require(0 < eff <= 1, "efficiency", efficiency, "a signal efficiency in (0, 1]")
    if background is None and ex is not None:  # the exposure's, scaled to another --eot
        b, b_err = ex.background * eot_f / ex.eot, ex.background_err * eot_f / ex.eot
    elif background is None:
        b = cfg.background_for(eot_f)
        b_err = b * cfg.background_rel_err
    else:
        b = _finite(background, "background")
        require(b >= 0, "background", background, "a number of background events >= 0")
        b_err = b * cfg.background_rel_err
    if masses is None:
        ms = [float(m) for m in cfg.masses if m < mod.max_mass]
    else:
        ms = [float(m) for m in masses]
    require(len(ms) > 0, "mass", ms, "at least one A′ mass [GeV]")
    for m in ms:
        require(math.isfinite(m) and m > 0, "mass", m, "a positive A′ mass [GeV]")
        mod.check_mass(m)
    if bm.is_muon:
        mcfg = MuonBeamSettings.from_preset(p)
        default_energy = mcfg.energy
    else:
        default_energy = float(p.section("beam")["energy"])
    e0 = default_energy if energy is None else _finite(energy, "energy")
    require(e0 > 0, "energy", energy, "a positive beam energy [GeV]")
    require(e0 > max(ms), "energy", e0, f"a beam energy above every A′ mass (largest {max(ms):g} GeV)")
    if threshold is not None:
        th = _finite(threshold, "threshold")
        require(0 < th < e0, "threshold", threshold, f"an E_A′ threshold in (0, {e0:g}) GeV")
    elif bm.is_muon:  # the outgoing-muon cut of [muon_beam]
        th = e0 - mcfg.max_outgoing_energy
        require(
            th > 0,
            "energy",
            e0,
            f"a muon energy above the outgoing-muon cut {mcfg.max_outgoing_energy:g} GeV",
        )
    else:  # the yields' default: the [shower] threshold fraction (one half) of the beam energy
        th = ShowerSettings.from_preset(p).threshold_fraction * e0
    require(max(ms) < th, "mass", max(ms), f"A′ masses below the E_A′ threshold {th:g} GeV")
    tgt = SetupGeometry.from_preset(p).ecal.absorber if target is None else str(target)
    if tgt not in ELEMENTS:
        raise UserInputError("target", tgt, f"one of {', '.join(sorted(ELEMENTS))}")
    get_element(tgt)
    setup = Projection(
        preset=p.name,
        eot=eot_f,
        energy=e0,
        target=tgt,
        threshold=None if threshold is None else float(threshold),
        efficiency=float(eff),
        background=float(b),
        background_err=float(b_err),
        signal_syst=dict(cfg.signal_syst),
        mediator=mod.mediator.name,
        model=mod.name,
        beam=bm.name,
        decay_length_cm=setup_geometry(p, tgt).length_cm,
        alpha_d=float(alpha_d),
        mchi=None if mchi is None else float(mchi),
        production=prods,
        exposure=ex,
    )
    return setup, ms


def _finite(value: Any, parameter: str) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise UserInputError(parameter, value, "a number") from None
    require(math.isfinite(v), parameter, value, "a finite number")
    return v
