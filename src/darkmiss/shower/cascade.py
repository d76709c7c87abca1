"""Explicit electromagnetic cascade (numba): e⁻, e⁺, γ through the slab geometry.

Units: GeV, cm. Processes (docs/shower.md gives the details and sources):

- bremsstrahlung, Tsai complete screening with Coulomb correction (Tsai, RMP 46, 815, Eq. 3.83),
  photons above ``kc``; softer photons are a continuous loss; LPM (Klein, RMP 71, 1501, Eq. 13)
  and dielectric (Ter-Mikaelian) suppression by rejection;
- pair production, Tsai complete screening (Eq. 3.84) matched to unscreened Bethe–Heitler near
  threshold, LPM suppression at very high energy;
- Compton scattering (Klein–Nishina; Geant4 G4KleinNishinaCompton sampling);
- ionisation: restricted Bethe (Berger–Seltzer, density effect of Sternheimer–Peierls) below
  ``tcut``, Møller/Bhabha delta rays above;
- positron annihilation in flight (Heitler) and at rest; multiple scattering (Highland, PDG Eq. 34.15).

Energy bookkeeping uses the *available* energy of a particle: γ its energy, e⁻ its kinetic energy,
e⁺ its kinetic energy + 2 m_e (the annihilation energy). Per shower
Σ absorbed + escaped + A′ + handoff + muons = available energy of the primary (to rounding).

Randomness: every particle carries its own splitmix64 stream, seeded at birth from its parent's
stream; a shower's primary is seeded from ``SeedSequence(seed).generate_state(n)``. A particle's
history therefore does not depend on which other particles are tracked, so the cheap *yield* pass
(only particles above threshold) and a full pass replay identical histories — this is how one A′
(or μ pair) emission is forced exactly (see :func:`run_cascade`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numba
import numpy as np

from darkmiss.constants import M_E, M_MU, R_E_CM
from darkmiss.errors import UserInputError
from darkmiss.shower.geometry import (
    CELL_OFFSET_ECAL,
    CELL_OFFSET_HCAL,
    CELL_V2,
    N_CELLS,
    WORLD_HALF_WIDTH_CM,
    Geometry,
)
from darkmiss.shower.tally import TrackLengthTally
from darkmiss.shower.xsec_tables import SigmaTable, aprime_force_table, dimuon_force_table

__all__ = ["N_CELLS", "CascadeOutput", "Primaries", "SigmaTable", "run_cascade", "shower_seeds"]

_ME = M_E
_TWOPI_MC2_RCL2 = 2.0 * math.pi * M_E * R_E_CM**2  # 2π m_e r_e² [GeV cm²]
_PI_RE2 = math.pi * R_E_CM**2

_GOLD = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
_INV53 = 1.0 / 9007199254740992.0

PID_EM, PID_EP, PID_G = 11, -11, 22
_FLOOR_DEPOSIT, _FLOOR_HANDOFF, _FLOOR_ABSORB = 0, 1, 2
_STACK = 100_000
#: Default cuts per mode [GeV] (= the na64-2016 preset's [shower] ecut, fast_kc, yield_kc).
DEFAULT_ECUT = {"detailed": 0.001, "fast": 0.01, "yield": 0.01}


# ----------------------------------------------------------------------------- random numbers
@numba.njit(cache=True)
def _next64(st: np.ndarray) -> np.uint64:
    """splitmix64 (Steele, Lea, Flood 2014): advance the state in ``st[0]`` and return 64 bits."""
    st[0] = st[0] + _GOLD
    z = st[0]
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(cache=True)
def _uni(st: np.ndarray) -> float:
    """A uniform number in (0, 1)."""
    return (float(_next64(st) >> _S11) + 0.5) * _INV53


@numba.njit(cache=True)
def _gauss(st: np.ndarray) -> float:
    """A standard normal number (Box–Muller)."""
    return math.sqrt(-2.0 * math.log(_uni(st))) * math.cos(2.0 * math.pi * _uni(st))


# ----------------------------------------------------------------------------- kinematics
@numba.njit(cache=True)
def _rotate(ux: float, uy: float, uz: float, cost: float, phi: float) -> tuple[float, float, float]:
    """Direction at polar angle acos(cost), azimuth phi about (ux, uy, uz) (unit vectors)."""
    sint = math.sqrt(max(0.0, 1.0 - cost * cost))
    cp, sp = math.cos(phi), math.sin(phi)
    perp = math.sqrt(ux * ux + uy * uy)
    if perp < 1e-10:
        s = 1.0 if uz >= 0 else -1.0
        return sint * cp, s * sint * sp, s * cost
    nx = ux * cost + sint * (ux * uz * cp - uy * sp) / perp
    ny = uy * cost + sint * (uy * uz * cp + ux * sp) / perp
    nz = uz * cost - sint * perp * cp
    n = math.sqrt(nx * nx + ny * ny + nz * nz)
    return nx / n, ny / n, nz / n


@numba.njit(cache=True)
def _tsai_angle(st: np.ndarray, mass: float, energy: float) -> float:
    """Polar angle of a bremsstrahlung photon / pair lepton [rad]: Geant4 G4ModifiedTsai sampling,
    u = −ln(r₁r₂)·(1.6 w.p. 0.25, else 1.6/3), u ≤ 2γ, cos θ = 1 − 2u²/(2γ)²."""
    umax = 2.0 * energy / mass
    while True:
        uu = -math.log(_uni(st) * _uni(st))
        u = uu * 1.6 if _uni(st) < 0.25 else uu * 1.6 / 3.0
        if u <= umax:
            break
    return math.acos(max(-1.0, 1.0 - 2.0 * u * u / (umax * umax)))


# ----------------------------------------------------------------------------- cross-sections (per cm)
@numba.njit(cache=True)
def _brems_sigma(e: float, kc: float, b1: float, b2: float) -> float:
    """Σ_brems(k > kc) [1/cm] from Tsai complete screening (Eq. 3.83) integrated over y = k/E."""
    yc = kc / e
    if yc >= 1.0 or b1 <= 0.0:
        return 0.0
    lg = -math.log(yc)
    return b1 * (4.0 / 3.0 * (lg - (1.0 - yc)) + 0.5 * (1.0 - yc * yc)) + b2 * (lg - (1.0 - yc))


@numba.njit(cache=True)
def _brems_soft_loss(e: float, kc: float, b1: float, b2: float) -> float:
    """Mean energy radiated in photons below kc per cm, ∫₀^kc k dσ/dk dk [GeV/cm] (Tsai Eq. 3.83)."""
    yc = min(kc / e, 1.0)
    return e * (b1 * (4.0 / 3.0 * (yc - 0.5 * yc * yc) + yc**3 / 3.0) + b2 * (yc - 0.5 * yc * yc))


@numba.njit(cache=True)
def _pair_sigma(k: float, b1: float, b2: float, bhz2: float) -> float:
    """Σ_pair [1/cm]: min(Tsai complete screening (7/9 b1 − b2/6), unscreened Bethe–Heitler)."""
    if k <= 2.0 * _ME or b1 <= 0.0:
        return 0.0
    cs = 7.0 / 9.0 * b1 - b2 / 6.0
    un = bhz2 * (28.0 / 9.0 * math.log(2.0 * k / _ME) - 218.0 / 27.0)
    return max(0.0, min(cs, un))


@numba.njit(cache=True)
def _kn_sigma(k: float, n_el: float) -> float:
    """Klein–Nishina Compton cross-section × electron density [1/cm] (Heitler 1954)."""
    x = k / _ME
    if n_el <= 0.0:
        return 0.0
    l2 = math.log(1.0 + 2.0 * x)
    s = (
        (1.0 + x) / x**2 * (2.0 * (1.0 + x) / (1.0 + 2.0 * x) - l2 / x)
        + l2 / (2.0 * x)
        - (1.0 + 3.0 * x) / (1.0 + 2.0 * x) ** 2
    )
    return 2.0 * _PI_RE2 * s * n_el


@numba.njit(cache=True)
def _moller_bhabha_sigma(t: float, tcut: float, positron: bool, n_el: float) -> float:
    """Delta-ray cross-section above tcut × n_el [1/cm] (Møller/Bhabha; Geant4 G4MollerBhabhaModel)."""
    tau = t / _ME
    gam = tau + 1.0
    g2 = gam * gam
    beta2 = tau * (tau + 2.0) / g2
    xmin = tcut / t
    if not positron:
        xmax = 0.5
        if xmin >= xmax:
            return 0.0
        gg = (2.0 * gam - 1.0) / g2
        cross = (
            (xmax - xmin) * (1.0 - gg + 1.0 / (xmin * xmax) + 1.0 / ((1.0 - xmin) * (1.0 - xmax)))
            - gg * math.log(xmax * (1.0 - xmin) / (xmin * (1.0 - xmax)))
        ) / beta2
    else:
        xmax = 1.0
        if xmin >= xmax:
            return 0.0
        y = 1.0 / (1.0 + gam)
        y2 = y * y
        y12 = 1.0 - 2.0 * y
        b1 = 2.0 - y2
        b2 = y12 * (3.0 + y2)
        y122 = y12 * y12
        b4 = y122 * y12
        b3 = b4 + y122
        cross = (xmax - xmin) * (
            1.0 / (beta2 * xmin * xmax)
            + b2
            - 0.5 * b3 * (xmin + xmax)
            + b4 * (xmin * xmin + xmin * xmax + xmax * xmax) / 3.0
        ) - b1 * math.log(xmax / xmin)
    return max(cross, 0.0) * _TWOPI_MC2_RCL2 / t * n_el


@numba.njit(cache=True)
def _annih_sigma(t: float, n_el: float) -> float:
    """Two-photon annihilation in flight, Heitler's formula × n_el [1/cm]."""
    gam = t / _ME + 1.0
    if gam <= 1.0 + 1e-9:
        return 0.0
    s = math.sqrt(gam * gam - 1.0)
    v = ((gam * gam + 4.0 * gam + 1.0) / (gam * gam - 1.0) * math.log(gam + s) - (gam + 3.0) / s) / (
        gam + 1.0
    )
    return _PI_RE2 * v * n_el


