"""Muon transport through the ECAL, V2 and HCAL: ionisation with fluctuations, knock-on electrons and
radiative losses (spec Sec. III and V; Fig. 9).

Per plate of thickness L (path length) the muon loses

* the *restricted* mean ionisation loss for transfers T < T_cut (PDG 2022 Eq. 34.7, restricted form;
  density effect in the high-energy limit), fluctuated with a gamma law of variance
  ξ·T_cut·(1 − β²/2), ξ = (K/2)(Z/A)ρL/β² (Bohr variance for the restricted spectrum, PDG Sec. 34.2.9);
* explicit knock-on electrons with T_cut < T < T_max from dN/dT = ξ/T² (1 − β² T/T_max) (PDG Eq. 34.4
  spin-0 form) — the Landau/Vavilov tail emerges from these;
* radiative losses (bremsstrahlung, e⁺e⁻ pairs, photonuclear) with mean b·E·ρL, b = a(E_μc)/E_μc from
  the PDG muon critical energy, sampled as discrete losses v = ε/E in [v_cut, 1] with v dN/dv constant.

Secondaries (knock-ons, radiative losses) shower in the sampling structure and are seen with its
electron sampling fraction f_e and its sampling fluctuations; the soft loss in a scintillator plate is
seen in full. Multiple scattering is neglected (muons of 2–100 GeV deviate by < 1 cm over the HCAL);
stopped muons deposit their kinetic energy locally, and their rest energy counts as leak.
Units: GeV, cm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numba
import numpy as np

from darkmiss.config.load import Preset
from darkmiss.constants import (
    K_BETHE_GEV_CM2_MOL,
    M_E,
    M_MU,
    MEAN_EXCITATION_GEV,
    MU_CRITICAL_ENERGY_GEV,
    PLASMA_ENERGY_GEV,
)
from darkmiss.physics.materials import get_material
from darkmiss.shower.parametrized import (
    KIND_ECAL,
    KIND_HCAL,
    KIND_V2,
    N_CELLS,
    SlabTable,
    _cell_of,
    bethe_dedx,
)
from darkmiss.shower.pcg64 import gamma, poisson, uniform


@dataclass(frozen=True)
class MuonSettings:
    """Muon transport settings (preset table ``[calorimetry.muon]``): delta_cut_gev, radiative_vcut,
    stop_kinetic_gev [GeV]."""

    delta_cut_gev: float = 0.001
    radiative_vcut: float = 0.001
    stop_kinetic_gev: float = 0.01

    @classmethod
    def from_preset(cls, preset: Preset) -> MuonSettings:
        t = preset.section("calorimetry").get("muon", {})
        return cls(
            delta_cut_gev=float(t.get("delta_cut_gev", cls.delta_cut_gev)),
            radiative_vcut=float(t.get("radiative_vcut", cls.radiative_vcut)),
            stop_kinetic_gev=float(t.get("stop_kinetic_gev", cls.stop_kinetic_gev)),
        )


_MATERIALS = ("Pb", "Fe", "Sc")


def material_table() -> np.ndarray:
    """Per material (Pb, Fe, Sc) [K·Z/A·ρ [GeV/cm], I [GeV], ħω_p [GeV], ρ [g/cm³], b [cm²/g]]."""
    rows = []
    for m in _MATERIALS:
        mat = get_material(m)
        za = sum(w * e.Z / e.A for e, w in mat.elements)
        ec = MU_CRITICAL_ENERGY_GEV[m]
        b = bethe_dedx(m, ec, M_MU) / mat.density / ec
        rows.append(
            [
                K_BETHE_GEV_CM2_MOL * za * mat.density,
                MEAN_EXCITATION_GEV[m],
                PLASMA_ENERGY_GEV[m],
                mat.density,
                b,
            ]
        )
    return np.array(rows)


def plate_table(table: SlabTable, setup_absorbers: tuple[str, str]) -> np.ndarray:
    """Per slab: [absorber material, absorber cm, active material, active cm] (material index into
    :func:`material_table`, −1 for none)."""
    ia = _MATERIALS.index(setup_absorbers[0])
    ih = _MATERIALS.index(setup_absorbers[1])
    sc = _MATERIALS.index("Sc")
    rows = np.full((table.kind.size, 4), -1.0)
    for k in range(table.kind.size):
        kd = table.kind[k]
        if kd == KIND_ECAL:
            rows[k] = [ia, table.ecal_abs_cm, sc, table.ecal_act_cm]
        elif kd == KIND_HCAL:
            rows[k] = [ih, table.hcal_abs_cm, sc, table.hcal_act_cm]
        elif kd == KIND_V2:
            rows[k] = [-1, 0.0, sc, table.z1[k] - table.z0[k]]
    return rows


@numba.njit(cache=True)
def _loss_constants(mt: np.ndarray) -> tuple[float, float]:
    """(2 ln(ħω_p/I) − 1, ln(2 m_e/I²) [ln GeV⁻¹]) of a material row: the energy-independent logarithms
    of :func:`_restricted_loss`."""
    return 2.0 * math.log(mt[2] / mt[1]) - 1.0, math.log(2.0 * M_E / (mt[1] * mt[1]))


@numba.njit(cache=True)
def _restricted_loss(
    mt: np.ndarray, c_delta: float, c_br: float, e: float, tcut: float, log_tcut: float, length: float
) -> tuple[float, float, float, float]:
    """(restricted mean loss [GeV], ξ [GeV], T_max [GeV], β²) of a muon of total energy e in ``length`` cm
    (PDG Eq. 34.7 with T_up = min(T_cut, T_max); density effect in its high-energy limit,
    δ = 2 ln(ħω_p/I) + ln(βγ)² − 1). ``c_delta``, ``c_br``: :func:`_loss_constants` of the material;
    ``log_tcut`` = ln T_cut: one logarithm per call."""
    gamma = e / M_MU
    bg2 = max(gamma * gamma - 1.0, 1e-6)
    b2 = bg2 / (gamma * gamma)
    r = M_E / M_MU
    tmax = 2.0 * M_E * bg2 / (1.0 + 2.0 * gamma * r + r * r)
    log_bg2 = math.log(bg2)
    if tcut < tmax:
        tup, log_tup = tcut, log_tcut
    else:
        tup, log_tup = tmax, math.log(tmax)
    delta = max(0.0, c_delta + log_bg2)
    bracket = 0.5 * (c_br + log_bg2 + log_tup) - 0.5 * b2 * (1.0 + tup / tmax) - 0.5 * delta
    xi = 0.5 * mt[0] / b2 * length
    return max(2.0 * xi * bracket, 0.0), xi, tmax, b2


@numba.njit(cache=True)
def transport_muons(
    event: np.ndarray,
    energy: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    zpos: np.ndarray,
    ux: np.ndarray,
    uy: np.ndarray,
    uz: np.ndarray,
    n_events: int,
    state: np.ndarray,
    z0: np.ndarray,
    z1: np.ndarray,
    kind: np.ndarray,
    layer: np.ndarray,
    geo: np.ndarray,
    ps_layers: int,
    plates: np.ndarray,
    mats: np.ndarray,
    f_e: np.ndarray,
    c2: np.ndarray,
    settings: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transport muons (total energy ``energy`` [GeV]) from (x, y, z) along (ux, uy, uz).

    Returns (visible [GeV] (n_events, N_CELLS), deposited [GeV] (n_events, N_CELLS), leak [GeV]
    (n_events,)); per muon Σ deposited + leak = its initial total energy. ``f_e``/``c2``: electron
    sampling fraction and squared sampling term per slab kind (ECAL, V2, gap, HCAL). ``state``: the
    PCG64 state of the caller's Generator (:mod:`darkmiss.shower.pcg64`), advanced in place.
    """
    vis = np.zeros((n_events, N_CELLS))
    dep = np.zeros((n_events, N_CELLS))
    leak = np.zeros(n_events)
    tcut0, vcut, stop_t = settings[0], settings[1], settings[2]
    log_tcut = math.log(tcut0)
    brems_per_b = math.log(1.0 / vcut) / (1.0 - vcut)  # ∫ dN/dv over v > vcut per unit b·ρL (v dN/dv flat)
    lc = np.empty((mats.shape[0], 2))
    for m in range(mats.shape[0]):
        lc[m, 0], lc[m, 1] = _loss_constants(mats[m])
    for i in range(energy.size):
        ev = event[i]
        e = energy[i]
        dzc = max(uz[i], 1e-3)
        sx = ux[i] / dzc
        sy = uy[i] / dzc
        alive = True
        pending = 0.0
        for k in range(z0.size):
            if z1[k] <= zpos[i] or plates[k, 2] < 0:
                continue
            zm = max(0.5 * (z0[k] + z1[k]), zpos[i])
            px = x[i] + sx * (zm - zpos[i])
            py = y[i] + sy * (zm - zpos[i])
            cell = _cell_of(kind[k], layer[k], px, py, geo, ps_layers)
            if cell < 0:
                continue
            kd = kind[k]
            for sub in range(2):
                mi = int(plates[k, 2 * sub])
                if mi < 0:
                    continue
                active = sub == 1
                length = plates[k, 2 * sub + 1] / dzc
                if zpos[i] > z0[k]:
                    length *= (z1[k] - zpos[i]) / (z1[k] - z0[k])
                mt = mats[mi]
                kin = e - M_MU
                tcut = tcut0
                mean, xi, tmax, b2 = _restricted_loss(mt, lc[mi, 0], lc[mi, 1], e, tcut, log_tcut, length)
                soft = 0.0
                if mean > 0.0:
                    var = xi * min(tcut, tmax) * (1.0 - 0.5 * b2)
                    soft = gamma(state, mean * mean / var) * (var / mean) if var > 0.0 else mean
                sec = 0.0
                if tmax > tcut:
                    nd = poisson(state, xi * (1.0 / tcut - 1.0 / tmax))
                    for _ in range(nd):
                        t = 1.0 / (1.0 / tcut - uniform(state) * (1.0 / tcut - 1.0 / tmax))
                        if uniform(state) < 1.0 - b2 * t / tmax:
                            sec += t
                brad = mt[4] * mt[3] * length
                nr = poisson(state, brad * brems_per_b)
                for _ in range(nr):
                    v = vcut ** uniform(state)
                    sec += v * e
                if pending > 0.0 and kd != KIND_V2:
                    # secondaries that left V2 shower in the next calorimeter plate
                    dep[ev, cell] += pending
                    vis[ev, cell] += f_e[kd] * gamma(state, pending / c2[kd]) * c2[kd]
                    pending = 0.0
                total = soft + sec
                if total >= kin - stop_t:
                    # stops here: the remaining kinetic energy is deposited, the rest mass is leak
                    soft = kin
                    sec = 0.0
                    total = kin
                    alive = False
                e -= total
                if kd == KIND_V2:
                    # V2 is 0.1 X0 thick: a secondary leaves at most its ionisation over the plate
                    # (≈ 2 MeV/cm × thickness) and carries the rest into the HCAL
                    local = min(sec, 0.002 * length)
                    pending += sec - local
                    vis[ev, cell] += soft + local
                    dep[ev, cell] += soft + local
                else:
                    dep[ev, cell] += total
                    if active:
                        vis[ev, cell] += soft
                    if sec > 0.0:
                        vis[ev, cell] += f_e[kd] * gamma(state, sec / c2[kd]) * c2[kd]
                if not alive:
                    break
            if not alive:
                break
        leak[ev] += e + pending  # escaping energy (or rest mass of a stopped muon), V2 secondaries not caught
    return vis, dep, leak
