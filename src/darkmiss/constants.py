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
#: Electron anomalous moment, experiment minus SM (α from Rb), Δa_e = (−1.06 ± 0.82)×10⁻¹²
#: (Aoyama, Hayakawa, Kinoshita, Nio, PRL 109, 111807 (2012)); the a_e bound of the spec's Fig. 15 era.
DELTA_A_E: float = -1.06e-12
DELTA_A_E_ERR: float = 0.82e-12

#: Bethe-formula constant K = 4π N_A r_e² m_e c² [GeV·cm²/mol] (PDG 2022, Passage of particles, Table 34.1).
K_BETHE_GEV_CM2_MOL: float = 0.307075e-3
#: Mean excitation energies I [GeV] (PDG 2022 Atomic and nuclear properties; "Sc" = polystyrene).
MEAN_EXCITATION_GEV: dict[str, float] = {"Pb": 823.0e-9, "Fe": 286.0e-9, "Sc": 68.7e-9}
#: Plasma energies ħω_p [GeV] for the density effect (PDG 2022 Atomic and nuclear properties).
PLASMA_ENERGY_GEV: dict[str, float] = {"Pb": 61.07e-9, "Fe": 55.17e-9, "Sc": 21.75e-9}
#: Muon critical energies E_μc [GeV], where ionisation = radiative loss (PDG 2022 muon tables;
#: polystyrene approximate). Radiative coefficient b ≈ a(E_μc)/E_μc.
MU_CRITICAL_ENERGY_GEV: dict[str, float] = {"Pb": 141.0, "Fe": 347.0, "Sc": 1180.0}

# --- Form factors of the A′ photon flux χ (Bjorken, Essig, Schuster, Toro, PRD 80, 075018 (2009), App. A;
# --- spec Eqs. 10–11). Used by darkmiss.physics.formfactors.
#: Elastic atomic screening: a = FF_A_ELASTIC · Z^(−1/3) / m_e (Tsai 1974; spec Eq. 11).
FF_A_ELASTIC: float = 111.0
#: Inelastic atomic screening: a′ = FF_A_INELASTIC · Z^(−2/3) / m_e (Bjorken et al. 2009, Eq. A18).
FF_A_INELASTIC: float = 773.0
#: Nuclear size: d = FF_D_NUCLEAR_GEV2 · A^(−2/3) [GeV²] (spec Eq. 11).
FF_D_NUCLEAR_GEV2: float = 0.164
#: Proton dipole form-factor scale Λ² [GeV²] in (1 + t/Λ²)^(−4) (Bjorken et al. 2009, Eq. A18).
PROTON_DIPOLE_GEV2: float = 0.71
#: Proton magnetic moment μ_p in nuclear magnetons (CODATA 2018); Bjorken et al. use 2.79.
MU_PROTON: float = 2.79284734463

# --- Bethe–Heitler μ-pair model of Geant4 (G4GammaConversionToMuons; Burkhardt, Kelner, Kokoulin,
# --- CERN-SL-2002-016; spec Eqs. 18–19). Used by darkmiss.physics.muonpair.
#: Screening constant B of Eq. 19 for Z > 1.
MUPAIR_B: float = 183.0
#: Screening constant B of Eq. 19 for hydrogen.
MUPAIR_B_HYDROGEN: float = 202.4
#: Nuclear-size coefficient: D_n = MUPAIR_DN_COEF · A^MUPAIR_DN_POWER for Z > 1 (Eq. 19).
MUPAIR_DN_COEF: float = 1.54
#: Exponent of A in D_n (Eq. 19).
MUPAIR_DN_POWER: float = 0.27
#: D_n for hydrogen (Eq. 19).
MUPAIR_DN_HYDROGEN: float = 1.49
