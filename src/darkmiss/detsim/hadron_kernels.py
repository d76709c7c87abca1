"""Compiled kernels of the parametrised hadronic showers (:mod:`darkmiss.detsim.hadron_shower`): the
Bock longitudinal tail with the regularised incomplete Γ function, the per-segment response and the
lateral containment, one shower per event.

Electronuclear pseudo-data needs ~10⁷ showers; these kernels do one shower in a few μs. They implement
the physics documented in :func:`darkmiss.detsim.hadron_shower.hadron_sums` (which calls them) and
nothing else. Units: GeV, cm, depths in X0 and λ_int.
"""

from __future__ import annotations

import math

import numba
import numpy as np

#: Layout of the parameter vector of the kernels (:func:`darkmiss.detsim.hadron_shower.kernel_params`).
P_A0, P_A1, P_B, P_D0, P_D1, P_W, P_FEM_RMS, P_FEM_E0, P_FEM_M = range(9)
P_EH_ECAL, P_EH_HCAL, P_SAMP_ECAL, P_SAMP_HCAL = range(9, 13)
P_HX_E, P_HY_E, P_HX_H, P_HY_H, P_LAT_E, P_LAT_H = range(13, 19)
N_PARAMS = 19
#: Boundary kinds: the preshower's end, the ECAL's end, an air gap's end, HCAL module m's end (≥ 0).
KIND_PS, KIND_ECAL, KIND_GAP = -3, -2, -1
#: Output layout per shower: e_ps, e_ecal, spill, escaped, leaving, c_ecal, c_hcal, then the modules.
O_PS, O_ECAL, O_SPILL, O_ESC, O_LEAVE, O_CE, O_CH = range(7)
N_OUT_FIXED = 7


@numba.njit(cache=True)
def gamma_q(a: float, x: float) -> float:
    """Regularised upper incomplete Γ function Q(a, x) = Γ(a, x)/Γ(a) for a > 0, x ≥ 0: the series of
    P(a, x) for x < a + 1, else the continued fraction of Q (Press et al., *Numerical Recipes*, 3rd ed.,
    Sec. 6.2), to a relative 1e-14 (tested against scipy.special.gammaincc)."""
    return _gamma_q(a, x, math.lgamma(a))


@numba.njit(cache=True)
def _gamma_q(a: float, x: float, gln: float) -> float:
    """:func:`gamma_q` with ln Γ(a) = ``gln`` given (a shower's Γ terms share their a)."""
    if x <= 0.0:
        return 1.0
    if x < a + 1.0:
        ap = a
        term = 1.0 / a
        total = term
        for _ in range(500):
            ap += 1.0
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(1.0 - total * math.exp(-x + a * math.log(x) - gln), 0.0)
    # the continued fraction of Q as the ratio A_n/B_n of Wallis' recurrences (no division per term; the
    # Lentz form's two divisions per term made it ~3 times slower), rescaled every 8 terms; it stops when
    # the last term changed the ratio by < 1e-15 relative, the Lentz criterion |f_n/f_(n−1) − 1| < 1e-15
    b0 = x + 1.0 - a
    a_prev, b_prev = 0.0, 1.0  # A_(−1), B_(−1)
    a_cur, b_cur = 1.0, b0  # A_0, B_0: f_0 = 1/b0
    for i in range(1, 500):
        an = -i * (i - a)
        bn = b0 + 2.0 * i
        a_next = bn * a_cur + an * a_prev
        b_next = bn * b_cur + an * b_prev
        a_prev, b_prev, a_cur, b_cur = a_cur, b_cur, a_next, b_next
        if abs(a_cur * b_prev - a_prev * b_cur) < 1e-15 * abs(a_prev * b_cur):
            break
        if i % 8 == 0:
            scale = 1.0 / b_cur
            a_prev *= scale
            b_prev *= scale
            a_cur *= scale
            b_cur = 1.0
    return math.exp(-x + a * math.log(x) - gln) * (a_cur / b_cur)


@numba.njit(cache=True)
def _laplace_cdf(x: float, b: float) -> float:
    if x < 0.0:
        return 0.5 * math.exp(x / b)
    return 1.0 - 0.5 * math.exp(-x / b)


@numba.njit(cache=True)
def containment(x: float, y: float, hx: float, hy: float, b: float) -> float:
    """Fraction of a factorised Laplace profile of scale b [cm] centred at (x, y) inside |X| < hx, |Y| < hy."""
    cx = _laplace_cdf(hx - x, b) - _laplace_cdf(-hx - x, b)
    cy = _laplace_cdf(hy - y, b) - _laplace_cdf(-hy - y, b)
    return cx * cy


