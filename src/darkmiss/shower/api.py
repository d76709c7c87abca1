"""The shower engine's interface to the rest of darkmiss (kept small so another engine could be
plugged in, architecture.md).

Implemented by the shower stage (the ``cascade`` package, ``parametrized.py``, ``response.py``, ``yields.py``);
the detector simulation and the yields commands use only what is exported here.

Units: GeV, cm; calorimeter energies are calibrated energies (visible / sampling fraction) with
sampling and photo-statistics fluctuations included; V2 in MIP.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class CaloResponse:
    """Calorimeter response of ``n`` events.

    ecal (n,6,6) and ps (n,6,6) [GeV]: main ECAL section and preshower cells;
    hcal (n,4,3,3) [GeV]: module x row x column; v2 (n,) [MIP]; leak (n,) [GeV]: energy that left
    the detector (including escaping μ, ν, A′ when relevant).
    """

    ecal: np.ndarray
    ps: np.ndarray
    hcal: np.ndarray
    v2: np.ndarray
    leak: np.ndarray


@dataclass
class SignalSample:
    """Signal events with one forced A′ emission per shower (weights carry the bias).

    Each event is one simulated shower with one forced emission; ``weight`` is that shower's
    probability of the emission at ε = 1, so the *mean* weight over the sample is the yield per EOT
    above threshold; ``aprime_energy`` [GeV]; ``response`` the calorimeter response of the rest of
    the shower.
    """

    mass: float
    aprime_energy: np.ndarray
    weight: np.ndarray
    response: CaloResponse


@dataclass
class DimuonSample:
    """γ → μ⁺μ⁻ events in the target (one forced conversion per shower; the mean weight is the rate per EOT)."""

    weight: np.ndarray
    muon_energies: np.ndarray  # (n, 2) GeV at production
    response: CaloResponse
