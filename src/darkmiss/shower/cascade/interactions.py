"""Final states of the cascade's discrete interactions and multiple scattering (numba samplers).

Units GeV, cm, rad. Each sampler draws from the particle's stream ``rng`` (:mod:`.rng`) in a fixed
order — the order is part of the engine's reproducibility contract (identical histories in the
yield and full passes) and must not change. Directions are unit vectors.

- bremsstrahlung: Tsai complete screening (RMP 46, 815, Eq. 3.83), LPM (Klein, RMP 71, 1501,
  Eq. 13) and dielectric (Ter-Mikaelian) suppression by rejection, photon angle G4ModifiedTsai;
- Møller / Bhabha delta rays: Geant4 G4MollerBhabhaModel sampling;
- two-photon annihilation in flight: Heitler, Geant4 G4eeToTwoGammaModel sampling;
- pair production: Tsai Eq. 3.84 shape, LPM thinning (Klein Eq. 17);
- Compton scattering: Klein–Nishina, Geant4 G4KleinNishinaCompton sampling;
- multiple scattering: Highland (PDG Eq. 34.15) in two projected angles.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from darkmiss.constants import M_E
from darkmiss.shower.cascade.rng import gauss, next64, uni


@numba.njit(cache=True)
def rotate(ux: float, uy: float, uz: float, cost: float, phi: float) -> tuple[float, float, float]:
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
def tsai_angle(st: np.ndarray, mass: float, energy: float) -> float:
    """Polar angle of a bremsstrahlung photon / pair lepton [rad]: Geant4 G4ModifiedTsai sampling,
    u = −ln(r₁r₂)·(1.6 w.p. 0.25, else 1.6/3), u ≤ 2γ, cos θ = 1 − 2u²/(2γ)²."""
    umax = 2.0 * energy / mass
    while True:
        uu = -math.log(uni(st) * uni(st))
        u = uu * 1.6 if uni(st) < 0.25 else uu * 1.6 / 3.0
        if u <= umax:
            break
    return math.acos(max(-1.0, 1.0 - 2.0 * u * u / (umax * umax)))


@numba.njit(cache=True)
def sample_brems(
    rng: np.ndarray, etot: float, kc: float, b1: float, b2: float, e_lpm: float, plasma: float
) -> tuple[bool, float, np.uint64, float, float]:
    """Bremsstrahlung photon above ``kc`` from an e± of total energy ``etot`` [GeV].

    y = k/E log-uniform, accepted on the Tsai shape (Eq. 3.83), then kept with probability
    √(k/(k + E²/E_LPM)) · k²/(k² + (γħω_p)²) (LPM, Klein Eq. 13; dielectric suppression).
    Returns (kept, k [GeV], the photon's stream seed, polar angle θ, azimuth φ); nothing is drawn
    when kc ≥ etot (kept False).
    """
    yc = kc / etot
    if yc >= 1.0:
        return False, 0.0, np.uint64(0), 0.0, 0.0
    hmax = b1 * 4.0 / 3.0 + b2
    while True:
        yy = yc ** (1.0 - uni(rng))
        h = b1 * (4.0 / 3.0 * (1.0 - yy) + yy * yy) + b2 * (1.0 - yy)
        if uni(rng) * hmax <= h:
            break
    kk = yy * etot
    klpm = etot * etot / e_lpm
    kp = etot / M_E * plasma
    supp = math.sqrt(kk / (kk + klpm)) * kk * kk / (kk * kk + kp * kp)
    ok = uni(rng) < supp
    cseed = next64(rng)
    th = tsai_angle(rng, M_E, etot)
    phi = 2.0 * math.pi * uni(rng)
    return ok, kk, cseed, th, phi


@numba.njit(cache=True)
def _delta_fraction(rng: np.ndarray, en: float, tcut: float, positron: bool) -> float:
    """Kinetic-energy fraction x = T_δ/T of a Møller (e⁻, x ≤ 1/2) or Bhabha (e⁺) delta ray above
    ``tcut`` [GeV] (Geant4 G4MollerBhabhaModel::SampleSecondaries rejection)."""
    tau = en / M_E
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
            q = uni(rng)
            xe = xmin * xmax / (xmin * (1.0 - q) + xmax * q)
            yv = 1.0 - xe
            zz = 1.0 - gg * xe + xe * xe * (1.0 - gg + (1.0 - gg * yv) / (yv * yv))
            if grej * uni(rng) <= zz:
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
            q = uni(rng)
            xe = xmin * xmax / (xmin * (1.0 - q) + xmax * q)
            zz = 1.0 - beta2 * xe * (bb1 - xe * (bb2 - xe * (bb3 - xe * bb4)))
            if grej * uni(rng) <= zz:
                break
    return xe


@numba.njit(cache=True)
def sample_delta_ray(
    rng: np.ndarray, en: float, tcut: float, positron: bool, ux: float, uy: float, uz: float
) -> tuple[float, np.uint64, float, float, float, float, float, float]:
    """Møller/Bhabha delta ray from an e± of kinetic energy ``en`` [GeV] (Geant4 G4MollerBhabhaModel).

    Returns (T_δ [GeV], the δ's stream seed, its direction, the primary's new direction from
    momentum conservation); the caller subtracts T_δ from the primary.
    """
    xe = _delta_fraction(rng, en, tcut, positron)
    td = xe * en
    cseed = next64(rng)
    phi = 2.0 * math.pi * uni(rng)
    cost = math.sqrt(td * (en + 2.0 * M_E) / (en * (td + 2.0 * M_E)))
    dx, dy, dz = rotate(ux, uy, uz, min(cost, 1.0), phi)
    p0 = math.sqrt(en * (en + 2.0 * M_E))
    pd = math.sqrt(td * (td + 2.0 * M_E))
    nx, ny, nz = p0 * ux - pd * dx, p0 * uy - pd * dy, p0 * uz - pd * dz
    nn = math.sqrt(nx * nx + ny * ny + nz * nz)
    if nn > 0:
        ux, uy, uz = nx / nn, ny / nn, nz / nn
    return td, cseed, dx, dy, dz, ux, uy, uz


@numba.njit(cache=True)
def sample_annihilation(
    rng: np.ndarray, en: float, ux: float, uy: float, uz: float
) -> tuple[float, float, float, float, float, float, float, float]:
    """e⁺e⁻ → γγ in flight for a positron of kinetic energy ``en`` [GeV] (Heitler; Geant4
    G4eeToTwoGammaModel sampling of ε = k₁/(T + 2m)). Returns (k₁, its direction, k₂, its
    direction); the second photon balances the momentum."""
    tau = en / M_E
    gam = tau + 1.0
    tau2 = tau + 2.0
    sqgrate = math.sqrt(tau / tau2) * 0.5
    sqg2m1 = math.sqrt(tau * tau2)
    emin_ = 0.5 - sqgrate
    emax_ = 0.5 + sqgrate
    while True:
        eps = emin_ * (emax_ / emin_) ** uni(rng)
        grej = 1.0 - eps + (2.0 * gam * eps - 1.0) / (eps * tau2 * tau2)
        if uni(rng) < grej:
            break
    tot = en + 2.0 * M_E
    k1 = eps * tot
    k2 = tot - k1
    cost = min(max((eps * tau2 - 1.0) / (eps * sqg2m1), -1.0), 1.0)
    phi = 2.0 * math.pi * uni(rng)
    g1x, g1y, g1z = rotate(ux, uy, uz, cost, phi)
    p0 = math.sqrt(en * (en + 2.0 * M_E))
    nx, ny, nz = p0 * ux - k1 * g1x, p0 * uy - k1 * g1y, p0 * uz - k1 * g1z
    nn = math.sqrt(nx * nx + ny * ny + nz * nz)
    if nn > 0:
        nx, ny, nz = nx / nn, ny / nn, nz / nn
    else:
        nx, ny, nz = -g1x, -g1y, -g1z
    return k1, g1x, g1y, g1z, k2, nx, ny, nz


@numba.njit(cache=True)
def sample_pair(
    rng: np.ndarray, en: float, b1: float, b2: float, e_lpm: float
) -> tuple[bool, float, float, float]:
    """γ → e⁺e⁻ for a photon of energy ``en`` [GeV]: x = E₋/k uniform in [m/k, 1 − m/k] accepted on
    Tsai's complete-screening shape (Eq. 3.84), then LPM thinning √(E_LPM/(E_LPM + k x(1−x)))
    (Klein Eq. 17). Returns (converted, E₋, E₊ total energies [GeV], azimuth of the e⁻)."""
    xl = M_E / en
    while True:
        xx = xl + (1.0 - 2.0 * xl) * uni(rng)
        g = 1.0 - 4.0 / 3.0 * xx * (1.0 - xx) - b2 / b1 * xx * (1.0 - xx)
        if uni(rng) <= g:
            break
    if uni(rng) > math.sqrt(e_lpm / (e_lpm + en * xx * (1.0 - xx))):
        return False, 0.0, 0.0, 0.0  # LPM-suppressed: no interaction (thinning)
    e1 = xx * en
    e2 = en - e1
    phi = 2.0 * math.pi * uni(rng)
    return True, e1, e2, phi


@numba.njit(cache=True)
def sample_compton(
    rng: np.ndarray, en: float, ux: float, uy: float, uz: float
) -> tuple[float, float, float, float, float, np.uint64, float, float, float]:
    """Compton scattering of a photon of energy ``en`` [GeV] (Klein–Nishina; Geant4
    G4KleinNishinaCompton sampling of ε = k'/k). Returns (k' [GeV], the photon's new direction,
    electron kinetic energy [GeV], its stream seed, its direction from momentum conservation)."""
    e0m = en / M_E
    eps0 = 1.0 / (1.0 + 2.0 * e0m)
    eps0sq = eps0 * eps0
    alpha1 = -math.log(eps0)
    alpha2 = alpha1 + 0.5 * (1.0 - eps0sq)
    while True:
        if alpha1 > alpha2 * uni(rng):
            eps = math.exp(-alpha1 * uni(rng))
            epssq = eps * eps
        else:
            epssq = eps0sq + (1.0 - eps0sq) * uni(rng)
            eps = math.sqrt(epssq)
        onecost = (1.0 - eps) / (eps * e0m)
        sint2 = onecost * (2.0 - onecost)
        if 1.0 - eps * sint2 / (1.0 + epssq) >= uni(rng):
            break
    phi = 2.0 * math.pi * uni(rng)
    k1 = eps * en
    nx, ny, nz = rotate(ux, uy, uz, 1.0 - onecost, phi)
    te = en - k1
    cseed = next64(rng)
    px, py, pz = en * ux - k1 * nx, en * uy - k1 * ny, en * uz - k1 * nz
    pn = math.sqrt(px * px + py * py + pz * pz)
    if pn > 0:
        return k1, nx, ny, nz, te, cseed, px / pn, py / pn, pz / pn
    return k1, nx, ny, nz, te, cseed, ux, uy, uz


@numba.njit(cache=True)
def multiple_scattering(
    rng: np.ndarray, en: float, step: float, x0cm: float, ux: float, uy: float, uz: float
) -> tuple[float, float, float]:
    """New direction of an e± of kinetic energy ``en`` [GeV] after ``step`` [cm] in a material of
    radiation length ``x0cm`` [cm]: Highland θ₀ (PDG Eq. 34.15) in two projected Gaussian angles
    (no lateral displacement within the step)."""
    if en > 0.0:
        et = en + M_E
        p2 = en * (en + 2.0 * M_E)
        pb = p2 / et  # p β
        t = step / x0cm
        if t > 0:
            th0 = 0.0136 / pb * math.sqrt(t) * (1.0 + 0.038 * math.log(max(t * et * et / p2, 1e-3)))
            thx = th0 * gauss(rng)
            thy = th0 * gauss(rng)
            th = math.sqrt(thx * thx + thy * thy)
            if th > 0:
                ux, uy, uz = rotate(ux, uy, uz, math.cos(min(th, math.pi)), math.atan2(thy, thx))
    return ux, uy, uz