@numba.njit(cache=True)
def _dedx(t: float, tcut: float, positron: bool, mrow: np.ndarray) -> float:
    """Restricted collision stopping power of e± [GeV/cm] (Berger–Seltzer; Geant4
    G4MollerBhabhaModel::ComputeDEDX) with the Sternheimer–Peierls density effect."""
    n_el = mrow[3]
    if n_el <= 0.0:
        return 0.0
    tau = t / _ME
    gam = tau + 1.0
    g2 = gam * gam
    bg2 = tau * (tau + 2.0)
    beta2 = bg2 / g2
    eexc = mrow[7] / _ME
    lnx = math.log(2.0 * (tau + 2.0) / (eexc * eexc))
    if not positron:
        d = min(tcut, 0.5 * t) / _ME
        dedx = (
            lnx
            - 1.0
            - beta2
            + math.log((tau - d) * d)
            + tau / (tau - d)
            + (0.5 * d * d + (2.0 * tau + 1.0) * math.log(1.0 - d / tau)) / g2
        )
    else:
        d = min(tcut, t) / _ME
        d2 = d * d * 0.5
        d3 = d2 * d / 1.5
        d4 = d3 * d * 0.75
        y = 1.0 / (1.0 + gam)
        dedx = (
            lnx
            + math.log(tau * d)
            - beta2 * (tau + 2.0 * d - y * (3.0 * d2 + y * (d - d3 + y * (d2 - tau * d3 + d4)))) / tau
        )
    x = math.log10(math.sqrt(bg2))
    c, x0, x1, a, k = mrow[8], mrow[9], mrow[10], mrow[11], mrow[12]
    delta = 0.0
    if x >= x1:
        delta = 2.0 * math.log(10.0) * x - c
    elif x >= x0:
        delta = 2.0 * math.log(10.0) * x - c + a * (x1 - x) ** k
    dedx -= delta
    return max(dedx, 0.0) * _TWOPI_MC2_RCL2 * n_el / beta2


@numba.njit(cache=True)
def _interp_log(tab: np.ndarray, logemin: float, dloge: float, e: float) -> float:
    """Linear interpolation of ``tab`` on a uniform grid in ln E (0 outside the grid)."""
    u = (math.log(e) - logemin) / dloge
    n = tab.size
    if u < 0.0 or u > n - 1:
        return 0.0
    i = int(u)
    if i >= n - 1:
        return tab[n - 1]
    f = u - i
    return tab[i] * (1.0 - f) + tab[i + 1] * f


@numba.njit(cache=True)
def _sample_x(xinv: np.ndarray, logemin: float, dloge: float, e: float, r: float) -> float:
    """Sample x from the tabulated inverse CDF xinv[energy node, u] (nearest node in ln E)."""
    ng, nu = xinv.shape
    i = int(max((math.log(e) - logemin) / dloge + 0.5, 0.0))
    i = min(max(i, 0), ng - 1)
    u = r * (nu - 1)
    j = min(int(u), nu - 2)
    f = u - j
    return xinv[i, j] * (1.0 - f) + xinv[i, j + 1] * f


# ----------------------------------------------------------------------------- geometry helpers
@numba.njit(cache=True)
def _cell(x: float, y: float, reg: int, cellsz: float, ncell: int) -> int:
    """Readout cell index at (x, y) in a slab of region ``reg`` (-1 outside any readout)."""
    if reg < 0:
        return -1
    if reg == 2:
        return CELL_V2
    half = 0.5 * ncell * cellsz
    ix = min(max(int((x + half) / cellsz), 0), ncell - 1)
    iy = min(max(int((y + half) / cellsz), 0), ncell - 1)
    if reg == 0:
        return iy * 6 + ix if ncell == 6 else min(iy * ncell + ix, 35)
    if reg == 1:
        return CELL_OFFSET_ECAL + (iy * 6 + ix if ncell == 6 else min(iy * ncell + ix, 35))
    return CELL_OFFSET_HCAL + (reg - 3) * 9 + (iy * 3 + ix if ncell == 3 else min(iy * ncell + ix, 8))


