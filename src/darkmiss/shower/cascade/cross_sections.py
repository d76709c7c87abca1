"""Cross-sections [1/cm], stopping power [GeV/cm] and table look-ups of the explicit cascade.

Units GeV, cm. Material rows ``mrow`` are rows of ``Geometry.mat_table`` (see
:mod:`darkmiss.shower.geometry`): b₁ = mrow[0], b₂ = mrow[1] (Tsai's radiator coefficients per cm),
Bethe–Heitler αr_e²Z(Z+1) n = mrow[2], electron density mrow[3], X0 mrow[4], E_LPM mrow[5],
plasma energy ħω_p mrow[6], mean excitation I mrow[7], Sternheimer–Peierls C̄, x0, x1, a, k
mrow[8:13],
target atoms per cm³ mrow[13].
"""

from __future__ import annotations

import math

import numba
import numpy as np

from darkmiss.constants import M_E, R_E_CM

TWOPI_MC2_RCL2 = 2.0 * math.pi * M_E * R_E_CM**2  # 2π m_e r_e² [GeV cm²]
PI_RE2 = math.pi * R_E_CM**2


@numba.njit(cache=True)
def brems_sigma(e: float, kc: float, b1: float, b2: float) -> float:
    """Σ_brems(k > kc) [1/cm] from Tsai complete screening (Eq. 3.83) integrated over y = k/E."""
    yc = kc / e
    if yc >= 1.0 or b1 <= 0.0:
        return 0.0
    lg = -math.log(yc)
    return b1 * (4.0 / 3.0 * (lg - (1.0 - yc)) + 0.5 * (1.0 - yc * yc)) + b2 * (lg - (1.0 - yc))


@numba.njit(cache=True)
def brems_soft_loss(e: float, kc: float, b1: float, b2: float) -> float:
    """Mean energy radiated in photons below kc per cm, ∫₀^kc k dσ/dk dk [GeV/cm] (Tsai Eq. 3.83)."""
    yc = min(kc / e, 1.0)
    return e * (b1 * (4.0 / 3.0 * (yc - 0.5 * yc * yc) + yc**3 / 3.0) + b2 * (yc - 0.5 * yc * yc))


@numba.njit(cache=True)
def pair_sigma(k: float, b1: float, b2: float, bhz2: float) -> float:
    """Σ_pair [1/cm]: min(Tsai complete screening (7/9 b1 − b2/6), unscreened Bethe–Heitler)."""
    if k <= 2.0 * M_E or b1 <= 0.0:
        return 0.0
    cs = 7.0 / 9.0 * b1 - b2 / 6.0
    un = bhz2 * (28.0 / 9.0 * math.log(2.0 * k / M_E) - 218.0 / 27.0)
    return max(0.0, min(cs, un))


@numba.njit(cache=True)
def compton_sigma(k: float, n_el: float) -> float:
    """Klein–Nishina Compton cross-section × electron density [1/cm] (Heitler 1954)."""
    x = k / M_E
    if n_el <= 0.0:
        return 0.0
    l2 = math.log(1.0 + 2.0 * x)
    s = (
        (1.0 + x) / x**2 * (2.0 * (1.0 + x) / (1.0 + 2.0 * x) - l2 / x)
        + l2 / (2.0 * x)
        - (1.0 + 3.0 * x) / (1.0 + 2.0 * x) ** 2
    )
    return 2.0 * PI_RE2 * s * n_el


@numba.njit(cache=True)
def moller_bhabha_sigma(t: float, tcut: float, positron: bool, n_el: float) -> float:
    """Delta-ray cross-section above tcut × n_el [1/cm] (Møller/Bhabha; Geant4 G4MollerBhabhaModel)."""
    tau = t / M_E
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
    return max(cross, 0.0) * TWOPI_MC2_RCL2 / t * n_el


@numba.njit(cache=True)
def annihilation_sigma(t: float, n_el: float) -> float:
    """Two-photon annihilation in flight, Heitler's formula × n_el [1/cm]."""
    gam = t / M_E + 1.0
    if gam <= 1.0 + 1e-9:
        return 0.0
    s = math.sqrt(gam * gam - 1.0)
    v = ((gam * gam + 4.0 * gam + 1.0) / (gam * gam - 1.0) * math.log(gam + s) - (gam + 3.0) / s) / (
        gam + 1.0
    )
    return PI_RE2 * v * n_el


@numba.njit(cache=True)
def restricted_dedx(t: float, tcut: float, positron: bool, mrow: np.ndarray) -> float:
    """Restricted collision stopping power of e± [GeV/cm] (Berger–Seltzer; Geant4
    G4MollerBhabhaModel::ComputeDEDX) with the Sternheimer–Peierls density effect."""
    n_el = mrow[3]
    if n_el <= 0.0:
        return 0.0
    tau = t / M_E
    gam = tau + 1.0
    g2 = gam * gam
    bg2 = tau * (tau + 2.0)
    beta2 = bg2 / g2
    eexc = mrow[7] / M_E
    lnx = math.log(2.0 * (tau + 2.0) / (eexc * eexc))
    if not positron:
        d = min(tcut, 0.5 * t) / M_E
        dedx = (
            lnx
            - 1.0
            - beta2
            + math.log((tau - d) * d)
            + tau / (tau - d)
            + (0.5 * d * d + (2.0 * tau + 1.0) * math.log(1.0 - d / tau)) / g2
        )
    else:
        d = min(tcut, t) / M_E
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
    return max(dedx, 0.0) * TWOPI_MC2_RCL2 * n_el / beta2


@numba.njit(cache=True)
def interp_log(tab: np.ndarray, logemin: float, dloge: float, e: float) -> float:
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
def sample_x(xinv: np.ndarray, logemin: float, dloge: float, e: float, r: float) -> float:
    """Sample x from the tabulated inverse CDF xinv[energy node, u] (nearest node in ln E)."""
    ng, nu = xinv.shape
    i = int(max((math.log(e) - logemin) / dloge + 0.5, 0.0))
    i = min(max(i, 0), ng - 1)
    u = r * (nu - 1)
    j = min(int(u), nu - 2)
    f = u - j
    return xinv[i, j] * (1.0 - f) + xinv[i, j + 1] * f
