"""Electromagnetic showers for the background processes: the shower engine's calorimeter
response for a batch that may hold zero-energy entries, and the longitudinal EM profile used
where the preshower share of a shower starting inside the ECAL is needed.

Units: GeV, cm; depths in X0.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammainc

from darkmiss.config.schema import SetupGeometry
from darkmiss.shower.api import CaloResponse
from darkmiss.shower.response import em_response as engine_em_response


def em_longitudinal_cdf(
    energy: np.ndarray, depth_x0: np.ndarray, ec_gev: float, photon: bool = True
) -> np.ndarray:
    """Fraction of an EM shower of ``energy`` [GeV] deposited within ``depth_x0`` X0 of its start.

    Gamma profile dE/dt ∝ (bt)^(a−1) e^(−bt), b = 0.5, t_max = (a−1)/b = ln(E/E_c) + C with
    C = +0.5 for photons, −0.5 for electrons (PDG Review "Passage of particles", Eq. 34.36);
    ``ec_gev`` is the critical energy [GeV].
    """
    e = np.maximum(np.asarray(energy, dtype=float), ec_gev * 1.01)
    tmax = np.maximum(np.log(e / ec_gev) + (0.5 if photon else -0.5), 0.1)
    b = 0.5
    a = b * tmax + 1.0
    return np.asarray(gammainc(a, b * np.maximum(np.asarray(depth_x0, dtype=float), 0.0)))


def em_response(
    energies: np.ndarray,
    x_cm: np.ndarray,
    y_cm: np.ndarray,
    setup: SetupGeometry,
    rng: np.random.Generator,
    particle: str = "e-",
) -> CaloResponse:
    """Calibrated calorimeter response [GeV; V2 in MIP] of EM showers of ``energies`` [GeV] hitting
    the ECAL at (x, y) [cm], from the shower engine (:func:`darkmiss.shower.response.em_response`,
    fast mode).

    Entries with zero energy (e.g. an absent decay photon) get zero deposits and use no random
    numbers; the others are simulated together, in order.
    """
    e = np.asarray(energies, dtype=float)
    n = e.shape[0]
    out = CaloResponse(
        ecal=np.zeros((n, setup.ecal.n_cells_x, setup.ecal.n_cells_y)),
        ps=np.zeros((n, setup.ecal.n_cells_x, setup.ecal.n_cells_y)),
        hcal=np.zeros((n, setup.n_hcal_modules, setup.hcal.n_cells_x, setup.hcal.n_cells_y)),
        v2=np.zeros(n),
        leak=np.zeros(n),
    )
    ok = e > 0
    if ok.any():
        r = engine_em_response(
            e[ok], np.asarray(x_cm)[ok], np.asarray(y_cm)[ok], setup, rng, particle=particle, mode="fast"
        )
        out.ecal[ok] = r.ecal
        out.ps[ok] = r.ps
        out.hcal[ok] = r.hcal
        out.v2[ok] = r.v2
        out.leak[ok] = r.leak
    return out
