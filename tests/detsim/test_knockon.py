"""Knock-on (delta-ray) fake SRD tags (darkmiss.detsim.knockon, spec Sec. III, VIII)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.config.load import load_preset
from darkmiss.detsim import knockon as ko
from darkmiss.detsim.background_config import KnockOnConfig

PRESET = load_preset("na64-2016")


def _with_window(thickness_cm: float) -> KnockOnConfig:
    k = dict(PRESET.data["backgrounds"]["knockon"])
    return KnockOnConfig.from_preset(
        PRESET.with_overrides({"backgrounds": {"knockon": {**k, "window_thickness_cm": thickness_cm}}})
    )


def test_knockon_tag_probability_matches_spec():
    # spec Sec. IV: the SRD pion suppression factor is < 1e-5
    p = ko.knockon_tag_probability(KnockOnConfig.from_preset(PRESET))
    assert 1e-6 < p <= 1.2e-5


def test_knockon_tag_probability_closed_form():
    # PDG Eq. 34.6 integrated above T_min: (K/2)(Z/A) rho x / T_min for 1 mm Al (Z/A = 13/26.98,
    # rho = 2.699 g/cm3), K = 0.307075 MeV cm2/g, T_min = 20 MeV, times the 1e-2 pattern probability
    cfg = KnockOnConfig.from_preset(PRESET)
    expected = 0.5 * 0.307075 * (13 / 26.9815) * 2.699 * 0.1 / 20.0 * 1e-2
    assert ko.knockon_tag_probability(cfg) == pytest.approx(expected, rel=1e-3)


@given(st.floats(0.01, 1.0), st.floats(1.1, 3.0))
def test_knockon_monotone_in_window(thick, factor):
    p1 = ko.knockon_tag_probability(_with_window(thick))
    p2 = ko.knockon_tag_probability(_with_window(thick * factor))
    assert 0 <= p1 <= p2


def test_knockon_sr_energies():
    cfg = KnockOnConfig.from_preset(PRESET)
    e = ko.sample_knockon_sr(5000, np.random.default_rng(2), cfg)
    tot = e.sum(axis=1)
    assert e.shape == (5000, 3) and np.all(e > 0)
    assert np.all((tot >= cfg.t_min * (1 - 1e-12)) & (tot <= ko.T_MAX_GEV))
    # 1/T^2 on [T_min, T_max]: median 1/(1/T_min - (1/T_min - 1/T_max)/2) (closed form), 3% MC tolerance
    median = 1.0 / (1 / cfg.t_min - 0.5 * (1 / cfg.t_min - 1 / ko.T_MAX_GEV))
    assert np.median(tot) == pytest.approx(median, rel=0.03)