@numba.njit(cache=True)
def bock_shape(energy: float, p: np.ndarray) -> tuple[float, float, float, float, float, float]:
    """The Bock profile's constants of a shower of ``energy`` [GeV], shared by all its boundaries:
    (a, b [1/X0], d [1/λ_int], w1, w2, ln Γ(a)) with a = a0 + a1 ln E, d = d0 + d1 ln E,
    w1 = w/b^a, w2 = (1 − w)/d^a (Bock et al., NIM 186 (1981) 533; parameters :data:`P_A0`…)."""
    e = max(energy, 1.0)
    le = math.log(e)
    a = p[P_A0] + p[P_A1] * le
    d = p[P_D0] + p[P_D1] * le
    b = p[P_B]
    w1 = p[P_W] / b**a
    w2 = (1.0 - p[P_W]) / d**a
    return a, b, d, w1, w2, math.lgamma(a)


@numba.njit(cache=True)
def _tail(
    shape: tuple[float, float, float, float, float, float],
    start_x0: float,
    start_lam: float,
    bx0: float,
    blam: float,
) -> float:
    """:func:`bock_tail` of a shower whose constants are ``shape`` (:func:`bock_shape`)."""
    dlam = blam - start_lam
    if dlam <= 0.0:
        return 1.0
    a, b, d, w1, w2, gln = shape
    t1 = _gamma_q(a, b * max(bx0 - start_x0, 0.0), gln)
    t2 = _gamma_q(a, d * dlam, gln)
    return (w1 * t1 + w2 * t2) / (w1 + w2)


@numba.njit(cache=True)
def bock_tail(
    energy: float, start_x0: float, start_lam: float, bx0: float, blam: float, p: np.ndarray
) -> float:
    """Fraction of a shower of ``energy`` [GeV] starting at (start_x0, start_lam) deposited beyond the
    setup depth (bx0 [X0], blam [λ_int]): the Bock profile's two Γ terms (1 before the start)."""
    if blam - start_lam <= 0.0:
        return 1.0
    return _tail(bock_shape(energy, p), start_x0, start_lam, bx0, blam)


@numba.njit(cache=True)
def _response(e_dep: float, fem: float, e_over_h: float, a_samp: float, rng: np.random.Generator) -> float:
    """Calibrated signal of ``e_dep`` [GeV]: (f_em + (1 − f_em) h/e) E smeared by a/√E, ≥ 0."""
    vis = e_dep * (fem + (1.0 - fem) / e_over_h)
    sig = a_samp * math.sqrt(max(vis, 0.0))
    return max(vis + sig * rng.standard_normal(), 0.0)


@numba.njit(cache=True)
def shower_ecal(
    energy: float,
    start_x0: float,
    start_lam: float,
    x: float,
    y: float,
    p: np.ndarray,
    shape: tuple[float, float, float, float, float, float],
    bx0: np.ndarray,
    blam: np.ndarray,
    rng: np.random.Generator,
    out: np.ndarray,
) -> float:
    """First stage of one shower: f_em draw, preshower and ECAL signals, containments, lateral spill.
    ``shape``: its Bock constants (:func:`bock_shape`). Boundaries 0 and 1 of (bx0, blam) are the
    preshower's and the ECAL's ends. Writes ``out`` and returns f_em. Random numbers: f_em, PS, ECAL."""
    e = max(energy, p[P_FEM_E0])
    fem_mean = 1.0 - (e / p[P_FEM_E0]) ** (p[P_FEM_M] - 1.0)
    fem = min(max(fem_mean + p[P_FEM_RMS] * rng.standard_normal(), 0.0), 1.0)
    t_ps = _tail(shape, start_x0, start_lam, bx0[0], blam[0])
    t_ecal = _tail(shape, start_x0, start_lam, bx0[1], blam[1])
    e_ps = _response(energy * (1.0 - t_ps), fem, p[P_EH_ECAL], p[P_SAMP_ECAL], rng)
    e_ec = _response(energy * (t_ps - t_ecal), fem, p[P_EH_ECAL], p[P_SAMP_ECAL], rng)
    c_e = containment(x, y, p[P_HX_E], p[P_HY_E], p[P_LAT_E])
    c_h = containment(x, y, p[P_HX_H], p[P_HY_H], p[P_LAT_H])
    out[O_PS] = e_ps
    out[O_ECAL] = e_ec
    out[O_SPILL] = (e_ps + e_ec) * (1.0 - c_e)
    out[O_CE] = c_e
    out[O_CH] = c_h
    out[O_ESC] = t_ecal  # the tail at the ECAL's end, kept for the second stage
    inside = start_lam < blam[1]
    out[O_LEAVE] = energy * (t_ecal + (1.0 - t_ecal) * (1.0 - c_e)) if inside else 0.0
    return fem


