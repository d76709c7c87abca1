"""Pile-up removal on the ECAL MSADC waveforms (spec Sec. VI.A).

Each cell's 32 samples (12.5 ns) are fitted with a sum of shaped pulses: the largest residual
peak is located, its time found by a template scan (0.25 ns grid around the peak sample, then a
parabolic refinement), the amplitudes of all pulses refitted jointly by linear least squares, and
the search repeated while a significant residual peak remains. The pulse closest to the expected
(trigger) time is the cell's signal; the neighbouring pulses are pile-up and are subtracted.
Cells whose in-time energy exceeds 1 GeV must have that pulse within ±2 ns of the trigger time
(spec Sec. VI.A), otherwise the event fails the ECAL timing requirement.

Pulse shape: the CR-(RC)² shaper response t² e^{−t/τ}/(2τ³) after the pulse start, sampled at
the bin centres and calibrated so that an in-time pulse sums to its energy — the convention of
detsim/waveforms.py (τ and the window start come from ``[detector.ecal]`` when the preset has
it, else from ``[analysis.pileup]``). Times are pulse *start* times relative to the trigger.
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np

from darkmiss.events.schema import N_WAVEFORM_SAMPLES, WAVEFORM_SAMPLE_NS
from darkmiss.reco.config import PileupConfig


@numba.njit(cache=True)
def _shape(dt_ns: float, tau: float) -> float:
    """CR-(RC)² pulse t² e^{−t/τ}/(2τ³) at ``dt_ns`` after the pulse start (unit integral)."""
    if dt_ns <= 0.0:
        return 0.0
    x = dt_ns / tau
    return x * x * np.exp(-x) / (2.0 * tau)


@numba.njit(cache=True)
def _template(t_start: float, tau: float, t0: float, dt: float, ns: int, out: np.ndarray) -> None:
    """Uncalibrated samples (taken at the bin centres) of a unit pulse starting at ``t_start`` [ns]."""
    for k in range(ns):
        out[k] = _shape(t0 + (k + 0.5) * dt - t_start, tau) * dt


def _calibration(cfg: PileupConfig) -> float:
    tmp = np.zeros(N_WAVEFORM_SAMPLES)
    _template(0.0, cfg.pulse_tau_ns, cfg.window_start_ns, WAVEFORM_SAMPLE_NS, N_WAVEFORM_SAMPLES, tmp)
    return 1.0 / float(tmp.sum())


def pulse_samples(energy: float, t_start: float, cfg: PileupConfig) -> np.ndarray:
    """The 32 calibrated samples [GeV/sample] of a pulse of ``energy`` [GeV] starting at ``t_start`` [ns].

    Calibrated so that an in-time pulse (start at the trigger time 0) sums to its energy, the
    convention of the detector simulation (detsim/waveforms.py).
    """
    out = np.zeros(N_WAVEFORM_SAMPLES)
    _template(
        float(t_start), cfg.pulse_tau_ns, cfg.window_start_ns, WAVEFORM_SAMPLE_NS, N_WAVEFORM_SAMPLES, out
    )
    return energy * out * _calibration(cfg)


#: Version of the fit, part of the analysis stage's key in ``reproduce`` (stage keys do not include the
#: code), so that an analysis made by older code is made again. 2: a new pulse is accepted by its
#: amplitude at the best position of the scan, not at the scan's last position.
FIT_VERSION = 2

#: Resolution of the pulse-time grid of the fit [ns].
TIME_STEP_NS = 0.25


# The kernels below write their array operations as loops (sums and maxima in index order, as numpy's):
# numba compiles each array method or slice assignment from its library on first use, ~2 s of the fit's
# compilation on a cold cache.


@numba.njit(cache=True)
def _sum(a):
    """Σ a[k] in index order."""
    s = 0.0
    for k in range(a.shape[0]):
        s += a[k]
    return s


@numba.njit(cache=True)
def _make_table(tau, t0, dt, ns, step, tmin, ntab):
    table = np.zeros((ntab, ns))
    tmp = np.zeros(ns)
    _template(0.0, tau, t0, dt, ns, tmp)
    calib = 1.0 / _sum(tmp)
    for i in range(ntab):
        _template_row(table, i, tmin + i * step, tau, t0, dt, calib, tmp)
    return table


@numba.njit(cache=True)
def _solve_into(A, b, n, M, x):
    """Gaussian elimination with partial pivoting for the tiny normal equations ``A[:n,:n] x = b[:n]``,
    into the work arrays ``M`` (a copy of A) and ``x`` (the solution)."""
    for r in range(n):
        x[r] = b[r]
        for c in range(n):
            M[r, c] = A[r, c]
    for c in range(n):
        p = c
        for r in range(c + 1, n):
            if abs(M[r, c]) > abs(M[p, c]):
                p = r
        if p != c:
            for k in range(n):
                tmp = M[c, k]
                M[c, k] = M[p, k]
                M[p, k] = tmp
            tmp = x[c]
            x[c] = x[p]
            x[p] = tmp
        for r in range(c + 1, n):
            f = M[r, c] / M[c, c]
            for k in range(c, n):
                M[r, k] -= f * M[c, k]
            x[r] -= f * x[c]
    for c in range(n - 1, -1, -1):
        s = x[c]
        for k in range(c + 1, n):
            s -= M[c, k] * x[k]
        x[c] = s / M[c, c]


@numba.njit(cache=True)
def _work(max_pulses):
    """Work arrays of the least-squares fits of one cell: A, b, M, x (sized for ``max_pulses``)."""
    m = max(max_pulses, 1)
    return np.empty((m, m)), np.empty(m), np.empty((m, m)), np.empty(m)


@numba.njit(cache=True)
def _dot_w(rows, r, w):
    """Σ_k rows[r, k] w[k]: a right-hand side of the normal equations."""
    s = 0.0
    for k in range(w.shape[0]):
        s += rows[r, k] * w[k]
    return s


@numba.njit(cache=True)
def _dot_rows(rows, r1, r2, ns):
    """Σ_k rows[r1, k] rows[r2, k]: an entry of the normal-equation matrix."""
    s = 0.0
    for k in range(ns):
        s += rows[r1, k] * rows[r2, k]
    return s


@numba.njit(cache=True)
def _chi2_of(w, rows, idx, n, x):
    """χ² of waveform ``w`` minus the pulses ``rows[idx[:n]]`` with amplitudes ``x``."""
    c = 0.0
    for k in range(w.shape[0]):
        d = w[k]
        for i in range(n):
            d -= x[i] * rows[idx[i], k]
        c += d * d
    return c


@numba.njit(cache=True)
def _chi2_joint(w, rows, idx, n, amps, work):
    """Least-squares amplitudes of the pulse templates ``rows[idx[:n]]`` for waveform ``w``; returns χ².

    ``work`` = :func:`_work` arrays (no allocation per call: the fits run hundreds of times per cell)."""
    A, b, M, x = work
    ns = w.shape[0]
    for i in range(n):
        b[i] = _dot_w(rows, idx[i], w)
        for j in range(i, n):
            s = _dot_rows(rows, idx[i], idx[j], ns)
            A[i, j] = s
            A[j, i] = s
        A[i, i] += 1e-9
    _solve_into(A, b, n, M, x)
    for i in range(n):
        amps[i] = x[i]
    return _chi2_of(w, rows, idx, n, x)


@numba.njit(cache=True)
def _dots4(table, p0, p1, p2, p3, w):
    """Σ_k table[p_q, k] w[k] for the four rows p0…p3: four sums of :func:`_dot_w` (or, with ``w`` a row
    of the table, of :func:`_dot_rows`), each in its own order (bit for bit the same), side by side so
    that the four chains of additions overlap."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for k in range(w.shape[0]):
        u = w[k]
        s0 += table[p0, k] * u
        s1 += table[p1, k] * u
        s2 += table[p2, k] * u
        s3 += table[p3, k] * u
    return s0, s1, s2, s3


