"""Fake SRD tags by knock-on (δ-ray) electrons: a charged beam hadron or muon knocks an electron
out of the vacuum vessel's window, whose shower fakes the three-counter SR pattern (spec Sec. III,
VIII; ``[backgrounds.knockon]``).

Units: GeV (energies), cm; K in MeV cm²/g as in PDG "Passage of particles" Eq. 34.6.
"""

from __future__ import annotations

import numpy as np

from darkmiss.detsim.background_config import KnockOnConfig
from darkmiss.physics.materials import get_material

#: Upper end [GeV] of the δ-electron energies that can reach the SRD as a fake SR deposit.
T_MAX_GEV = 1.0


def knockon_tag_probability(cfg: KnockOnConfig, beta: float = 1.0) -> float:
    """Probability that a charged beam hadron/muon fakes the three-counter SRD tag (spec Sec. III, VIII).

    δ-ray yield above T_min in the window (PDG Eq. 34.6, T_max ≫ T_min):
    P_δ = (K/2)(Z/A)(ρ x)/(β² T_min) with K in MeV cm²/g, T in MeV, times the probability
    ``three_counter_probability`` that the δ shower fakes all three counters.
    """
    mat = get_material(cfg.window_material)
    z_over_a = sum(w * e.Z / e.A for e, w in mat.elements)
    p_delta = (
        0.5
        * cfg.k_bethe_mev_cm2_g
        * z_over_a
        * mat.density
        * cfg.window_thickness_cm
        / (beta**2 * cfg.t_min * 1e3)
    )
    return float(min(p_delta, 1.0) * cfg.three_counter_probability)


def sample_knockon_sr(n: int, rng: np.random.Generator, cfg: KnockOnConfig) -> np.ndarray:
    """True energy [GeV] (n, 3) a knock-on δ shower puts into the three SRD counters.

    T ~ 1/T² above T_min (PDG Eq. 34.6) capped at ``T_MAX_GEV``, shared among the counters by a
    Dirichlet(2,2,2) split.
    """
    u = rng.random(n)
    t = 1.0 / (1.0 / cfg.t_min - u * (1.0 / cfg.t_min - 1.0 / T_MAX_GEV))
    split = rng.dirichlet([2.0, 2.0, 2.0], size=n)
    return np.asarray(t[:, None] * split)
