"""GFlash-style parametrised electromagnetic showers in sampling calorimeters.

Grindhammer & Peters, "The parameterized simulation of electromagnetic showers in homogeneous and
sampling calorimeters", hep-ex/0001020 (G&P below), as implemented in Geant4's
``GFlashSamplingShowerParameterisation`` (the parameter values of its tuning classes):

* longitudinal profile (G&P Eq. 2): (1/E) dE/dt = (βt)^(α−1) β e^(−βt) / Γ(α), t in X0_eff;
  per shower ln T and ln α are drawn from a correlated 2-d Gaussian whose means, widths and
  correlation depend on y = E/E_c,eff and, for sampling calorimeters, on the sampling frequency
  F_S = X0_eff/(d_a + d_p) and ê = e/mip = 1/(1 + 0.007 (Z_p − Z_a)) (G&P Eqs. 8–11, Sec. 3.1);
* lateral profile (G&P Eq. 13): f(r) = p 2rR_C²/(r²+R_C²)² + (1−p) 2rR_T²/(r²+R_T²)², r in
  Molière radii, R_C, R_T, p functions of τ = t/T, E and Z (G&P Eqs. 14–16 and the sampling
  corrections, Sec. 3.2);
* fluctuations: the shower is cut into N_spots energy spots (G&P Sec. 3.3, N ∝ E^0.959), each placed
  at a depth drawn from the shower's own profile and at a radius drawn from f(r).

The kernel returns the *deposited* energy per readout cell (absorber + scintillator of the layer);
:mod:`darkmiss.shower.response` turns it into visible energy with the sampling fraction and the
sampling fluctuations. Units: GeV, cm.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numba
import numpy as np

from darkmiss.config.schema import SetupGeometry
from darkmiss.constants import K_BETHE_GEV_CM2_MOL, M_E, M_MU, MEAN_EXCITATION_GEV, PLASMA_ENERGY_GEV
from darkmiss.physics.materials import SamplingStructure, get_material
from darkmiss.shower.pcg64 import exponential, gamma_mt, normal, uniform

#: Readout cells: 0..35 PS (iy*6+ix), 36..71 ECAL, 72 V2, 73..108 HCAL (module*9 + iy*3+ix).
N_CELLS = 109
PS0, ECAL0, V2CELL, HCAL0 = 0, 36, 72, 73

# τ grid of the tabulated radial parameters (τ = t/T up to 6).
_NTAU = 60
_DTAU = 0.1

# Slab kinds of the longitudinal table.
KIND_ECAL, KIND_V2, KIND_GAP, KIND_HCAL = 0, 1, 2, 3

# GFlash tuning (Geant4 GVFlashHomoShowerTuning / GFlashSamplingShowerTuning = G&P Tables 1–3).
_GF = np.array(
    [
        -0.812, 0.81, 0.458, 2.26,  # 0-3 <ln T_hom> = ln(ln y + t1); <ln a_hom> = ln(a1 + (a2 + a3/Z) ln y)
        -2.5, 1.25, -0.82, 0.79,  # 4-7 sampling: sigma(ln T) = 1/(s1 + s2 ln y); sigma(ln a) = 1/(s3 + s4 ln y)
        0.784, -0.023,  # 8-9 sampling correlation rho = r1 + r2 ln y
        -0.55, -0.69, -0.476,  # 10-12 T_sam = T_hom + t1/F_S + t2 (1 - e^); a_sam = a_hom + a1/F_S
        0.0251, 0.00319, 0.1162, -0.000381,  # 13-16 R_C = z1 + z2 tau, z1 = c1 + c2 ln E, z2 = c3 + c4 Z
        0.659, -0.00309, 0.645, -2.59, 0.3585, 0.0412,  # 17-22 R_T = k1 (e^{k3(tau-k2)} + e^{k4(tau-k2)})
        2.632, -0.00094, 0.401, 0.00187, 1.313, -0.0686,  # 23-28 p = p1 exp((p2-tau)/p3 - exp((p2-tau)/p3))
        -0.0203, 0.0397, -0.14, -0.495, 0.348, -0.642,  # 29-34 sampling corrections of R_C, R_T, p
        10.3, 0.959, 0.11,  # 35-37 N_spots = n1 / sigma_samp * E^n2
    ]
)  # fmt: skip


def bethe_dedx(material: str, energy: float, mass: float, t_cut: float | None = None) -> float:
    """Mean (or restricted, T < t_cut) ionisation loss −dE/dx [GeV/cm] of a singly charged particle.

    PDG 2022 Eq. 34.5 (and its restricted form, Eq. 34.7); density effect in the high-energy limit
    δ/2 = ln(ħω_p/I) + ln βγ − ½ (PDG Eq. 34.6), floored at zero. ``energy`` is the total energy [GeV].
    """
    mat = get_material(material)
    za = sum(w * e.Z / e.A for e, w in mat.elements)
    i_exc = MEAN_EXCITATION_GEV[material]
    hwp = PLASMA_ENERGY_GEV[material]
    gamma = energy / mass
    bg2 = gamma * gamma - 1.0
    b2 = bg2 / (gamma * gamma)
    tmax = 2 * M_E * bg2 / (1 + 2 * gamma * M_E / mass + (M_E / mass) ** 2)
    tup = tmax if t_cut is None else min(t_cut, tmax)
    delta = max(0.0, 2 * math.log(hwp / i_exc) + math.log(bg2) - 1.0)
    bracket = 0.5 * math.log(2 * M_E * bg2 * tup / i_exc**2) - 0.5 * b2 * (1 + tup / tmax) - 0.5 * delta
    return K_BETHE_GEV_CM2_MOL * za / b2 * bracket * mat.density


def mip_dedx(material: str) -> float:
    """Minimum-ionising loss [GeV/cm]: :func:`bethe_dedx` at βγ = 3.5 for a muon (PDG Sec. 34.2.3)."""
    return bethe_dedx(material, M_MU * math.sqrt(1 + 3.5**2), M_MU)


@dataclass(frozen=True)
class EffectiveMedium:
    """GFlash effective quantities of a sampling structure (G&P Sec. 3; Geant4 ``ComputeZAX0EFFetc``).

    x0_cm, rm_cm [cm]; ec_gev [GeV]; z_eff; fs = X0_eff/(d_a+d_p); ehat = e/mip; f_mip: mip
    sampling fraction (visible/deposited for a MIP); f_e = ê·f_mip: electron sampling fraction;
    sampling_term [√GeV]: a·√(d_a[mm]/f_mip) (Livan & Wigmans 2019, Sec. 4.4).
    """

    name: str
    x0_cm: float
    rm_cm: float
    ec_gev: float
    z_eff: float
    fs: float
    ehat: float
    f_mip: float
    f_e: float
    sampling_term: float

    @classmethod
    def from_structure(cls, s: SamplingStructure, sampling_coefficient: float) -> EffectiveMedium:
        """Effective medium of ``s`` (thicknesses in cm)."""
        pa, pb = s.absorber_material, s.active_material
        da, db = s.absorber_cm, s.active_cm
        wa = da * pa.density / (da * pa.density + db * pb.density)
        wb = 1.0 - wa
        rho = (da * pa.density + db * pb.density) / s.period_cm
        x0 = s.effective_x0_cm
        # mixture rules with mass fractions and X0 in g/cm² (PDG 2022 Eqs. 34.28, 34.36)
        ec_over_x0 = wa * pa.ec_gev / pa.x0_gcm2 + wb * pb.ec_gev / pb.x0_gcm2  # GeV/(g/cm²)
        x0_g = x0 * rho
        es = 0.0212  # Molière scale energy E_s [GeV] (PDG Eq. 34.35)
        z_a, z_b = pa.z_eff, pb.z_eff
        mip_a = mip_dedx(s.absorber) * da
        mip_b = mip_dedx(s.active) * db
        f_mip = mip_b / (mip_a + mip_b)
        ehat = 1.0 / (1.0 + 0.007 * (z_a - z_b))
        return cls(
            name=s.name,
            x0_cm=x0,
            rm_cm=es / ec_over_x0 / rho,
            ec_gev=x0_g * ec_over_x0,
            z_eff=wa * z_a + wb * z_b,
            fs=x0 / s.period_cm,
            ehat=ehat,
            f_mip=f_mip,
            f_e=ehat * f_mip,
            sampling_term=sampling_coefficient * math.sqrt(10.0 * db / f_mip),
        )

    def params(self) -> np.ndarray:
        """Array form for the numba kernel: [x0, rm, ec, z, fs, ehat]."""
        return np.array([self.x0_cm, self.rm_cm, self.ec_gev, self.z_eff, self.fs, self.ehat])


@dataclass(frozen=True)
class SlabTable:
    """The calorimeter along z as slabs (normal incidence), for the kernels.

    z0, z1 [cm] from the ECAL face; x0 [X0] of each slab; cum [X0] depth at each slab's front;
    kind (ECAL layer, V2, gap, HCAL layer); layer (ECAL layer or HCAL module); medium (0 ECAL,
    1 HCAL, 2 V2 scintillator) for the Molière radius.
    """

    z0: np.ndarray
    z1: np.ndarray
    x0: np.ndarray
    cum: np.ndarray
    kind: np.ndarray
    layer: np.ndarray
    medium: np.ndarray
    ecal: EffectiveMedium
    hcal: EffectiveMedium
    ps_layers: int
    ecal_half: float
    ecal_cell: float
    hcal_half: float
    hcal_cell: float
    v2_half: float
    v2_rm_cm: float
    ecal_abs_cm: float
    ecal_act_cm: float
    hcal_abs_cm: float
    hcal_act_cm: float
    absorbers: tuple[str, str]

    @property
    def z_end(self) -> float:
        """Back face of the last HCAL module [cm]."""
        return float(self.z1[-1])

    @classmethod
    def from_setup(cls, setup: SetupGeometry, sampling_coefficient: float) -> SlabTable:
        """Build the table: ECAL layers, gap with V2 in its middle, HCAL layers and module gaps."""
        z0: list[float] = []
        z1: list[float] = []
        x0: list[float] = []
        kind: list[int] = []
        layer: list[int] = []
        medium: list[int] = []

        def add(a: float, b: float, t: float, k: int, ly: int, m: int) -> None:
            z0.append(a)
            z1.append(b)
            x0.append(t)
            kind.append(k)
            layer.append(ly)
            medium.append(m)

        e, h = setup.ecal, setup.hcal
        for i in range(e.n_layers):
            add(i * e.period_cm, (i + 1) * e.period_cm, e.x0_per_layer, KIND_ECAL, i, 0)
        ze = e.length_cm
        sc = get_material("Sc")
        # V2 in the middle of the ECAL-HCAL gap (as darkmiss.shower.geometry places it; assumed)
        v2 = min(setup.v2_thickness_cm, setup.ecal_hcal_gap_cm)
        zv = ze + 0.5 * (setup.ecal_hcal_gap_cm - v2)
        if zv > ze:
            add(ze, zv, 0.0, KIND_GAP, 0, 2)
        add(zv, zv + v2, v2 / sc.x0_cm, KIND_V2, 0, 2)
        if setup.hcal_z0_cm > zv + v2:
            add(zv + v2, setup.hcal_z0_cm, 0.0, KIND_GAP, 0, 2)
        for m in range(setup.n_hcal_modules):
            zm = setup.hcal_module_z(m)
            for i in range(h.n_layers):
                add(zm + i * h.period_cm, zm + (i + 1) * h.period_cm, h.x0_per_layer, KIND_HCAL, m, 1)
            if m + 1 < setup.n_hcal_modules and setup.hcal_module_gap_cm > 0:
                add(zm + h.length_cm, setup.hcal_module_z(m + 1), 0.0, KIND_GAP, m, 1)
        x0a = np.array(x0)
        cum = np.concatenate([[0.0], np.cumsum(x0a)])
        return cls(
            z0=np.array(z0),
            z1=np.array(z1),
            x0=x0a,
            cum=cum,
            kind=np.array(kind, dtype=np.int64),
            layer=np.array(layer, dtype=np.int64),
            medium=np.array(medium, dtype=np.int64),
            ecal=EffectiveMedium.from_structure(e, sampling_coefficient),
            hcal=EffectiveMedium.from_structure(h, sampling_coefficient),
            ps_layers=setup.ps_layers,
            ecal_half=0.5 * e.width_x_cm,
            ecal_cell=e.cell_size_cm,
            hcal_half=0.5 * h.width_x_cm,
            hcal_cell=h.cell_size_cm,
            v2_half=setup.v2_half_width_cm,
            v2_rm_cm=sc.moliere_radius_cm,
            ecal_abs_cm=e.absorber_cm,
            ecal_act_cm=e.active_cm,
            hcal_abs_cm=h.absorber_cm,
            hcal_act_cm=h.active_cm,
            absorbers=(e.absorber, h.absorber),
        )

    def kernel_args(self) -> tuple:
        """Arguments of the numba kernels after the particle arrays."""
        media = np.stack([self.ecal.params(), self.hcal.params()])
        rm = np.array([self.ecal.rm_cm, self.hcal.rm_cm, self.v2_rm_cm])
        geo = np.array([self.ecal_half, self.ecal_cell, self.hcal_half, self.hcal_cell, self.v2_half])
        return (
            self.z0,
            self.z1,
            self.cum,
            self.kind,
            self.layer,
            self.medium,
            media,
            rm,
            geo,
            self.ps_layers,
            self.radial,
        )

    @cached_property
    def radial(self) -> np.ndarray:
        """Tabulated radial parameters (:func:`radial_table`) of the ECAL and HCAL media."""
        return radial_table(np.stack([self.ecal.params(), self.hcal.params()]))


@numba.njit(inline="always")
def _ecal_cell(layer: int, fx: float, fy: float, ps_layers: int) -> int:
    """PS or ECAL readout cell of a point at (fx, fy) cell widths from the ECAL's corner (−1 outside)."""
    if fx < 0.0 or fy < 0.0 or fx >= 6.0 or fy >= 6.0:
        return -1
    return (PS0 if layer < ps_layers else ECAL0) + int(fy) * 6 + int(fx)