@numba.njit(cache=True)
def _norms4(table, p0, p1, p2, p3):
    """Σ_k table[p_q, k]² for the four rows p0…p3 (:func:`_dot_rows` of a row with itself), side by side."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    for k in range(table.shape[1]):
        a0 = table[p0, k]
        a1 = table[p1, k]
        a2 = table[p2, k]
        a3 = table[p3, k]
        s0 += a0 * a0
        s1 += a1 * a1
        s2 += a2 * a2
        s3 += a3 * a3
    return s0, s1, s2, s3


@numba.njit(cache=True)
def _chi2s4(w, table, idx, n, j, p0, p1, p2, p3, xs):
    """χ² of :func:`_chi2_of` for the four fits where pulse ``j`` sits at p0…p3 (amplitudes ``xs[q]``),
    side by side, each with its own sums in :func:`_chi2_of`'s order."""
    c0 = 0.0
    c1 = 0.0
    c2 = 0.0
    c3 = 0.0
    for k in range(w.shape[0]):
        d0 = w[k]
        d1 = d0
        d2 = d0
        d3 = d0
        for i in range(n):
            if i == j:
                d0 -= xs[0, i] * table[p0, k]
                d1 -= xs[1, i] * table[p1, k]
                d2 -= xs[2, i] * table[p2, k]
                d3 -= xs[3, i] * table[p3, k]
            else:
                t = table[idx[i], k]
                d0 -= xs[0, i] * t
                d1 -= xs[1, i] * t
                d2 -= xs[2, i] * t
                d3 -= xs[3, i] * t
        c0 += d0 * d0
        c1 += d1 * d1
        c2 += d2 * d2
        c3 += d3 * d3
    return c0, c1, c2, c3


