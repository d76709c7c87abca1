"""Escape of neutral hadrons from ECAL + HCAL without interacting (spec Sec. VIII "punch-through"
and "large transverse fluctuations"): exp(−L/λ_int) along the axis, and the lateral exit of a
hadron with transverse momentum.

Units: GeV, cm; depths in λ_int.  Reference: spec Sec. VIII (≈ 30 λ_int of ECAL + HCAL,
punch-through ∝ exp(−L/λ_int)); ⟨p_T⟩ from ``[backgrounds.hadronic] mean_pt``.
"""

from __future__ import annotations

import numpy as np

from darkmiss.config.schema import SetupGeometry
from darkmiss.detsim.background_config import HadronicConfig
from darkmiss.physics.materials import get_material


def total_lambda(setup: SetupGeometry) -> float:
    """Total depth of ECAL + HCAL in nuclear interaction lengths (spec Sec. VIII: ≈ 30 λ_int)."""
    return setup.ecal.total_lambda + setup.n_hcal_modules * setup.hcal.total_lambda


def punchthrough_probability(lengths_lambda: np.ndarray | float) -> np.ndarray:
    """Probability that a neutral hadron crosses ``L`` interaction lengths: exp(−L/λ) (spec Sec. VIII)."""
    return np.exp(-np.maximum(np.asarray(lengths_lambda, dtype=float), 0.0))


def lambda_profile_cm(setup: SetupGeometry) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative depth along the axis: z [cm] from the ECAL face and λ_int at the segment edges
    (ECAL, air gaps, HCAL modules)."""
    air = get_material("air")
    z = [0.0, setup.ecal.length_cm]
    lam = [0.0, setup.ecal.total_lambda]
    for i in range(setup.n_hcal_modules):
        gap = setup.ecal_hcal_gap_cm if i == 0 else setup.hcal_module_gap_cm
        z += [z[-1] + gap, z[-1] + gap + setup.hcal.length_cm]
        lam += [
            lam[-1] + gap / air.lambda_int_cm,
            lam[-1] + gap / air.lambda_int_cm + setup.hcal.total_lambda,
        ]
    return np.asarray(z), np.asarray(lam)


def escape_probability_with_angle(
    setup: SetupGeometry, cfg: HadronicConfig, energy: np.ndarray, start_lambda: np.ndarray, n_pt: int = 400
) -> np.ndarray:
    """Probability that a neutral hadron of ``energy`` [GeV] starting at ``start_lambda`` leaves the setup
    without interacting, through the back or the lateral surface (spec Sec. VIII "large transverse
    fluctuations").

    p_T density p_T e^(−b p_T), b = 2/⟨p_T⟩; θ = p_T/E; the hadron leaves the HCAL laterally at
    z = half-width/θ, having crossed Λ(z) λ_int; P = ∫ dp_T f(p_T) exp(−(Λ(min(z, L)) − t_start)).
    """
    e = np.atleast_1d(np.asarray(energy, dtype=float))
    t0 = np.broadcast_to(np.asarray(start_lambda, dtype=float), e.shape)
    zs, lams = lambda_profile_cm(setup)
    half = 0.5 * setup.hcal.width_x_cm
    b = 2.0 / cfg.mean_pt
    pt = np.linspace(0.0, 30.0 / b, n_pt)[1:]
    w = b * b * pt * np.exp(-b * pt)
    w = w / np.trapezoid(w, pt)
    theta = pt[None, :] / np.maximum(e[:, None], 1e-6)
    z_exit = np.minimum(half / np.maximum(theta, 1e-12), zs[-1])
    lam = np.interp(z_exit, zs, lams)
    p = np.exp(-np.maximum(lam - t0[:, None], 0.0))
    return np.asarray(np.trapezoid(w[None, :] * p, pt, axis=1))