@numba.njit(cache=True)
def _find_slab(z: float, zed: np.ndarray) -> int:
    """Index of the slab containing z (-1 before, n after)."""
    if z < zed[0]:
        return -1
    n = zed.size - 1
    if z >= zed[n]:
        return n
    return int(np.searchsorted(zed, z, side="right")) - 1


# ----------------------------------------------------------------------------- the engine
@numba.njit(cache=True)
def _track_shower(
    s: int,
    pid0: int,
    e0: float,
    pos0: np.ndarray,
    dir0: np.ndarray,
    seed0: np.uint64,
    aux_seed: np.uint64,
    zed: np.ndarray,
    smat: np.ndarray,
    sact: np.ndarray,
    sreg: np.ndarray,
    shw: np.ndarray,
    scell: np.ndarray,
    sncell: np.ndarray,
    stgt: np.ndarray,
    mat: np.ndarray,
    floor: float,
    floor_action: int,
    local_cut: float,
    kc: float,
    tcut: float,
    world_hw: float,
    # tally (size-0 arrays to disable)
    t_logemin: float,
    t_dloge: float,
    tl_charged: np.ndarray,
    tl_photon: np.ndarray,
    tl_depth: np.ndarray,
    tl_resid: np.ndarray,
    inv_s: np.ndarray,
    # yields
    ytab: np.ndarray,
    y_logemin: float,
    y_dloge: float,
    y_emin: float,
    yields: np.ndarray,
    # forcing: kind 0 none, 1 A′ from charged, 2 μμ from photons
    f_kind: int,
    f_tab: np.ndarray,
    f_xinv: np.ndarray,
    f_logemin: float,
    f_dloge: float,
    f_emin: float,
    f_xa: float,
    f_xb: float,
    f_pass: int,
    chosen: np.ndarray,
    # outputs
    visible: np.ndarray,
    absorbed: np.ndarray,
    escaped: np.ndarray,
    aprime: np.ndarray,
    ho: np.ndarray,
    ho_n: np.ndarray,
    mu: np.ndarray,
    mu_n: np.ndarray,
    slab_dep: np.ndarray,
    # stack workspace
    st_pid: np.ndarray,
    st_e: np.ndarray,
    st_r: np.ndarray,
    st_id: np.ndarray,
    st_rng: np.ndarray,
) -> int:
    """Track one shower. ``f_pass`` 1: record the forced-emission candidate (reservoir sampling
    ∝ n σ Δs, total in ``chosen[2]``); 2: force it at the step recorded in ``chosen``.
    Returns 0, or 1 on stack overflow."""
    ns = smat.size
    nte = tl_charged.shape[1] if tl_charged.size > 0 else 0
    nch = ytab.shape[0]
    rng = np.empty(1, np.uint64)
    aux = np.empty(1, np.uint64)
    aux[0] = aux_seed
    sp = 0
    st_pid[0] = pid0
    st_e[0] = e0
    st_r[0, 0], st_r[0, 1], st_r[0, 2] = pos0[0], pos0[1], pos0[2]
    st_r[0, 3], st_r[0, 4], st_r[0, 5] = dir0[0], dir0[1], dir0[2]
    st_id[0] = seed0
    st_rng[0] = seed0
    sp = 1
    cum_p = 0.0
    while sp > 0:
        sp -= 1
        pid = st_pid[sp]
        en = st_e[sp]  # γ: energy; e±: kinetic energy
        x, y, z = st_r[sp, 0], st_r[sp, 1], st_r[sp, 2]
        ux, uy, uz = st_r[sp, 3], st_r[sp, 4], st_r[sp, 5]
        pid_id = st_id[sp]
        rng[0] = st_rng[sp]
        charged = pid != PID_G
        positron = pid == PID_EP
        slab = _find_slab(z, zed)
        if slab >= 0 and slab < ns and uz < 0 and z == zed[slab] and slab > 0:
            slab -= 1
        nstep = 0
        alive = True
        while alive:
            avail = en + 2.0 * _ME if positron else en
            etot = en + _ME if charged else en
            # ---- out of the world
            if slab < 0 or slab >= ns or abs(x) > world_hw or abs(y) > world_hw:
                escaped[s] += avail
                break
            # ---- below the tracking floor
            if etot < floor or (charged and en <= 0.0):
                if floor_action == _FLOOR_HANDOFF and avail >= local_cut:
                    k = ho_n[0]
                    if k < ho.shape[0]:
                        ho[k, 0] = s
                        ho[k, 1] = pid
                        ho[k, 2] = avail
                        ho[k, 3], ho[k, 4], ho[k, 5] = x, y, z
                        ho[k, 6], ho[k, 7], ho[k, 8] = ux, uy, uz
                    ho_n[0] = k + 1
                else:
                    reg = sreg[slab]
                    hw = shw[slab]
                    inside = abs(x) < hw and abs(y) < hw
                    c = _cell(x, y, reg, scell[slab], sncell[slab]) if inside else -1
                    if c >= 0:
                        absorbed[s, c] += avail
                        slab_dep[slab] += avail
                        if sact[slab] and floor_action != _FLOOR_ABSORB:
                            visible[s, c] += avail
                        if nte > 0:
                            tl_resid[smat[slab]] += avail * inv_s[smat[slab]]
                    else:
                        # stopped in vacuum (cannot happen for charged) or yield mode bookkeeping
                        escaped[s] += avail
                break
            hw = shw[slab]
            inside = abs(x) < hw and abs(y) < hw
            mi = smat[slab] if inside else 0
            # ---- geometric distance
            if uz > 0:
                s_geo = (zed[slab + 1] - z) / uz
            elif uz < 0:
                s_geo = (zed[slab] - z) / uz
            else:
                s_geo = 1e30
            s_side = 1e30
            if inside and mi > 0:
                if ux > 0:
                    s_side = min(s_side, (hw - x) / ux)
                elif ux < 0:
                    s_side = min(s_side, (-hw - x) / ux)
                if uy > 0:
                    s_side = min(s_side, (hw - y) / uy)
                elif uy < 0:
                    s_side = min(s_side, (-hw - y) / uy)
            if mi == 0:
                # vacuum: straight to the next z boundary
                if s_geo >= 1e29:
                    escaped[s] += avail
                    break
                x += ux * s_geo
                y += uy * s_geo
                nstep += 1
                if uz > 0:
                    slab += 1
                    z = zed[slab] if slab < ns else zed[ns]
                else:
                    z = zed[slab]
                    slab -= 1
                continue
            mrow = mat[mi]
            b1, b2 = mrow[0], mrow[1]
            x0cm = mrow[4]
            s_lim = min(s_geo, s_side + 1e-7)
            if charged:
                sig_b = _brems_sigma(etot, kc, b1, b2)
                sig_d = _moller_bhabha_sigma(en, tcut, positron, mrow[3]) if en > tcut else 0.0
                sig_a = _annih_sigma(en, mrow[3]) if positron else 0.0
                sig = sig_b + sig_d + sig_a
                loss = _dedx(en, tcut, positron, mrow) + _brems_soft_loss(etot, kc, b1, b2)
                s_int = -math.log(_uni(rng)) / sig if sig > 0 else 1e30
                s_el = max(0.2 * en, 0.5 * kc) / loss if loss > 0 else 1e30  # mode-independent (replay)
                step = min(s_int, s_lim, s_el)
                de = min(loss * step, en)
                # deposit (at mid-step)
                xm = x + 0.5 * step * ux
                ym = y + 0.5 * step * uy
                c = _cell(xm, ym, sreg[slab], scell[slab], sncell[slab])
                if c >= 0:
                    absorbed[s, c] += de
                    slab_dep[slab] += de
                    if sact[slab]:
                        visible[s, c] += de
                else:
                    escaped[s] += de
                # tallies (pre-step total energy)
                if nte > 0:
                    ib = int((math.log(etot) - t_logemin) / t_dloge)
                    if ib >= 0 and ib < nte:
                        tl_charged[mi, ib] += step
                        tl_depth[slab, ib] += step
                if stgt[slab]:
                    if nch > 0 and etot >= y_emin:
                        na = mrow[13]
                        for ch in range(nch):
                            yields[s, ch] += na * _interp_log(ytab[ch], y_logemin, y_dloge, etot) * step
                    if f_kind == 1 and etot >= f_emin:
                        p = mrow[13] * _interp_log(f_tab, f_logemin, f_dloge, etot) * step
                        if f_pass == 1 and p > 0:
                            cum_p += p
                            if _uni(aux) * cum_p < p:
                                chosen[0] = float(pid_id)
                                chosen[1] = nstep
                        elif f_pass == 2 and p > 0 and chosen[0] == float(pid_id) and chosen[1] == nstep:
                            # forced A′ emission at the end of this step
                            x += ux * step
                            y += uy * step
                            z += uz * step
                            en -= de
                            va = _sample_x(f_xinv, f_logemin, f_dloge, etot, _uni(aux))
                            xa = f_xa / etot + va * (1.0 - (f_xa + f_xb) / etot)
                            ea = min(xa * etot, en)
                            aprime[s] += ea
                            en -= ea
                            if en < 0.0:
                                en = 0.0
                            if sp < st_pid.size:
                                st_pid[sp] = pid
                                st_e[sp] = en
                                st_r[sp, 0], st_r[sp, 1], st_r[sp, 2] = x, y, z
                                st_r[sp, 3], st_r[sp, 4], st_r[sp, 5] = ux, uy, uz
                                nid = _next64(aux)
                                st_id[sp] = nid
                                st_rng[sp] = nid
                                sp += 1
                            else:
                                return 1
                            alive = False
                            break
                x += ux * step
                y += uy * step
                z += uz * step
                en -= de
                nstep += 1
                # multiple scattering (Highland, PDG Eq. 34.15), projected angles
                if en > 0.0:
                    et = en + _ME
                    p2 = en * (en + 2.0 * _ME)
                    pb = p2 / et  # p β
                    t = step / x0cm
                    if t > 0:
                        th0 = (
                            0.0136 / pb * math.sqrt(t) * (1.0 + 0.038 * math.log(max(t * et * et / p2, 1e-3)))
                        )
                        thx = th0 * _gauss(rng)
                        thy = th0 * _gauss(rng)
                        th = math.sqrt(thx * thx + thy * thy)
                        if th > 0:
                            ux, uy, uz = _rotate(ux, uy, uz, math.cos(min(th, math.pi)), math.atan2(thy, thx))
                if step == s_int and en > 0.0:
                    etot = en + _ME
                    r = _uni(rng) * sig
                    if r < sig_b:
                        # bremsstrahlung: y log-uniform, accept Tsai shape, then LPM/dielectric thinning
                        yc = kc / etot
                        if yc < 1.0:
                            hmax = b1 * 4.0 / 3.0 + b2
                            while True:
                                yy = yc ** (1.0 - _uni(rng))
                                h = b1 * (4.0 / 3.0 * (1.0 - yy) + yy * yy) + b2 * (1.0 - yy)
                                if _uni(rng) * hmax <= h:
                                    break
                            kk = yy * etot
                            klpm = etot * etot / mrow[5]
                            kp = etot / _ME * mrow[6]
                            supp = math.sqrt(kk / (kk + klpm)) * kk * kk / (kk * kk + kp * kp)
                            ok = _uni(rng) < supp
                            cseed = _next64(rng)
                            th = _tsai_angle(rng, _ME, etot)
                            phi = 2.0 * math.pi * _uni(rng)
                            if ok and kk < en:
                                en -= kk
                                if kk >= floor or floor_action != _FLOOR_ABSORB:
                                    if sp >= st_pid.size:
                                        return 1
                                    gx, gy, gz = _rotate(ux, uy, uz, math.cos(th), phi)
                                    st_pid[sp] = PID_G
                                    st_e[sp] = kk
                                    st_r[sp, 0], st_r[sp, 1], st_r[sp, 2] = x, y, z
                                    st_r[sp, 3], st_r[sp, 4], st_r[sp, 5] = gx, gy, gz
                                    st_id[sp] = cseed
                                    st_rng[sp] = cseed
                                    sp += 1
                                else:
                                    c = _cell(x, y, sreg[slab], scell[slab], sncell[slab])
                                    if c >= 0:
                                        absorbed[s, c] += kk
                                        slab_dep[slab] += kk
                                    else:
                                        escaped[s] += kk
                    elif r < sig_b + sig_d:
                        # Møller / Bhabha delta ray
                        tau = en / _ME
                        gam = tau + 1.0
                        g2 = gam * gam
                        beta2 = tau * (tau + 2.0) / g2
                        xmin = tcut / en
                        if not positron:
                            xmax = 0.5
                            gg = (2.0 * gam - 1.0) / g2
                            yv = 1.0 - xmax
                            grej = 1.0 - gg * xmax + xmax * xmax * (1.0 - gg + (1.0 - gg * yv) / (yv * yv))
                            while True:
                                q = _uni(rng)
                                xe = xmin * xmax / (xmin * (1.0 - q) + xmax * q)
                                yv = 1.0 - xe
                                zz = 1.0 - gg * xe + xe * xe * (1.0 - gg + (1.0 - gg * yv) / (yv * yv))
                                if grej * _uni(rng) <= zz:
                                    break
                        else:
                            xmax = 1.0
                            yb = 1.0 / (1.0 + gam)
                            y2 = yb * yb
                            y12 = 1.0 - 2.0 * yb
                            bb1 = 2.0 - y2
                            bb2 = y12 * (3.0 + y2)
                            y122 = y12 * y12
                            bb4 = y122 * y12
                            bb3 = bb4 + y122
                            grej = 1.0 + beta2 * (bb2 + bb4)
                            while True:
                                q = _uni(rng)
                                xe = xmin * xmax / (xmin * (1.0 - q) + xmax * q)
                                zz = 1.0 - beta2 * xe * (bb1 - xe * (bb2 - xe * (bb3 - xe * bb4)))
                                if grej * _uni(rng) <= zz:
                                    break
                        td = xe * en
                        cseed = _next64(rng)
                        phi = 2.0 * math.pi * _uni(rng)
                        cost = math.sqrt(td * (en + 2.0 * _ME) / (en * (td + 2.0 * _ME)))
                        dx, dy, dz = _rotate(ux, uy, uz, min(cost, 1.0), phi)
                        p0 = math.sqrt(en * (en + 2.0 * _ME))
                        pd = math.sqrt(td * (td + 2.0 * _ME))
                        en -= td
                        nx, ny, nz = p0 * ux - pd * dx, p0 * uy - pd * dy, p0 * uz - pd * dz
                        nn = math.sqrt(nx * nx + ny * ny + nz * nz)
                        if nn > 0:
                            ux, uy, uz = nx / nn, ny / nn, nz / nn
                        if td + _ME >= floor or floor_action != _FLOOR_ABSORB:
                            if sp >= st_pid.size:
                                return 1
                            st_pid[sp] = PID_EM
                            st_e[sp] = td
                            st_r[sp, 0], st_r[sp, 1], st_r[sp, 2] = x, y, z
                            st_r[sp, 3], st_r[sp, 4], st_r[sp, 5] = dx, dy, dz
                            st_id[sp] = cseed
                            st_rng[sp] = cseed
                            sp += 1
                        else:
                            c = _cell(x, y, sreg[slab], scell[slab], sncell[slab])
                            if c >= 0:
                                absorbed[s, c] += td
                                slab_dep[slab] += td
                            else:
                                escaped[s] += td
                    else:
                        # annihilation in flight (Heitler; Geant4 G4eeToTwoGammaModel sampling)
                        tau = en / _ME
                        gam = tau + 1.0
                        tau2 = tau + 2.0
                        sqgrate = math.sqrt(tau / tau2) * 0.5
                        sqg2m1 = math.sqrt(tau * tau2)
                        emin_ = 0.5 - sqgrate
                        emax_ = 0.5 + sqgrate
                        while True:
                            eps = emin_ * (emax_ / emin_) ** _uni(rng)
                            grej = 1.0 - eps + (2.0 * gam * eps - 1.0) / (eps * tau2 * tau2)
                            if _uni(rng) < grej:
                                break
                        tot = en + 2.0 * _ME
                        k1 = eps * tot
                        k2 = tot - k1
                        cost = min(max((eps * tau2 - 1.0) / (eps * sqg2m1), -1.0), 1.0)
                        phi = 2.0 * math.pi * _uni(rng)
                        g1x, g1y, g1z = _rotate(ux, uy, uz, cost, phi)
                        p0 = math.sqrt(en * (en + 2.0 * _ME))
                        nx, ny, nz = p0 * ux - k1 * g1x, p0 * uy - k1 * g1y, p0 * uz - k1 * g1z
                        nn = math.sqrt(nx * nx + ny * ny + nz * nz)
                        if nn > 0:
                            nx, ny, nz = nx / nn, ny / nn, nz / nn
                        else:
                            nx, ny, nz = -g1x, -g1y, -g1z
                        for kk, gx, gy, gz in ((k1, g1x, g1y, g1z), (k2, nx, ny, nz)):
                            cseed = _next64(rng)
                            if kk >= floor or floor_action != _FLOOR_ABSORB:
                                if sp >= st_pid.size:
                                    return 1
                                st_pid[sp] = PID_G
                                st_e[sp] = kk
                                st_r[sp, 0], st_r[sp, 1], st_r[sp, 2] = x, y, z
                                st_r[sp, 3], st_r[sp, 4], st_r[sp, 5] = gx, gy, gz
                                st_id[sp] = cseed
                                st_rng[sp] = cseed
                                sp += 1
                            else:
                                c = _cell(x, y, sreg[slab], scell[slab], sncell[slab])
                                if c >= 0:
                                    absorbed[s, c] += kk
                                    slab_dep[slab] += kk
                                else:
                                    escaped[s] += kk
                        alive = False
                        break
                if step == s_lim:
                    if s_geo <= s_side:
                        if uz > 0:
                            slab += 1
                            z = zed[slab] if slab < ns else zed[ns]
                        else:
                            z = zed[slab]
                            slab -= 1
                continue
            # ------------------------------------------------------------ photon
            sig_p = _pair_sigma(en, b1, b2, mrow[2])
            sig_c = _kn_sigma(en, mrow[3])
            sig = sig_p + sig_c
            s_int = -math.log(_uni(rng)) / sig if sig > 0 else 1e30
            step = min(s_int, s_lim)
            if nte > 0:
                ib = int((math.log(en) - t_logemin) / t_dloge)
                if ib >= 0 and ib < nte:
                    tl_photon[mi, ib] += step
            if f_kind == 2 and stgt[slab] and en >= f_emin:
                p = mrow[13] * _interp_log(f_tab, f_logemin, f_dloge, en) * step
                if f_pass == 1 and p > 0:
                    cum_p += p
                    if _uni(aux) * cum_p < p:
                        chosen[0] = float(pid_id)
                        chosen[1] = nstep
                elif f_pass == 2 and p > 0 and chosen[0] == float(pid_id) and chosen[1] == nstep:
                    x += ux * step
                    y += uy * step
                    z += uz * step
                    vm = _sample_x(f_xinv, f_logemin, f_dloge, en, _uni(aux))
                    xm_ = f_xa / en + vm * (1.0 - (f_xa + f_xb) / en)
                    km = mu_n[0]
                    for q, ee in ((1.0, xm_ * en), (-1.0, (1.0 - xm_) * en)):
                        if km < mu.shape[0]:
                            mu[km, 0] = s
                            mu[km, 1] = q
                            mu[km, 2] = ee
                            mu[km, 3], mu[km, 4], mu[km, 5] = x, y, z
                            mu[km, 6], mu[km, 7], mu[km, 8] = ux, uy, uz
                        km += 1
                    mu_n[0] = km
                    break
            x += ux * step
            y += uy * step
            z += uz * step
            nstep += 1
            if step == s_int:
                if _uni(rng) * sig < sig_p:
                    # pair: x uniform, accept Tsai shape (Eq. 3.84); LPM thinning of Klein Eq. 17
                    xl = _ME / en
                    while True:
                        xx = xl + (1.0 - 2.0 * xl) * _uni(rng)
                        g = 1.0 - 4.0 / 3.0 * xx * (1.0 - xx) - b2 / b1 * xx * (1.0 - xx)
                        if _uni(rng) <= g:
                            break
                    elpm = mrow[5]
                    if _uni(rng) > math.sqrt(elpm / (elpm + en * xx * (1.0 - xx))):
                        continue  # LPM-suppressed: no interaction (thinning)
                    e1 = xx * en
                    e2 = en - e1
                    phi = 2.0 * math.pi * _uni(rng)
                    for q, ee, ph in ((PID_EM, e1, phi), (PID_EP, e2, phi + math.pi)):
                        cseed = _next64(rng)
                        th = _tsai_angle(rng, _ME, ee)
                        tk = ee - _ME
                        av = tk + 2.0 * _ME if q == PID_EP else tk
                        if ee >= floor or floor_action != _FLOOR_ABSORB:
                            if sp >= st_pid.size:
                                return 1
                            gx, gy, gz = _rotate(ux, uy, uz, math.cos(th), ph)
                            st_pid[sp] = q
                            st_e[sp] = tk
                            st_r[sp, 0], st_r[sp, 1], st_r[sp, 2] = x, y, z
                            st_r[sp, 3], st_r[sp, 4], st_r[sp, 5] = gx, gy, gz
                            st_id[sp] = cseed
                            st_rng[sp] = cseed
                            sp += 1
                        else:
                            c = _cell(x, y, sreg[slab], scell[slab], sncell[slab])
                            if c >= 0:
                                absorbed[s, c] += av
                                slab_dep[slab] += av
                            else:
                                escaped[s] += av
                    break
                # Compton (Geant4 G4KleinNishinaCompton sampling)
                e0m = en / _ME
                eps0 = 1.0 / (1.0 + 2.0 * e0m)
                eps0sq = eps0 * eps0
                alpha1 = -math.log(eps0)
                alpha2 = alpha1 + 0.5 * (1.0 - eps0sq)
                while True:
                    if alpha1 > alpha2 * _uni(rng):
                        eps = math.exp(-alpha1 * _uni(rng))
                        epssq = eps * eps
                    else:
                        epssq = eps0sq + (1.0 - eps0sq) * _uni(rng)
                        eps = math.sqrt(epssq)
                    onecost = (1.0 - eps) / (eps * e0m)
                    sint2 = onecost * (2.0 - onecost)
                    if 1.0 - eps * sint2 / (1.0 + epssq) >= _uni(rng):
                        break
                phi = 2.0 * math.pi * _uni(rng)
                k1 = eps * en
                nx, ny, nz = _rotate(ux, uy, uz, 1.0 - onecost, phi)
                te = en - k1
                cseed = _next64(rng)
                px, py, pz = en * ux - k1 * nx, en * uy - k1 * ny, en * uz - k1 * nz
                pn = math.sqrt(px * px + py * py + pz * pz)
                if te + _ME >= floor or floor_action != _FLOOR_ABSORB:
                    if sp >= st_pid.size:
                        return 1
                    st_pid[sp] = PID_EM
                    st_e[sp] = te
                    st_r[sp, 0], st_r[sp, 1], st_r[sp, 2] = x, y, z
                    if pn > 0:
                        st_r[sp, 3], st_r[sp, 4], st_r[sp, 5] = px / pn, py / pn, pz / pn
                    else:
                        st_r[sp, 3], st_r[sp, 4], st_r[sp, 5] = ux, uy, uz
                    st_id[sp] = cseed
                    st_rng[sp] = cseed
                    sp += 1
                else:
                    c = _cell(x, y, sreg[slab], scell[slab], sncell[slab])
                    if c >= 0:
                        absorbed[s, c] += te
                        slab_dep[slab] += te
                    else:
                        escaped[s] += te
                en = k1
                ux, uy, uz = nx, ny, nz
            else:
                if s_geo <= s_side:
                    if uz > 0:
                        slab += 1
                        z = zed[slab] if slab < ns else zed[ns]
                    else:
                        z = zed[slab]
                        slab -= 1
    if f_pass == 1:
        chosen[2] = cum_p
    return 0