@numba.njit(cache=True)
def _best_position(w, table, idx, n, j, lo, hi, stride, amps, work):
    """Scan pulse ``j``'s table index over [lo, hi) with ``stride``; keep the lowest χ² with amplitudes ≥ 0.

    Each position is the fit of :func:`_chi2_joint`; the normal-equation entries of the other pulses do
    not change along the scan and are computed once, with the same sums, so every χ² and amplitude is
    the one :func:`_chi2_joint` gives. The positions go four at a time: their sums side by side
    (:func:`_dots4`, :func:`_norms4`, :func:`_chi2s4`), then their solutions and comparisons one after the
    other, in the scan's order. ``amps`` holds the best position's amplitudes (unchanged when no
    position has all amplitudes ≥ 0): the acceptance of a new pulse in :func:`fit_cell` reads them."""
    A, b, M, x = work
    ns = w.shape[0]
    for i in range(n):
        if i == j:
            continue
        b[i] = _dot_w(table, idx[i], w)
        for i2 in range(i, n):
            if i2 == j:
                continue
            s = _dot_rows(table, idx[i], idx[i2], ns)
            A[i, i2] = s
            A[i2, i] = s
        A[i, i] += 1e-9
    best_c = 1e300
    best_i = -1
    keep = idx[j]
    bq = np.empty(4)
    aq = np.empty((n, 4))
    xs = np.zeros((4, n))
    pq = np.empty(4, dtype=np.int64)
    for first in range(lo, hi, 4 * stride):
        # the block's positions; past hi, the last one again (computed, not used)
        m = 0
        for q in range(4):
            pos = first + q * stride
            if pos < hi:
                pq[q] = pos
                m += 1
            else:
                pq[q] = pq[q - 1]
        p0, p1, p2, p3 = pq[0], pq[1], pq[2], pq[3]
        bq[0], bq[1], bq[2], bq[3] = _dots4(table, p0, p1, p2, p3, w)
        for i in range(n):
            if i == j:
                aq[i, 0], aq[i, 1], aq[i, 2], aq[i, 3] = _norms4(table, p0, p1, p2, p3)
            else:
                aq[i, 0], aq[i, 1], aq[i, 2], aq[i, 3] = _dots4(table, p0, p1, p2, p3, table[idx[i]])
        for q in range(m):
            b[j] = bq[q]
            for i in range(n):
                # the product of two samples is the same in either order, so A[i, j] is _chi2_joint's sum
                A[i, j] = aq[i, q]
                A[j, i] = aq[i, q]
            A[j, j] += 1e-9
            _solve_into(A, b, n, M, x)
            for i in range(n):
                xs[q, i] = x[i]
        c0, c1, c2, c3 = _chi2s4(w, table, idx, n, j, p0, p1, p2, p3, xs)
        for q in range(m):
            c = c0 if q == 0 else c1 if q == 1 else c2 if q == 2 else c3
            ok = True
            for i in range(n):
                if xs[q, i] < 0.0:
                    ok = False
            if ok and c < best_c:
                best_c = c
                best_i = pq[q]
                for i in range(n):
                    amps[i] = xs[q, i]
    if best_i < 0:
        idx[j] = keep
    else:
        idx[j] = best_i
    return best_i, best_c


@numba.njit(cache=True)
def _template_row(T, i, t_start, tau, t0, dt, calib, tmp):
    """Row ``i`` of ``T``: the calibrated unit pulse starting at ``t_start`` [ns] (via ``tmp``)."""
    ns = T.shape[1]
    _template(t_start, tau, t0, dt, ns, tmp)
    for k in range(ns):
        T[i, k] = tmp[k] * calib