@numba.njit(cache=True)
def _cell_of(kind: int, layer: int, x: float, y: float, geo: np.ndarray, ps_layers: int) -> int:
    """Readout cell of a point in a slab (−1 outside every cell)."""
    if kind == KIND_ECAL:
        half, cs = geo[0], geo[1]
        return _ecal_cell(layer, (x + half) / cs, (y + half) / cs, ps_layers)
    if kind == KIND_V2:
        if abs(x) < geo[4] and abs(y) < geo[4]:
            return V2CELL
        return -1
    if kind == KIND_HCAL:
        half, cs = geo[2], geo[3]
        ix = math.floor((x + half) / cs)
        iy = math.floor((y + half) / cs)
        if ix < 0 or iy < 0 or ix >= 3 or iy >= 3:
            return -1
        return HCAL0 + layer * 9 + iy * 3 + ix
    return -1


@numba.njit(cache=True)
def _slab_at(z: float, z0: np.ndarray, z1: np.ndarray) -> int:
    """Index of the slab containing z (len(z0) beyond the end, −1 before the start)."""
    if z < z0[0]:
        return -1
    k: int = int(np.searchsorted(z1, z, side="right"))
    return k


@numba.njit(cache=True)
def _cum_at(z: float, z0: np.ndarray, z1: np.ndarray, cum: np.ndarray) -> float:
    """Depth in X0 (normal incidence) of the plane z [cm]."""
    k = _slab_at(z, z0, z1)
    if k < 0:
        return 0.0
    if k >= z0.size:
        return cum[-1]
    f = (z - z0[k]) / (z1[k] - z0[k])
    return cum[k] + f * (cum[k + 1] - cum[k])