@numba.njit(cache=True)
def _run_showers(
    pid: np.ndarray,
    energy: np.ndarray,
    pos: np.ndarray,
    dirs: np.ndarray,
    seeds: np.ndarray,
    aux_seeds: np.ndarray,
    zed: np.ndarray,
    smat: np.ndarray,
    sact: np.ndarray,
    sreg: np.ndarray,
    shw: np.ndarray,
    scell: np.ndarray,
    sncell: np.ndarray,
    stgt: np.ndarray,
    mat: np.ndarray,
    floor: float,
    floor_action: int,
    local_cut: float,
    kc: float,
    tcut: float,
    world_hw: float,
    t_logemin: float,
    t_dloge: float,
    tl_charged: np.ndarray,
    tl_photon: np.ndarray,
    tl_depth: np.ndarray,
    tl_resid: np.ndarray,
    inv_s: np.ndarray,
    ytab: np.ndarray,
    y_logemin: float,
    y_dloge: float,
    y_emin: float,
    yields: np.ndarray,
    f_kind: int,
    f_tab: np.ndarray,
    f_xinv: np.ndarray,
    f_logemin: float,
    f_dloge: float,
    f_emin: float,
    f_xa: float,
    f_xb: float,
    weight: np.ndarray,
    visible: np.ndarray,
    absorbed: np.ndarray,
    escaped: np.ndarray,
    aprime: np.ndarray,
    ho: np.ndarray,
    ho_n: np.ndarray,
    mu: np.ndarray,
    mu_n: np.ndarray,
    slab_dep: np.ndarray,
) -> int:
    """Track all showers; returns the number of stack overflows (0 normally)."""
    n = pid.size
    st_pid = np.empty(_STACK, np.int64)
    st_e = np.empty(_STACK)
    st_r = np.empty((_STACK, 6))
    st_id = np.empty(_STACK, np.uint64)
    st_rng = np.empty(_STACK, np.uint64)
    chosen = np.zeros(3)
    nbad = 0
    dummy2 = np.zeros((0, 0))
    dummy1 = np.zeros((0, 0))
    dv = np.zeros((1, visible.shape[1]))
    de = np.zeros(1)
    dy = np.zeros((1, 0))
    z9 = np.zeros((0, 9))
    z1 = np.zeros(1, np.int64)
    dsd = np.zeros(zed.size - 1)
    for s in range(n):
        pid0 = pid[s]
        ekin = energy[s] - _ME if pid0 != PID_G else energy[s]
        if f_kind > 0:
            # pass 1: only particles that can matter above the forcing threshold
            chosen[0] = -1.0
            chosen[1] = -1.0
            chosen[2] = 0.0
            dv[:] = 0.0
            de[:] = 0.0
            _track_shower(
                0, pid0, ekin, pos[s], dirs[s], seeds[s], aux_seeds[s], zed, smat, sact, sreg, shw, scell, sncell,
                stgt, mat, f_emin, _FLOOR_ABSORB, 0.0, kc, tcut, world_hw, 0.0, 1.0, dummy2, dummy2, dummy1,
                de, de, dummy2, 0.0, 1.0, 0.0, dy, f_kind, f_tab, f_xinv, f_logemin, f_dloge, f_emin, f_xa, f_xb, 1,
                chosen,
                dv, dv, de, de, z9, z1, z9, z1, dsd,
                st_pid, st_e, st_r, st_id, st_rng,
            )  # fmt: skip
            weight[s] = chosen[2]
            fpass = 2 if chosen[2] > 0 else 0
        else:
            weight[s] = 1.0
            fpass = 0
        fk2 = f_kind if fpass == 2 else 0
        nbad += _track_shower(
            s, pid0, ekin, pos[s], dirs[s], seeds[s], aux_seeds[s], zed, smat, sact, sreg, shw, scell, sncell,
            stgt, mat, floor, floor_action, local_cut, kc, tcut, world_hw, t_logemin, t_dloge, tl_charged,
            tl_photon, tl_depth, tl_resid, inv_s, ytab, y_logemin, y_dloge, y_emin, yields, fk2, f_tab,
            f_xinv, f_logemin, f_dloge, f_emin, f_xa, f_xb, fpass, chosen, visible, absorbed, escaped, aprime, ho, ho_n, mu,
            mu_n, slab_dep, st_pid, st_e, st_r, st_id, st_rng,
        )  # fmt: skip
    return nbad