@numba.njit(cache=True)
def _polish(w, times, amps, n, tau, t0, dt, step, work):
    """Refine every pulse time below the table grid: three parabolic steps of shrinking size.

    Each χ² is the joint fit (:func:`_chi2_joint`) of the pulses starting at continuous ``times``, with
    templates computed on the fly; a trial time of pulse j recomputes only j's template, the others
    are kept from their last change (the same values)."""
    ns = w.shape[0]
    tmp = np.empty(ns)
    _template(0.0, tau, t0, dt, ns, tmp)
    calib = 1.0 / _sum(tmp)
    T = np.empty((max(n, 1), ns))
    order = np.arange(max(n, 1))
    for i in range(n):
        _template_row(T, i, times[i], tau, t0, dt, calib, tmp)
    h = step
    for _it in range(3):
        for j in range(n):
            keep = times[j]
            _template_row(T, j, keep - h, tau, t0, dt, calib, tmp)
            cm = _chi2_joint(w, T, order, n, amps, work)
            _template_row(T, j, keep + h, tau, t0, dt, calib, tmp)
            cp = _chi2_joint(w, T, order, n, amps, work)
            _template_row(T, j, keep, tau, t0, dt, calib, tmp)
            c0 = _chi2_joint(w, T, order, n, amps, work)
            den = cm - 2.0 * c0 + cp
            if den > 0:
                off = 0.5 * h * (cm - cp) / den
                if off > h:
                    off = h
                if off < -h:
                    off = -h
                times[j] = keep + off
                _template_row(T, j, times[j], tau, t0, dt, calib, tmp)
        h *= 0.25
    _chi2_joint(w, T, order, n, amps, work)


@numba.njit(cache=True)
def _residual_max(w, times, amps, n, tau, t0, dt):
    """Largest sample of w minus the pulses (``times`` continuous, ``amps`` fitted)."""
    ns = w.shape[0]
    tmp = np.empty(ns)
    _template(0.0, tau, t0, dt, ns, tmp)
    calib = 1.0 / _sum(tmp)
    r = np.empty(ns)
    for k in range(ns):
        r[k] = w[k]
    for i in range(n):
        _template(times[i], tau, t0, dt, ns, tmp)
        for k in range(ns):
            r[k] -= amps[i] * tmp[k] * calib
    rmax = r[0]
    for k in range(1, ns):
        if r[k] > rmax:
            rmax = r[k]
    return rmax


@numba.njit(cache=True)
def _refine(w, table, idx, n, wide, amps, work, settled):
    """Two sweeps over the ``n`` pulses: each pulse's table index rescanned within ±``wide`` of its
    place (:func:`_best_position`, stride 1) with the others fixed.

    A pulse is settled when its last scan kept it in place and no pulse has moved since: its scan would
    see the same pulses and the same window and keep it again, so it is skipped (``settled``: work
    array of ≥ n flags). The indices come out as those of scanning every pulse twice; the amplitudes
    that the last scan leaves in ``amps`` may differ, and :func:`fit_cell` does not read them."""
    ntab = table.shape[0]
    one = np.int64(1)
    for j in range(n):
        settled[j] = False
    for _it in range(2):
        for j in range(n):
            if settled[j]:
                continue
            before = idx[j]
            lo = max(0, idx[j] - wide)
            hi = min(ntab, idx[j] + wide + 1)
            _best_position(w, table, idx, n, j, lo, hi, one, amps, work)
            if idx[j] != before:
                for i in range(n):
                    settled[i] = False
            else:
                settled[j] = True