@numba.njit(cache=True)
def gflash_parameters(energy: float, med: np.ndarray, g1: float, g2: float) -> tuple[float, float]:
    """One shower's (T [X0], α) of the *sampling* profile from two standard normals (G&P Eqs. 8–11)."""
    gf = _GF
    y = max(energy / med[2], 1.0001)
    ly = math.log(y)
    z, fs, ehat = med[3], med[4], med[5]
    ln_t_hom = math.log(max(ly + gf[0], 0.1))
    ln_a_hom = math.log(max(gf[1] + (gf[2] + gf[3] / z) * ly, 0.1))
    ln_t = max(0.1, math.log(max(math.exp(ln_t_hom) + gf[10] / fs + gf[11] * (1.0 - ehat), 1e-3)))
    ln_a = max(0.1, math.log(max(math.exp(ln_a_hom) + gf[12] / fs, 1e-3)))
    s_t = min(0.5, 1.0 / max(gf[4] + gf[5] * ly, 1e-6)) if gf[4] + gf[5] * ly > 0 else 0.5
    s_a = min(0.5, 1.0 / max(gf[6] + gf[7] * ly, 1e-6)) if gf[6] + gf[7] * ly > 0 else 0.5
    rho = min(max(gf[8] + gf[9] * ly, -1.0), 1.0)
    c1 = math.sqrt((1.0 + rho) / 2.0)
    c2 = math.sqrt((1.0 - rho) / 2.0)
    tmax = max(0.1, math.exp(ln_t + s_t * (c1 * g1 + c2 * g2)))
    alpha = max(1.1, math.exp(ln_a + s_a * (c1 * g1 - c2 * g2)))
    return tmax, alpha