# ----------------------------------------------------------------------------- Python interface
@dataclass
class Primaries:
    """Primary particles: pid (11 e⁻, −11 e⁺, 22 γ), total energy [GeV], position [cm], direction."""

    pid: np.ndarray
    energy: np.ndarray
    x: np.ndarray
    y: np.ndarray
    z: np.ndarray
    ux: np.ndarray
    uy: np.ndarray
    uz: np.ndarray

    @classmethod
    def beam(cls, n: int, energy: float, pid: int = PID_EM, *, x: float = 0.0, y: float = 0.0) -> Primaries:
        """``n`` identical particles of total ``energy`` [GeV] along +z at (x, y, 0)."""
        if pid not in (PID_EM, PID_EP, PID_G):
            raise UserInputError("particle", pid, "11 (e-), -11 (e+) or 22 (gamma)")
        if not energy > (M_E if pid != PID_G else 0.0):
            raise UserInputError("energy", energy, "a positive total energy above the particle mass [GeV]")
        return cls(
            pid=np.full(n, pid, np.int64),
            energy=np.full(n, float(energy)),
            x=np.full(n, x),
            y=np.full(n, y),
            z=np.zeros(n),
            ux=np.zeros(n),
            uy=np.zeros(n),
            uz=np.ones(n),
        )

    def __len__(self) -> int:
        return int(self.pid.size)

    def available_energy(self) -> np.ndarray:
        """Energy the shower can deposit [GeV]: γ E, e⁻ E − m_e, e⁺ E + m_e."""
        return np.where(
            self.pid == PID_G, self.energy, np.where(self.pid == PID_EP, self.energy + M_E, self.energy - M_E)
        )


