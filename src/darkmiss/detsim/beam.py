"""The H4 100 GeV electron beam at NA64 (spec Sec. III): momentum spread, hadron and muon
contamination, halo and low-energy tail (``[detector.beamline]``). The time structure of the spill
and the dead time are :mod:`darkmiss.detsim.spill`.

A positron beam (``[beam] particle = "e+"``, set by :func:`with_beam`) is the same line at positive
polarity with its own contamination (``[beam.positron]``). The processes label the beam species with
the codes of the negative beam (:data:`SPECIES`); the positive beam's are their charge conjugates
(:attr:`BeamConfig.sign`, applied to the recorded truth by :mod:`darkmiss.detsim.digitize`), and the
shower engine follows the true beam lepton (:func:`beam_lepton`).

Units: GeV, cm, mrad.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from darkmiss.config.load import Preset, required
from darkmiss.errors import UserInputError
from darkmiss.physics.models import get_beam

#: PDG ids of the beam species, in the order of :data:`SPECIES`.
PDG_E, PDG_PI, PDG_K, PDG_P, PDG_MU = 11, -211, -321, -2212, 13  # negative beam: e-, pi-, K-, pbar, mu-
SPECIES = (PDG_E, PDG_PI, PDG_K, PDG_P, PDG_MU)


@dataclass(frozen=True)
class BeamConfig:
    """Beam composition and phase space (spec Sec. III); fractions are per beam electron."""

    energy: float  # GeV
    momentum_spread: float  # relative rms
    pion_fraction: float
    kaon_fraction: float
    proton_fraction: float
    muon_fraction: float
    halo_fraction: float
    low_energy_tail_fraction: float
    low_energy_tail_min: float  # GeV
    low_energy_tail_max: float  # GeV
    spot_sigma_cm: float
    halo_sigma_cm: float
    angle_sigma_mrad: float
    tail_angle_mrad: float
    particle: str = "e-"  # the beam lepton, e- or e+ ([beam] particle)

    @property
    def sign(self) -> int:
        """+1 for the negative beam (species as :data:`SPECIES`), −1 for the positive beam (their charge
        conjugates)."""
        return 1 if self.particle == "e-" else -1

    @classmethod
    def from_preset(cls, preset: Preset) -> BeamConfig:
        """Read ``[beam] energy`` and ``[detector.beamline]`` (all required)."""
        det = preset.section("detector")
        t = det.get("beamline")
        if not isinstance(t, dict):
            raise UserInputError("preset", preset.name, "a [detector.beamline] table")
        cfg = cls(
            energy=float(required(preset.section("beam"), "energy", "[beam]")),
            **{k: float(required(t, k, "[detector.beamline]")) for k in _BEAMLINE_KEYS},
            particle=beam_lepton(preset),
        )
        fr = [cfg.pion_fraction, cfg.kaon_fraction, cfg.proton_fraction, cfg.muon_fraction, cfg.halo_fraction]
        if min(fr) < 0 or sum(fr) + cfg.low_energy_tail_fraction >= 1:
            raise UserInputError(
                "preset [detector.beamline] fractions", fr, "non-negative fractions summing below 1"
            )
        return cfg

    def species_probabilities(self) -> np.ndarray:
        """Probabilities of (e⁻, π⁻, K⁻, p̄, μ⁻) per beam particle (normalised; for a positive beam those
        of their charge conjugates, labelled by :data:`SPECIES`)."""
        w = np.array([1.0, self.pion_fraction, self.kaon_fraction, self.proton_fraction, self.muon_fraction])
        return w / w.sum()


#: The contamination keys of ``[beam.positron]`` that replace the e⁻ beam's in ``[detector.beamline]``
#: (all four) and ``[backgrounds.beam]`` (all but the protons) for a positron beam.
POSITRON_KEYS = ("pion_fraction", "kaon_fraction", "proton_fraction", "muon_fraction")


def beam_lepton(preset: Preset) -> str:
    """The beam lepton of ``preset``: ``[beam] particle``, "e-" (the default) or "e+"."""
    name = str(preset.section("beam").get("particle", "e-"))
    if name not in ("e-", "e+"):
        raise UserInputError("preset [beam] particle", name, "e- or e+")
    return name


def with_beam(preset: Preset, beam: str | None) -> Preset:
    """``preset`` for a ``beam`` of e⁻ (returned unchanged) or e⁺: ``[beam] particle = "e+"`` and the
    contamination of ``[beam.positron]`` in ``[detector.beamline]`` and ``[backgrounds.beam]``; None: the
    preset's own beam (unchanged). Muon beams are refused: they do not go through the 2016 setup
    simulation (their yields and projections are ``darkmiss yield``/``project``)."""
    if beam is None:
        return preset
    bm = get_beam(beam)
    if bm.is_muon:
        raise UserInputError(
            "beam", bm.name, "e- or e+ (muon beams do not go through the 2016 chain: use yield or project)"
        )
    if bm.name == beam_lepton(preset):
        return preset
    if bm.name == "e-":
        raise UserInputError("beam", bm.name, "e+ for a preset whose [beam] particle is e+")
    pos = preset.section("beam").get("positron")
    if not isinstance(pos, dict):
        raise UserInputError("preset", preset.name, "a [beam.positron] table for a positron beam")
    f = {k: float(required(pos, k, "[beam.positron]")) for k in POSITRON_KEYS}
    return preset.with_overrides(
        {
            "beam": {"particle": "e+"},
            "detector": {"beamline": f},
            "backgrounds": {"beam": {k: v for k, v in f.items() if k != "proton_fraction"}},
        }
    )


_BEAMLINE_KEYS = (
    "momentum_spread",
    "pion_fraction",
    "kaon_fraction",
    "proton_fraction",
    "muon_fraction",
    "halo_fraction",
    "low_energy_tail_fraction",
    "low_energy_tail_min",
    "low_energy_tail_max",
    "spot_sigma_cm",
    "halo_sigma_cm",
    "angle_sigma_mrad",
    "tail_angle_mrad",
)


@dataclass
class BeamSample:
    """``n`` beam particles: species, energy [GeV], transverse position at the ECAL face [cm],
    angle to the beam axis [mrad], and flags for the halo and the low-energy tail."""

    pdg: np.ndarray  # (n,) int32
    energy: np.ndarray  # (n,) GeV
    x_cm: np.ndarray
    y_cm: np.ndarray
    angle_mrad: np.ndarray
    halo: np.ndarray  # (n,) bool
    tail: np.ndarray  # (n,) bool

    @property
    def n(self) -> int:
        return int(self.pdg.shape[0])


def sample_beam(
    n: int, rng: np.random.Generator, cfg: BeamConfig, *, electrons_only: bool = False
) -> BeamSample:
    """Draw ``n`` beam particles with the H4 composition (spec Sec. III).

    Core: Gaussian momentum spread and spot; hadrons (π, K, p̄) and muons with their fractions
    per electron; a halo (wide spot, any species); electrons of a flat low-energy tail between
    ``low_energy_tail_min`` and ``_max`` with larger angles (spec Sec. III: 1-20 mrad).
    ``electrons_only`` draws only electrons (core + tail), e.g. for processes of beam e⁻.
    """
    if n < 0:
        raise UserInputError("n", n, "a non-negative number of particles")
    if electrons_only:
        pdg = np.full(n, PDG_E, np.int32)
    else:
        pdg = rng.choice(np.array(SPECIES, np.int32), size=n, p=cfg.species_probabilities())
    energy = cfg.energy * (1.0 + cfg.momentum_spread * rng.standard_normal(n))
    tail = (pdg == PDG_E) & (rng.random(n) < cfg.low_energy_tail_fraction)
    energy[tail] = rng.uniform(cfg.low_energy_tail_min, cfg.low_energy_tail_max, int(tail.sum()))
    halo = rng.random(n) < cfg.halo_fraction
    sig = np.where(halo, cfg.halo_sigma_cm, cfg.spot_sigma_cm)
    x = sig * rng.standard_normal(n)
    y = sig * rng.standard_normal(n)
    angle = np.abs(cfg.angle_sigma_mrad * rng.standard_normal(n))
    angle[tail] = rng.exponential(cfg.tail_angle_mrad, int(tail.sum()))
    return BeamSample(pdg=pdg, energy=energy, x_cm=x, y_cm=y, angle_mrad=angle, halo=halo, tail=tail)


def sample_beam_ctx(
    n: int, rng: np.random.Generator, ctx: object, *, electrons_only: bool = False
) -> BeamSample:
    """:func:`sample_beam` with the configuration of a ``ProcessContext`` (its preset)."""
    return sample_beam(n, rng, BeamConfig.from_preset(ctx.preset), electrons_only=electrons_only)  # type: ignore[attr-defined]