@numba.njit(cache=True)
def _radial(energy: float, tau: float, med: np.ndarray) -> tuple[float, float, float]:
    """(R_C, R_T [Molière radii], p) at τ (G&P Eqs. 14–16 with the sampling corrections)."""
    gf = _GF
    le = math.log(max(energy, 1e-4))
    z, fs, ehat = med[3], med[4], med[5]
    rc = gf[13] + gf[14] * le + (gf[15] + gf[16] * z) * tau
    p1 = gf[23] + gf[24] * z
    p2 = gf[25] + gf[26] * z
    p3 = gf[27] + gf[28] * le
    a = (p2 - tau) / p3
    p = p1 * math.exp(a - math.exp(a))
    k1 = gf[17] + gf[18] * z
    k4 = gf[21] + gf[22] * le
    rt = k1 * (math.exp(gf[20] * (tau - gf[19])) + math.exp(k4 * (tau - gf[19])))
    rc += gf[29] * (1.0 - ehat) + gf[30] / fs * math.exp(-tau)
    p += (1.0 - ehat) * (gf[33] + gf[34] / fs * math.exp(-((tau - 1.0) ** 2)))
    rt += (1.0 - ehat) * gf[31] + gf[32] / fs * math.exp(-tau)
    return max(rc, 1e-3), max(rt, 1e-3), min(max(p, 0.0), 1.0)