@numba.njit(cache=True)
def fit_cell(
    w, table, tmin, step, min_frac, min_sample, max_pulses, t_expected, window_start, sample_ns, tau
):
    """Fit one cell's waveform ``w`` [GeV/sample] with up to ``max_pulses`` pulses from ``table``.

    ``table[i]`` is the unit pulse peaking at ``tmin + i*step`` [ns]. Returns (in-time energy
    [GeV], its peak time [ns], number of pulses).
    """
    ntab = table.shape[0]
    idx = np.zeros(max_pulses, dtype=np.int64)
    amps = np.zeros(max_pulses)
    work = _work(max_pulses)
    settled = np.zeros(max_pulses, dtype=np.bool_)
    wmax = 0.0
    for k in range(w.shape[0]):
        if w[k] > wmax:
            wmax = w[k]
    if wmax <= 0.0:
        return 0.0, t_expected, 0
    coarse = max(1, int(2.5 / step))
    fine = coarse
    wide = int(4.0 / step)
    dt = sample_ns
    peak_delay = 2.0 * tau
    # integers typed int64 from the start: numba compiles a callee once per argument type it meets while
    # typing, and a literal 0 or 1 passed on (or held by n before n += 1) is a type of its own (Literal[int])
    zero = np.int64(0)
    one = np.int64(1)
    n = zero
    thr = max(min_sample, min_frac * wmax)
    r = np.empty(w.shape[0])
    for k in range(w.shape[0]):
        r[k] = w[k]
    while n < max_pulses:
        if n > 0:
            # stop when no significant residual peak is left
            _chi2_joint(w, table, idx, n, amps, work)
            for k in range(w.shape[0]):
                d = w[k]
                for i in range(n):
                    d -= amps[i] * table[idx[i], k]
                r[k] = d
        kmax = 0
        for k in range(w.shape[0]):
            if r[k] > r[kmax]:
                kmax = k
        if n > 0 and r[kmax] < thr:
            break
        # a pulse whose largest sample is k starts about 2τ (its peak delay) ± 20 ns before that sample
        t_k = window_start + (kmax + 0.5) * dt
        lo = max(0, int((t_k - peak_delay - 20.0 - tmin) / step))
        if kmax == 0:
            lo = int(zero)  # the tail of a pulse that started before the window
        hi = min(ntab, int((t_k - peak_delay + 20.0 - tmin) / step) + 1)
        if hi <= lo:
            lo, hi = int(zero), ntab
        bi, _bc = _best_position(w, table, idx, n + 1, n, lo, hi, coarse, amps, work)
        if bi < 0:
            bi, _bc = _best_position(w, table, idx, n + 1, n, zero, ntab, coarse, amps, work)
        if bi < 0:
            break
        lo = max(0, bi - fine)
        hi = min(ntab, bi + fine + 1)
        bi, _bc = _best_position(w, table, idx, n + 1, n, lo, hi, one, amps, work)
        if bi < 0:
            break
        peak = 0.0
        for k in range(w.shape[0]):
            if table[bi, k] > peak:
                peak = table[bi, k]
        if n > 0 and amps[n] * peak < thr:
            break
        n += 1
        if n > 1:
            _refine(w, table, idx, n, wide, amps, work, settled)
    if n == 0:
        return 0.0, t_expected, 0
    times = np.empty(n)
    for i in range(n):
        times[i] = tmin + idx[i] * step
    if n > 1:
        # below the grid: parabolic refinement of each time on the continuous template
        _polish(w, times, amps, n, tau, window_start, sample_ns, step, work)
        # drop pulses that only absorbed the grid mismatch: removing the smallest one must leave
        # no significant residual peak
        while n > 1:
            j = 0
            for i in range(1, n):
                if amps[i] < amps[j]:
                    j = i
            trial = np.empty(n - 1)
            m = 0
            for i in range(n):
                if i != j:
                    trial[m] = times[i]
                    m += 1
            tamps = np.zeros(n - 1)
            _polish(w, trial, tamps, n - 1, tau, window_start, sample_ns, step, work)
            if _residual_max(w, trial, tamps, n - 1, tau, window_start, sample_ns) >= thr:
                break
            n -= 1
            for i in range(n):
                times[i] = trial[i]
                amps[i] = tamps[i]
    else:
        _chi2_joint(w, table, idx, n, amps, work)
    best = 0
    for i in range(1, n):
        if abs(times[i] - t_expected) < abs(times[best] - t_expected):
            best = i
    e = amps[best]
    if e < 0.0:
        e = 0.0
    return e, times[best], n


@numba.njit(cache=True)
def _remove_events(
    waves,
    has_wf,
    table,
    tmin,
    step,
    min_frac,
    min_sample,
    max_pulses,
    t_expected,
    fit_min,
    window_start,
    sample_ns,
    tau,
):
    n_ev = waves.shape[0]
    ny = waves.shape[1]
    nx = waves.shape[2]
    energy = np.zeros((n_ev, ny, nx))
    time = np.zeros((n_ev, ny, nx))
    npulse = np.zeros((n_ev, ny, nx), dtype=np.int16)
    w = np.empty(waves.shape[3])
    for e in range(n_ev):
        if not has_wf[e]:
            continue
        for iy in range(ny):
            for ix in range(nx):
                s = 0.0
                for j in range(w.shape[0]):
                    w[j] = waves[e, iy, ix, j]
                    s += w[j]
                if s < fit_min:
                    energy[e, iy, ix] = s
                    time[e, iy, ix] = t_expected
                    npulse[e, iy, ix] = 1 if s > 0 else 0
                    continue
                a, t, n = fit_cell(
                    w,
                    table,
                    tmin,
                    step,
                    min_frac,
                    min_sample,
                    max_pulses,
                    t_expected,
                    window_start,
                    sample_ns,
                    tau,
                )
                energy[e, iy, ix] = a
                time[e, iy, ix] = t
                npulse[e, iy, ix] = n
    return energy, time, npulse