@dataclass
class CascadeOutput:
    """Result of :func:`run_cascade` for n showers (GeV, cm).

    visible/absorbed (n, N_CELLS): energy in active / all material per readout cell by explicitly
    tracked particles; handoff: particles below the split energy (fast mode; ``energy`` is the
    available energy); escaped (n,); aprime_energy (n,); weight (n,); muons (forced γ → μμ; energy
    = total energy); tally; yields (n, n_ch) per-shower Σ n σ Δs for the ``SigmaTable`` channels;
    slab_deposit (n_slabs,): energy deposited in each slab summed over showers (longitudinal profile).
    """

    visible: np.ndarray
    absorbed: np.ndarray
    handoff: dict[str, np.ndarray]
    escaped: np.ndarray
    aprime_energy: np.ndarray
    weight: np.ndarray
    muons: dict[str, np.ndarray]
    tally: TrackLengthTally | None
    yields: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    slab_deposit: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def energy_sum(self) -> np.ndarray:
        """Σ absorbed + escaped + A′ + handoff + muons per shower [GeV] (= primary available energy)."""
        n = self.escaped.size
        tot = self.absorbed.sum(axis=1) + self.escaped + self.aprime_energy
        tot = tot + np.bincount(self.handoff["event"], weights=self.handoff["energy"], minlength=n)
        tot = tot + np.bincount(self.muons["event"], weights=self.muons["energy"], minlength=n)
        return tot