_NPHI = 1024
_COS = np.cos(2.0 * np.pi * (np.arange(_NPHI) + 0.5) / _NPHI)
_SIN = np.sin(2.0 * np.pi * (np.arange(_NPHI) + 0.5) / _NPHI)

# ln(E/GeV) grid of the tabulated radial parameters: 1 MeV .. 1 TeV
_LNE0 = math.log(1e-3)
_DLNE = 0.25
_NLNE = 56


@numba.njit(cache=True)
def radial_table(media: np.ndarray) -> np.ndarray:
    """(R_C, R_T, p) of every medium on the (ln E, τ) grid: shape (n_media, _NLNE, _NTAU, 3)."""
    out = np.empty((media.shape[0], _NLNE, _NTAU, 3))
    for m in range(media.shape[0]):
        for i in range(_NLNE):
            e = math.exp(_LNE0 + (i + 0.5) * _DLNE)
            for j in range(_NTAU):
                rc, rt, p = _radial(e, (j + 0.5) * _DTAU, media[m])
                out[m, i, j, 0] = rc
                out[m, i, j, 1] = rt
                out[m, i, j, 2] = p
    return out


@numba.njit(cache=True)
def n_spots(energy: float) -> int:
    """Number of energy spots of a shower (G&P Sec. 3.3, sampling tuning: n1/σ_samp · E^n2), at least 4."""
    n: int = max(4, int(_GF[35] / _GF[37] * energy ** _GF[36] + 0.5))
    return n