def pulse_table(cfg: PileupConfig) -> tuple[np.ndarray, float, float]:
    """Unit-pulse templates on a grid of start times covering the readout window.

    Pulses may start up to 8τ before the window (their tail is in it). Returns (table
    (n_times, 32), first start time [ns], step [ns]).
    """
    tmin = cfg.window_start_ns - 8.0 * cfg.pulse_tau_ns
    tmax = cfg.window_start_ns + N_WAVEFORM_SAMPLES * WAVEFORM_SAMPLE_NS
    step = TIME_STEP_NS
    ntab = int((tmax - tmin) / step) + 1
    table = _make_table(
        cfg.pulse_tau_ns, cfg.window_start_ns, WAVEFORM_SAMPLE_NS, N_WAVEFORM_SAMPLES, step, tmin, ntab
    )
    return table, tmin, step


def fit_waveform(w: np.ndarray, cfg: PileupConfig) -> tuple[float, float, int]:
    """Fit one cell waveform (32 samples, GeV/sample): (in-time energy [GeV], time [ns], pulses)."""
    table, tmin, step = pulse_table(cfg)
    e, t, n = fit_cell(
        np.asarray(w, dtype=np.float64),
        table,
        tmin,
        step,
        cfg.peak_min_fraction,
        cfg.peak_min_sample,
        int(cfg.max_pulses),
        cfg.expected_time_ns,
        cfg.window_start_ns,
        WAVEFORM_SAMPLE_NS,
        cfg.pulse_tau_ns,
    )
    return float(e), float(t), int(n)


@dataclass
class PileupResult:
    """Per-cell result of the pile-up removal for ``n`` events.

    scale (n,6,6): in-time / total energy of each cell (1 where no waveform was fitted);
    time (n,6,6) [ns]: in-time pulse time; n_pulses (n,6,6); timing_ok (n,): every cell with
    in-time energy above the threshold has its pulse within the time window (Sec. VI.A).
    """

    scale: np.ndarray
    time: np.ndarray
    n_pulses: np.ndarray
    timing_ok: np.ndarray


def remove_pileup(
    waveforms: np.ndarray,
    has_waveforms: np.ndarray,
    cell_energy: np.ndarray,
    cell_time: np.ndarray,
    cfg: PileupConfig,
) -> PileupResult:
    """Pile-up removal (spec Sec. VI.A) for events ``waveforms`` (n,6,6,32) [GeV/sample].

    ``cell_energy`` (n,6,6) [GeV] and ``cell_time`` (n,6,6) [ns] serve events without waveforms
    (timing requirement applied to the stored cell time, no subtraction).
    """
    waves = np.ascontiguousarray(waveforms, dtype=np.float32)
    has = np.asarray(has_waveforms, dtype=np.bool_)
    table, tmin, step = pulse_table(cfg)
    e_fit, t_fit, npulse = _remove_events(
        waves,
        has,
        table,
        tmin,
        step,
        cfg.peak_min_fraction,
        cfg.peak_min_sample,
        int(cfg.max_pulses),
        cfg.expected_time_ns,
        cfg.fit_min_energy,
        cfg.window_start_ns,
        WAVEFORM_SAMPLE_NS,
        cfg.pulse_tau_ns,
    )
    total = waves.sum(axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(total > 0, e_fit / np.where(total > 0, total, 1.0), 1.0)
    scale = np.where(has[:, None, None], np.clip(scale, 0.0, 1.5), 1.0)
    time = np.where(has[:, None, None], t_fit, np.asarray(cell_time, dtype=np.float64))
    e_in = np.where(has[:, None, None], e_fit, np.asarray(cell_energy, dtype=np.float64))
    big = e_in > cfg.cell_energy_threshold
    late = np.abs(time - cfg.expected_time_ns) > cfg.time_window_ns
    timing_ok = ~np.any(big & late, axis=(1, 2))
    return PileupResult(scale=scale, time=time, n_pulses=npulse, timing_ok=timing_ok)
