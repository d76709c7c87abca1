"""MSADC waveforms (spec Sec. III, VI.A)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.config.load import load_preset
from darkmiss.detsim.waveforms import (
    WaveformConfig,
    build_waveforms,
    in_window_fraction,
    pulse_matrix,
    pulse_peak_time,
    pulse_samples,
)
from darkmiss.errors import UserInputError

CFG = WaveformConfig.from_preset(load_preset("na64-2016"))


def test_pulse_is_about_100ns_and_calibrated():
    p = pulse_samples(0.0, CFG)
    assert p.sum() == pytest.approx(1.0, rel=1e-12)
    # spec Sec. III: shaper stretches the pulse to ~100 ns -> >95% of the charge within 8 samples
    k0 = CFG.trigger_sample
    assert p[k0 : k0 + 8].sum() > 0.95
    assert p[:k0].sum() == 0.0  # causal


@given(t=st.floats(-150.0, 280.0))
def test_vectorised_matches_kernel(t):
    assert np.allclose(pulse_matrix(np.array([t]), CFG)[0], pulse_samples(t, CFG), atol=1e-12)


def test_out_of_window_pulses_are_partially_collected():
    f = in_window_fraction(np.array([-250.0, -60.0, 0.0, 250.0, 310.0]), CFG)
    assert f[0] < 0.01 and f[-1] == 0.0
    assert 0.0 < f[1] < 1.0 and 0.0 < f[3] < 1.0
    assert f[2] == pytest.approx(1.0)


def test_overlay_adds_pileup_pulses_with_their_times():
    cells = np.zeros((2, 6, 6))
    cells[:, 2, 2] = 10.0
    pu_cells = np.zeros((1, 6, 6))
    pu_cells[0, 2, 3] = 50.0
    w = build_waveforms(cells, np.zeros(2), CFG, np.array([1]), pu_cells, np.array([120.0]))
    assert w[0].sum() == pytest.approx(10.0)
    assert w[1, 2, 2].sum() == pytest.approx(10.0)
    assert w[1, 2, 3].sum() == pytest.approx(50.0 * in_window_fraction(np.array([120.0]), CFG)[0])
    # the pile-up pulse is found near its time (MSADC peak estimate within one sample)
    assert pulse_peak_time(w, CFG)[1, 2, 3] == pytest.approx(120.0, abs=CFG.sample_ns)


def test_bad_waveform_preset():
    bad = load_preset("na64-2016").with_overrides({"detector": {"ecal": {"trigger_sample": 99}}})
    with pytest.raises(UserInputError):
        WaveformConfig.from_preset(bad)
