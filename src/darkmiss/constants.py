"""Physical constants: the one home for every constant used in darkmiss.

Units: GeV, cm, pb, ns unless the name says otherwise. Particle masses come from the
`particle` package (PDG tables); the rest are CODATA 2018 / PDG 2022 values.
"""

from __future__ import annotations

import math

from hepunits import constants as _hc
from hepunits import units as _hu
from particle import Particle as _Particle


def _mass_gev(pdgid: int) -> float:
    mass = _Particle.from_pdgid(pdgid).mass
    if mass is None:  # pragma: no cover - PDG tables always carry these
        raise RuntimeError(f"no PDG mass for {pdgid}")
    return float(mass) / 1000.0  # particle gives MeV


#: Fine-structure constant α (CODATA 2018).
ALPHA: float = 1.0 / 137.035999084
#: Avogadro's number [1/mol].
N_AVOGADRO: float = float(_hc.Avogadro * _hu.mole)
#: ħc [GeV·cm].
HBARC_GEV_CM: float = float(_hc.hbarc / (_hu.GeV * _hu.cm))
#: (ħc)² [GeV²·pb]: converts a cross-section in GeV⁻² to pb.
GEV2_TO_PB: float = 0.3893793721e9
#: 1 pb in cm².
PB_TO_CM2: float = 1.0e-36
#: 1 μb in pb.
UB_TO_PB: float = 1.0e6
#: Speed of light [cm/ns].
C_CM_PER_NS: float = float(_hc.c_light / (_hu.cm / _hu.ns))
#: Euler's number to the ½ (√e), as Geant4's μ-pair model uses it (spec Eq. 19).
SQRT_E: float = math.sqrt(math.e)

#: Electron mass [GeV].
M_E: float = _mass_gev(11)
#: Muon mass [GeV].
M_MU: float = _mass_gev(13)
#: Tau mass [GeV].
M_TAU: float = _mass_gev(15)
#: Charged pion mass [GeV].
M_PI: float = _mass_gev(211)
#: Neutral pion mass [GeV].
M_PI0: float = _mass_gev(111)
#: Charged kaon mass [GeV].
M_K: float = _mass_gev(321)
#: Proton mass [GeV].
M_P: float = _mass_gev(2212)
#: Neutron mass [GeV].
M_N: float = _mass_gev(2112)
#: Atomic mass unit [GeV].
AMU_GEV: float = 0.93149410242

#: Classical electron radius [cm].
R_E_CM: float = ALPHA * HBARC_GEV_CM / M_E

#: Mean lifetimes cτ [cm] (PDG 2022).
CTAU_MU_CM: float = 65865.4
CTAU_PI_CM: float = 780.45
CTAU_K_CM: float = 371.2

#: Branching ratios used for decays in flight (PDG 2022).
BR_PI_ENU: float = 1.230e-4
BR_K_ENU: float = 1.582e-5
BR_KE3: float = 5.07e-2

#: Muon anomalous magnetic moment discrepancy of the spec's era, Δa_μ = (287 ± 80)×10⁻¹¹ (spec Sec. I, Ref. 8).
DELTA_A_MU: float = 287e-11
DELTA_A_MU_ERR: float = 80e-11