@numba.njit(cache=True)
def shower_rest(
    energy: float,
    start_x0: float,
    start_lam: float,
    fem: float,
    p: np.ndarray,
    shape: tuple[float, float, float, float, float, float],
    bx0: np.ndarray,
    blam: np.ndarray,
    bkind: np.ndarray,
    rng: np.random.Generator,
    out: np.ndarray,
) -> None:
    """Second stage of one shower (after :func:`shower_ecal` filled ``out``, with the same ``shape``): the
    gaps and HCAL modules (boundaries 2.. of kind ``bkind``), the escaped energy. Random numbers: each
    module's signal."""
    c_h = out[O_CH]
    prev = out[O_ESC]
    loss = out[O_SPILL] * (1.0 - c_h)
    for j in range(2, bx0.shape[0]):
        cur = _tail(shape, start_x0, start_lam, bx0[j], blam[j])
        m = bkind[j]
        if m >= 0:
            e_h = _response(energy * (prev - cur), fem, p[P_EH_HCAL], p[P_SAMP_HCAL], rng)
            out[N_OUT_FIXED + m] = e_h
            loss += e_h * (1.0 - c_h)
        else:  # air gaps (and V2): dead material, counted as undetected
            loss += energy * (prev - cur)
        prev = cur
    out[O_ESC] = energy * prev + loss


@numba.njit(cache=True)
def showers(
    energy: np.ndarray,
    start_x0: np.ndarray,
    start_lam: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    p: np.ndarray,
    bx0: np.ndarray,
    blam: np.ndarray,
    bkind: np.ndarray,
    n_modules: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Both stages for every shower: (n, 7 + n_modules) in the output layout. Random numbers per shower,
    in order: f_em, PS, ECAL, each HCAL module."""
    n = energy.shape[0]
    out = np.zeros((n, N_OUT_FIXED + n_modules))
    for i in range(n):
        shape = bock_shape(energy[i], p)
        fem = shower_ecal(energy[i], start_x0[i], start_lam[i], x[i], y[i], p, shape, bx0, blam, rng, out[i])
        shower_rest(energy[i], start_x0[i], start_lam[i], fem, p, shape, bx0, blam, bkind, rng, out[i])
    return out


@numba.njit(cache=True)
def electronuclear(
    k: np.ndarray,
    x_lead: np.ndarray,
    start_lam: np.ndarray,
    start_x0: np.ndarray,
    lead_lam: np.ndarray,
    lead_x0: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    em_ecal: np.ndarray,
    ecal_max: float,
    p: np.ndarray,
    bx0: np.ndarray,
    blam: np.ndarray,
    bkind: np.ndarray,
    n_modules: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rest (k(1 − x)) and leading-hadron (k x) showers of electronuclear interactions, with the
    pre-filter between the stages: an event whose truth E_ECAL (``em_ecal`` of its e⁻ shower plus both
    showers' contained PS and ECAL signals) is not below ``ecal_max`` [GeV] stops after the first stage.
    Returns (rest (n, 7 + n_modules), lead (same), passed (n,)). Random numbers per event: the rest's
    first stage, the leading hadron's, then (if passed) the rest's modules and the leading hadron's."""
    n = k.shape[0]
    rest = np.zeros((n, N_OUT_FIXED + n_modules))
    lead = np.zeros((n, N_OUT_FIXED + n_modules))
    passed = np.zeros(n, np.bool_)
    for i in range(n):
        e_r = k[i] * (1.0 - x_lead[i])
        e_l = k[i] * x_lead[i]
        s_r = bock_shape(e_r, p)
        s_l = bock_shape(e_l, p)
        f_r = shower_ecal(e_r, start_x0[i], start_lam[i], x[i], y[i], p, s_r, bx0, blam, rng, rest[i])
        f_l = shower_ecal(e_l, lead_x0[i], lead_lam[i], x[i], y[i], p, s_l, bx0, blam, rng, lead[i])
        e_ecal = em_ecal[i]
        e_ecal += (rest[i, O_PS] + rest[i, O_ECAL]) * rest[i, O_CE]
        e_ecal += (lead[i, O_PS] + lead[i, O_ECAL]) * lead[i, O_CE]
        if e_ecal < ecal_max:
            passed[i] = True
            shower_rest(e_r, start_x0[i], start_lam[i], f_r, p, s_r, bx0, blam, bkind, rng, rest[i])
            shower_rest(e_l, lead_x0[i], lead_lam[i], f_l, p, s_l, bx0, blam, bkind, rng, lead[i])
    return rest, lead, passed
