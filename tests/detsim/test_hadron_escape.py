"""Neutral-hadron punch-through and lateral escape (darkmiss.detsim.hadron_escape, spec Sec. VIII)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.detsim import hadron_escape as esc
from darkmiss.detsim.background_config import HadronicConfig

PRESET = load_preset("na64-2016")
SETUP = SetupGeometry.from_preset(PRESET)
HCFG = HadronicConfig.from_preset(PRESET)


def test_total_depth_about_30_lambda():
    # spec Sec. III/VIII: ECAL + HCAL ~ 30 lambda_int; HCAL module ~ 7 lambda_int
    assert esc.total_lambda(SETUP) == pytest.approx(30.0, rel=0.1)
    assert SETUP.hcal.total_lambda == pytest.approx(7.0, rel=0.1)


@given(st.floats(0.0, 40.0), st.floats(0.0, 40.0))
def test_punchthrough_exponential(l1, l2):
    p = esc.punchthrough_probability
    assert float(p(l1 + l2)) == pytest.approx(float(p(l1)) * float(p(l2)), rel=1e-9)
    assert float(p(max(l1, l2))) <= float(p(min(l1, l2)))


def test_lambda_profile_ends_at_total_depth():
    z, lam = esc.lambda_profile_cm(SETUP)
    assert np.all(np.diff(z) > 0) and np.all(np.diff(lam) >= 0)
    # the air gaps add < 1e-3 lambda_int to the calorimeters' depth
    assert lam[-1] == pytest.approx(esc.total_lambda(SETUP), abs=1e-3)


@given(st.floats(0.0, 1.5), st.floats(1.0, 100.0))
def test_escape_probability_bounds(start, energy):
    back = float(esc.punchthrough_probability(esc.total_lambda(SETUP) - start))
    pe = float(esc.escape_probability_with_angle(SETUP, HCFG, np.array([energy]), np.array([start]))[0])
    # lateral escape can only add to the exp(-L/lambda) punch-through; soft hadrons escape sideways more
    # (1e-3: the air gaps, ~6e-4 lambda_int, are in the path but not in total_lambda)
    assert back * (1 - 1e-3) <= pe <= 1.0
    pe_hard = float(esc.escape_probability_with_angle(SETUP, HCFG, np.array([1e6]), np.array([start]))[0])
    assert pe_hard == pytest.approx(back, rel=1e-3)
    assert pe >= pe_hard * (1 - 1e-6)
