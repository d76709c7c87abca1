"""Light-dark-matter interpretation of the ε limits (spec Sec. X, Figs. 16-17).

y = ε² α_D (m_χ/m_A′)⁴ (Eq. 6) for the α_D benchmarks with m_A′ = 3 m_χ, and lower bounds on α_D
from the relic relation Eq. (5) for pseudo-Dirac (f = 0.25) and Majorana (f = 3) DM. Masses in GeV.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from darkmiss.config.load import Preset, load_preset
from darkmiss.errors import require
from darkmiss.physics.darkmatter import relic_alpha_d, y_parameter


@dataclass(frozen=True)
class InterpretConfig:
    """Inputs of Sec. X (preset table ``[stats.interpret]``)."""

    alpha_d: tuple[float, ...] = (0.5, 0.005)
    mass_ratio: float = 3.0
    f_pseudodirac: float = 0.25
    f_majorana: float = 3.0
    amu_band_nsigma: float = 2.0
    ae_exclusion_nsigma: float = 2.0

    def __post_init__(self) -> None:
        require(
            self.mass_ratio > 2.0,
            "stats.interpret.mass_ratio",
            self.mass_ratio,
            "m_A'/m_chi > 2 (A' -> chi chi open)",
        )
        require(all(a > 0 for a in self.alpha_d), "stats.interpret.alpha_d", self.alpha_d, "positive values")

    @classmethod
    def from_preset(cls, preset: Preset | str = "na64-2016") -> InterpretConfig:
        p = load_preset(preset) if isinstance(preset, str) else preset
        t = p.section("stats").get("interpret", {})
        return cls(
            alpha_d=tuple(float(a) for a in t.get("alpha_d", (0.5, 0.005))),
            mass_ratio=float(t.get("mass_ratio", 3.0)),
            f_pseudodirac=float(t.get("f_pseudodirac", 0.25)),
            f_majorana=float(t.get("f_majorana", 3.0)),
            amu_band_nsigma=float(t.get("amu_band_nsigma", 2.0)),
            ae_exclusion_nsigma=float(t.get("ae_exclusion_nsigma", 2.0)),
        )


def y_limit(
    epsilon: npt.ArrayLike, m_aprime: npt.ArrayLike, alpha_d: float, mass_ratio: float = 3.0
) -> np.ndarray:
    """Upper limit on y from an ε limit at m_χ = m_A′/mass_ratio (spec Eq. 6): y = ε² α_D / ratio⁴."""
    ma = np.asarray(m_aprime, dtype=float)
    return y_parameter(epsilon, alpha_d, ma / mass_ratio, ma)


def alpha_d_lower_bound(
    epsilon: npt.ArrayLike, m_aprime: npt.ArrayLike, f: float, mass_ratio: float = 3.0
) -> np.ndarray:
    """Lower bound on α_D from an ε upper limit via the relic relation (spec Eq. 5), m_χ = m_A′/ratio."""
    ma = np.asarray(m_aprime, dtype=float)
    return relic_alpha_d(epsilon, ma, ma / mass_ratio, f)


def rescale_y(y: npt.ArrayLike, alpha_from: float, alpha_to: float) -> np.ndarray:
    """Re-express a y bound derived at α_D = alpha_from at α_D = alpha_to (y ∝ α_D at fixed ε, Eq. 6)."""
    return np.asarray(y, dtype=float) * (alpha_to / alpha_from)
