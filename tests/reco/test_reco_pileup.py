"""Pile-up removal (spec Sec. VI.A) on synthetic MSADC waveforms."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.config.load import load_preset
from darkmiss.detsim import waveforms as wf
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.pileup import fit_waveform, pulse_samples, remove_pileup

CFG = AnalysisConfig.from_preset(load_preset("na64-2016")).pileup


def test_template_is_the_simulation_pulse():
    # the analysis template must be the detector simulation's pulse (detsim/waveforms.py)
    wcfg = wf.WaveformConfig.from_preset(load_preset("na64-2016"))
    times = np.array([-60.0, 0.0, 3.3, 120.0])
    ours = np.stack([pulse_samples(1.0, t, CFG) for t in times])
    np.testing.assert_allclose(ours, wf.pulse_matrix(times, wcfg), atol=1e-12)


def test_in_time_pulse_sums_to_energy():
    assert pulse_samples(7.0, 0.0, CFG).sum() == pytest.approx(7.0, rel=1e-12)


@given(e=st.floats(0.5, 90.0), t=st.floats(-1.9, 1.9))
def test_single_pulse_energy_and_time(e, t):
    # a lone pulse is recovered exactly: energy to 0.5%, time to the 0.25 ns grid
    en, tt, n = fit_waveform(pulse_samples(e, t, CFG), CFG)
    assert n == 1
    assert en == pytest.approx(e, rel=5e-3)
    assert abs(tt - t) <= 0.26


@given(
    e=st.floats(1.0, 50.0),
    e_pu=st.floats(5.0, 100.0),
    dt=st.floats(50.0, 200.0),
    sign=st.sampled_from([-1, 1]),
)
def test_separated_pileup_pulse_is_subtracted(e, e_pu, dt, sign):
    # a pile-up pulse >= 50 ns away (4 samples) is fitted and removed: in-time energy within 2%.
    # If one of the two pulses is too small to be resolved next to the other, the cell is either
    # still measured right or flagged (a > 1 GeV pulse outside +-2 ns fails the timing cut).
    pu = pulse_samples(e_pu, sign * dt, CFG)
    sig = pulse_samples(e, 0.0, CFG)
    w = sig + pu
    en, tt, n = fit_waveform(w, CFG)
    thr = max(CFG.peak_min_sample, CFG.peak_min_fraction * w.max())
    if min(pu.max(), sig.max()) > 2 * thr:
        assert n >= 2
        assert en == pytest.approx(e, rel=0.02)
        assert abs(tt) <= CFG.time_window_ns
    else:
        measured = en == pytest.approx(e, rel=0.02) and abs(tt) <= CFG.time_window_ns
        rejected = en > CFG.cell_energy_threshold and abs(tt) > CFG.time_window_ns
        assert measured or rejected


def test_timing_requirement_uses_the_2ns_window():
    n = 3
    w = np.zeros((n, 6, 6, 32), dtype=np.float32)
    w[0, 2, 2] = pulse_samples(5.0, 0.5, CFG)  # in time
    w[1, 2, 2] = pulse_samples(5.0, 8.0, CFG)  # > 1 GeV cell 8 ns late: fails
    w[2, 2, 2] = pulse_samples(5.0, 0.0, CFG)
    w[2, 0, 0] = pulse_samples(0.8, 8.0, CFG)  # late but below 1 GeV: allowed
    res = remove_pileup(w, np.ones(n, bool), w.sum(-1), np.zeros((n, 6, 6)), CFG)
    assert res.timing_ok.tolist() == [True, False, True]
    # without waveforms the stored cell time decides
    cells = np.zeros((2, 6, 6))
    cells[:, 2, 2] = 5.0
    times = np.zeros((2, 6, 6))
    times[1, 2, 2] = 3.0
    res2 = remove_pileup(np.zeros((2, 6, 6, 32), np.float32), np.zeros(2, bool), cells, times, CFG)
    assert res2.timing_ok.tolist() == [True, False]
    assert np.all(res2.scale == 1.0)


def test_scale_removes_pileup_fraction():
    w = np.zeros((1, 6, 6, 32), dtype=np.float32)
    w[0, 2, 2] = pulse_samples(10.0, 0.0, CFG) + pulse_samples(30.0, -120.0, CFG)
    res = remove_pileup(w, np.ones(1, bool), w.sum(-1), np.zeros((1, 6, 6)), CFG)
    assert res.scale[0, 2, 2] * w[0, 2, 2].sum() == pytest.approx(10.0, rel=0.01)


def test_zero_suppressed_cells_keep_their_cell_energy():
    # the simulation stores no samples for cells below its zero-suppression threshold
    # (production.toml): such cells keep the full-window cell energy and set no timing requirement
    w = np.zeros((1, 6, 6, 32), dtype=np.float32)
    w[0, 2, 2] = pulse_samples(20.0, 0.0, CFG)
    cells = np.zeros((1, 6, 6))
    cells[0, 2, 2] = 20.0
    cells[0, 0, 0] = 0.15  # zero-suppressed
    res = remove_pileup(w, np.ones(1, bool), cells, np.zeros((1, 6, 6)), CFG)
    assert res.scale[0, 0, 0] == 1.0
    assert res.scale[0, 2, 2] == pytest.approx(1.0, rel=1e-6)
    assert res.timing_ok[0]


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 3),
    stride=st.sampled_from([1, 7, 10]),
)
def test_scan_gives_the_fit_of_every_position(seed, n, stride):
    # the scan of one pulse's position keeps the other pulses' normal equations; it must choose the
    # position, χ² and amplitudes of refitting every position from scratch, bit for bit: the amplitudes
    # of the best position (the acceptance of a new pulse reads them), unchanged when no position fits
    from darkmiss.reco.pileup import _best_position, _chi2_joint, _work, pulse_table

    rng = np.random.default_rng(seed)
    table, _tmin, _step = pulse_table(CFG)
    w = sum(pulse_samples(rng.uniform(1, 80), rng.uniform(-150, 250), CFG) for _ in range(n))
    w = w + rng.normal(0.0, 0.002, w.size)
    idx = rng.integers(0, len(table), 3).astype(np.int64)
    j = int(rng.integers(0, n))
    lo = int(rng.integers(0, len(table) - 200))
    hi = lo + 200
    amps, work = np.zeros(3), _work(3)
    scan_idx = idx.copy()
    got = _best_position(w, table, scan_idx, n, j, lo, hi, stride, amps, work)
    best_c, best_i, ref_amps = 1e300, -1, np.zeros(3)
    for pos in range(lo, hi, stride):
        trial = idx.copy()
        trial[j] = pos
        c = _chi2_joint(w, table, trial, n, ref_amps, _work(3))
        if np.all(ref_amps[:n] >= 0.0) and c < best_c:
            best_c, best_i = c, pos
    assert got == (best_i, best_c)
    if best_i >= 0:
        trial = idx.copy()
        trial[j] = best_i
        _chi2_joint(w, table, trial, n, ref_amps, _work(3))
    else:
        ref_amps[:] = 0.0
    assert np.array_equal(amps[:n], ref_amps[:n])
    assert scan_idx[j] == (best_i if best_i >= 0 else idx[j])


@given(seed=st.integers(0, 2**32 - 1), n=st.integers(2, 3))
def test_refinement_skips_only_scans_that_would_change_nothing(seed, n):
    # the sweeps of fit_cell skip a pulse whose scan would see what its last one saw: the indices must
    # be those of scanning every pulse twice, bit for bit (the same fit); the pulses are close in time,
    # so that scans move them and unsettle the others
    from darkmiss.reco.pileup import _best_position, _refine, _work, pulse_table

    rng = np.random.default_rng(seed)
    table, tmin, step = pulse_table(CFG)
    t0 = rng.uniform(-80, 150)
    times = t0 + rng.uniform(0, 40, n)
    w = sum(pulse_samples(rng.uniform(1, 60), t, CFG) for t in times)
    w = w + rng.normal(0.0, 0.002, w.size)
    # starting indices near the true starts, off by up to ±6 ns
    idx = np.clip(((times + rng.uniform(-6, 6, n) - tmin) / step).astype(np.int64), 0, len(table) - 1)
    idx = np.concatenate([idx, np.zeros(3 - n, np.int64)])
    wide = int(4.0 / step)
    got = idx.copy()
    _refine(w, table, got, n, wide, np.zeros(3), _work(3), np.zeros(3, np.bool_))
    ref = idx.copy()
    for _sweep in range(2):
        for j in range(n):
            lo, hi = max(0, ref[j] - wide), min(len(table), ref[j] + wide + 1)
            _best_position(w, table, ref, n, j, lo, hi, 1, np.zeros(3), _work(3))
    assert np.array_equal(got, ref)