@numba.njit(cache=True)
def deposit_showers(
    event: np.ndarray,
    pid: np.ndarray,
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
    cum: np.ndarray,
    kind: np.ndarray,
    layer: np.ndarray,
    medium: np.ndarray,
    media: np.ndarray,
    rm: np.ndarray,
    geo: np.ndarray,
    ps_layers: int,
    rad: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Deposit one parametrised shower per particle: (deposited [GeV] (n_events, N_CELLS), leak (n_events,)).

    ``pid`` 22 (γ) starts after an exponential conversion depth of mean 9/7 X0 (PDG Eq. 34.31).
    Energy that leaves the calorimeter (behind, beside, or between cells) goes to ``leak``.
    ``state``: the PCG64 state of the caller's Generator (:mod:`darkmiss.shower.pcg64`), advanced in
    place. Per spot: a Γ depth, a uniform for the radius, and one uniform v that picks the core
    (v < p) or the tail and, rescaled within the part it fell in, the azimuth.
    """
    dep = np.zeros((n_events, N_CELLS))
    leak = np.zeros(n_events)
    nslab = z0.size
    t_end = cum[-1]
    n_ecal = 0
    while n_ecal < nslab and kind[n_ecal] == KIND_ECAL:
        n_ecal += 1
    t_ecal = cum[n_ecal] * (1.0 - 1e-12)
    inv_dt_ecal = 1.0 / (cum[1] - cum[0])
    # ECAL cells (_ecal_cell) found with the reciprocal of the cell width, a multiplication per spot where
    # _cell_of divides: a point within one rounding of a cell edge may fall in the neighbouring cell
    e_half, e_inv_cell = geo[0], 1.0 / geo[1]
    # z [cm] per X0 of each slab (0 for the gaps, which hold no X0)
    z_per_x0 = np.zeros(nslab)
    for k in range(nslab):
        if cum[k + 1] > cum[k]:
            z_per_x0[k] = (z1[k] - z0[k]) / (cum[k + 1] - cum[k])
    for i in range(energy.size):
        ev = event[i]
        e = energy[i]
        if e <= 0.0:
            continue
        dz = max(uz[i], 1e-3)
        z_start = zpos[i]
        cum0 = _cum_at(z_start, z0, z1, cum)
        if cum0 >= t_end:
            leak[ev] += e
            continue
        k0 = _slab_at(max(z_start, z0[0]), z0, z1)
        mi = 1 if (k0 < nslab and medium[k0] == 1) else 0
        med = media[mi]
        g1 = normal(state)
        tmax, alpha = gflash_parameters(e, med, g1, normal(state))
        beta = (alpha - 1.0) / tmax
        tconv = 0.0
        if pid[i] == 22:
            tconv = 9.0 / 7.0 * exponential(state)
        ns = n_spots(e)
        es = e / ns
        ie = min(max(int((math.log(e) - _LNE0) / _DLNE), 0), _NLNE - 1)
        rtab = rad[mi, ie]
        sx = ux[i] / dz
        sy = uy[i] / dz
        mt_d = alpha - 1.0 / 3.0  # Marsaglia-Tsang constants of Γ(α), once per shower
        mt_c = 1.0 / math.sqrt(9.0 * mt_d)
        inv_beta = 1.0 / beta
        inv_tau_bin = 1.0 / (tmax * _DTAU)
        for _ in range(ns):
            t = gamma_mt(state, mt_d, mt_c) * inv_beta + tconv
            tz = cum0 + t * dz
            if tz >= t_end:
                leak[ev] += es
                continue
            if tz < t_ecal:
                k = int(tz * inv_dt_ecal)  # ECAL layers are uniform in X0
            else:
                k = np.searchsorted(cum, tz, side="right") - 1
            if k < 0:
                k = 0
            if k >= nslab:
                leak[ev] += es
                continue
            zz = z0[k] + (tz - cum[k]) * z_per_x0[k]
            j = min(int(t * inv_tau_bin), _NTAU - 1)  # τ = t/T on the grid of the radial table
            rc, rt, p = rtab[j, 0], rtab[j, 1], rtab[j, 2]
            u = min(uniform(state), 0.999999)
            v = uniform(state)
            # core if v < p; v rescaled within its part is uniform and independent of that choice
            if v < p:
                rr = rc
                iphi = int(v / p * _NPHI)
            else:
                rr = rt
                iphi = int((v - p) / (1.0 - p) * _NPHI)
            iphi = min(iphi, _NPHI - 1)  # azimuth from a table (0.35° steps)
            r = rr * math.sqrt(u / (1.0 - u)) * rm[medium[k]]
            px = x[i] + sx * (zz - z_start) + r * _COS[iphi]
            py = y[i] + sy * (zz - z_start) + r * _SIN[iphi]
            if kind[k] == KIND_ECAL:  # most spots: inline, without _cell_of's call
                c = _ecal_cell(layer[k], (px + e_half) * e_inv_cell, (py + e_half) * e_inv_cell, ps_layers)
            else:
                c = _cell_of(kind[k], layer[k], px, py, geo, ps_layers)
            if c < 0:
                leak[ev] += es
            else:
                dep[ev, c] += es
    return dep, leak