def _inverse_stopping(g: Geometry, t: float) -> np.ndarray:
    """1 / unrestricted e⁻ collision stopping power at kinetic energy t, per material [cm/GeV]
    (CSDA estimate of the track length of energy deposited below the cut)."""
    out = np.zeros(len(g.materials))
    for i in range(1, len(g.materials)):
        sp = _dedx(t, t, False, g.mat_table[i])
        out[i] = 1.0 / sp if sp > 0 else 0.0
    return out


def shower_seeds(seed: Any, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-shower (particle, auxiliary) uint64 seeds from ``seed`` (int or ``SeedSequence``).

    ``SeedSequence(seed).generate_state(2n, uint64)``: shower i gets words 2i and 2i+1, so shower i's
    stream depends only on (seed, i) within a chunk.
    """
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    words = ss.generate_state(2 * n, dtype=np.uint64) if n > 0 else np.zeros(0, np.uint64)
    return words[0::2].copy(), words[1::2].copy()


_FIELDS9 = ("event", "pid", "energy", "x", "y", "z", "ux", "uy", "uz")
_MU9 = ("event", "charge", "energy", "x", "y", "z", "ux", "uy", "uz")


def _as_dict(arr: np.ndarray, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    out = {nm: arr[:, i].copy() for i, nm in enumerate(names)}
    out[names[0]] = out[names[0]].astype(np.int64)
    out[names[1]] = out[names[1]].astype(np.int64)
    return out


def run_cascade(
    primaries: Primaries,
    geometry: Geometry,
    *,
    mode: str = "detailed",
    seed: Any = 0,
    ecut: float | None = None,
    split_energy: float = 1.0,
    kc: float | None = None,
    force: tuple[Any, ...] | None = None,
    tally_edges: np.ndarray | None = None,
    yield_table: SigmaTable | None = None,
    yield_emin: float | None = None,
    force_table: SigmaTable | None = None,
) -> CascadeOutput:
    """Run the explicit cascade for ``primaries`` through ``geometry`` (GeV, cm).

    mode: ``detailed`` (track e±/γ down to ``ecut`` total energy, deposit the rest locally),
    ``fast`` (track above ``split_energy``; particles below it with available energy ≥ ``ecut`` are
    returned in ``handoff``, softer ones deposited locally), ``yield`` (track only particles above
    ``yield_emin`` — or the forcing/yield threshold — everything else counts as absorbed where made).
    ``kc``: bremsstrahlung photon and delta-ray production cut (default ``ecut``); it must be the
    same in any two runs that should replay the same histories. Defaults (the preset ``[shower]``
    values of na64-2016): ecut = 1 MeV in detailed mode, 10 MeV in fast and yield modes.
    force: ``("aprime", mass, threshold_gev, xsec_kind)`` or ``("dimuon", ecal_max_hint)``: one
    emission per shower at a step chosen ∝ n σ Δs in the target (dimuon: photons above
    0.9 (E0 − ecal_max)); ``weight`` = Σ n σ Δs of the
    shower (the expected number of emissions at ε = 1). ``force_table`` overrides the tables built
    from the physics modules. ``yield_table`` adds per-shower Σ n σ(E) Δs in ``yields``.
    """
    n = len(primaries)
    if mode not in ("detailed", "fast", "yield"):
        raise UserInputError("mode", mode, "detailed, fast or yield")
    if ecut is None:
        ecut = DEFAULT_ECUT[mode]
    if not ecut > 0:
        raise UserInputError("ecut", ecut, "a positive energy [GeV]")
    kc_ = float(kc if kc is not None else ecut)
    f_kind = 0
    ftab = force_table
    if force is not None:
        kind = force[0]
        if kind == "aprime":
            f_kind = 1
            if ftab is None:
                ftab = aprime_force_table(
                    float(force[1]),
                    float(force[2]),
                    float(primaries.energy.max()),
                    geometry.target,
                    str(force[3]),
                )
        elif kind == "dimuon":
            f_kind = 2
            if ftab is None:
                # a pair must carry ≳ E0 − ecal_max for E_ECAL < ecal_max; 10% margin for leakage
                emin = max(4.0 * M_MU, 0.9 * (float(primaries.energy.max()) - float(force[1])))
                ftab = dimuon_force_table(emin, float(primaries.energy.max()), geometry.target)
        else:
            raise UserInputError(
                "force", force, "None, ('aprime', mass, threshold, kind) or ('dimuon', ecal_max)"
            )
        if mode == "fast" and ftab is not None and ftab.emin < split_energy:
            raise UserInputError(
                "force threshold", ftab.emin, f">= the split energy {split_energy} GeV in fast mode"
            )
    if mode == "detailed":
        floor, action = ecut, _FLOOR_DEPOSIT
    elif mode == "fast":
        floor, action = float(split_energy), _FLOOR_HANDOFF
    else:
        if yield_emin is None:
            cands = [t.emin for t in (yield_table, ftab) if t is not None]
            yield_emin = min(cands) if cands else ecut
        floor, action = float(yield_emin), _FLOOR_ABSORB
    seeds, aux = shower_seeds(seed, n)
    pos = np.ascontiguousarray(np.stack([primaries.x, primaries.y, primaries.z], axis=1), dtype=float)
    dirs = np.stack([primaries.ux, primaries.uy, primaries.uz], axis=1).astype(float)
    dirs /= np.linalg.norm(dirs, axis=1)[:, None]
    g = geometry
    nm = len(g.materials)
    if tally_edges is not None:
        te = np.asarray(tally_edges, dtype=float)
        if te.ndim != 1 or te.size < 2 or np.any(np.diff(np.log(te)) <= 0) or te[0] <= 0:
            raise UserInputError("tally_edges", tally_edges, "increasing positive log-spaced energies")
        dl = float(np.log(te[-1] / te[0]) / (te.size - 1))
        t_logemin = float(np.log(te[0]))
        nb = te.size - 1
        tl_c, tl_p, tl_d = np.zeros((nm, nb)), np.zeros((nm, nb)), np.zeros((g.n_slabs, nb))
        tl_r = np.zeros(nm)
    else:
        te = None
        dl, t_logemin = 1.0, 0.0
        tl_c = tl_p = np.zeros((0, 0))
        tl_d = np.zeros((0, 0))
        tl_r = np.zeros(nm)
    inv_s = _inverse_stopping(g, max(floor - M_E, 1e-5)) if mode == "detailed" else np.zeros(nm)
    if yield_table is not None:
        ytab = np.ascontiguousarray(yield_table.sigma, dtype=float)
        y_log, y_dl, y_emin = yield_table.logemin, yield_table.dloge, yield_table.emin
    else:
        ytab = np.zeros((0, 2))
        y_log, y_dl, y_emin = 0.0, 1.0, 0.0
    yields = np.zeros((n, ytab.shape[0]))
    if ftab is not None:
        f_sig = np.ascontiguousarray(ftab.sigma[0], dtype=float)
        f_xinv = np.ascontiguousarray(ftab.xinv, dtype=float)
        f_log, f_dl, f_emin = ftab.logemin, ftab.dloge, ftab.emin
        f_xa, f_xb = float(ftab.x_a), float(ftab.x_b)
    else:
        f_sig, f_xinv, f_log, f_dl, f_emin = np.zeros(2), np.zeros((1, 2)), 0.0, 1.0, 0.0
        f_xa = f_xb = 0.0
    cap = max(64, 256 * n) if mode == "fast" else 16
    while True:
        visible = np.zeros((n, N_CELLS))
        absorbed = np.zeros((n, N_CELLS))
        escaped = np.zeros(n)
        aprime = np.zeros(n)
        weight = np.ones(n)
        ho = np.zeros((cap, 9))
        ho_n = np.zeros(1, np.int64)
        mcap = 2 * n + 2 if f_kind == 2 else 2
        mu = np.zeros((mcap, 9))
        mu_n = np.zeros(1, np.int64)
        slab_dep = np.zeros(g.n_slabs)
        yields[:] = 0.0
        for a in (tl_c, tl_p, tl_d):
            a[...] = 0.0
        tl_r[:] = 0.0
        nbad = _run_showers(
            primaries.pid.astype(np.int64), primaries.energy.astype(float), pos, dirs, seeds, aux,
            g.z_edges, g.material_index, g.is_active, g.region, g.half_width, g.cell_cm, g.ncell, g.is_target,
            g.mat_table, floor, action, float(ecut), kc_, kc_, WORLD_HALF_WIDTH_CM, t_logemin, dl, tl_c, tl_p, tl_d,
            tl_r, inv_s,
            ytab, y_log, y_dl, y_emin, yields, f_kind, f_sig, f_xinv, f_log, f_dl, f_emin, f_xa, f_xb, weight,
            visible, absorbed, escaped, aprime, ho, ho_n, mu, mu_n, slab_dep,
        )  # fmt: skip
        if nbad:
            raise RuntimeError("cascade particle stack overflow")
        if ho_n[0] <= cap:
            break
        cap = int(ho_n[0]) + 16
    tally = None
    if te is not None:
        tally = TrackLengthTally(
            edges=te,
            materials=g.materials,
            charged=tl_c,
            photon=tl_p,
            depth_charged=tl_d,
            residual=tl_r,
            z_edges=g.z_edges.copy(),
            n_showers=n,
            energy=float(primaries.energy.mean()) if n else 0.0,
        )
    return CascadeOutput(
        visible=visible,
        absorbed=absorbed,
        handoff=_as_dict(ho[: ho_n[0]], _FIELDS9),
        escaped=escaped,
        aprime_energy=aprime,
        weight=weight if f_kind else np.ones(n),
        muons=_as_dict(mu[: mu_n[0]], _MU9),
        tally=tally,
        yields=yields,
        slab_deposit=slab_dep,
    )
