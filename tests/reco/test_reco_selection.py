"""Selections, cut-flows, N−1 views, regions, shower shape, SRD and HCAL quantities."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, special

from darkmiss.config.load import Preset, load_preset
from darkmiss.errors import UserInputError
from darkmiss.reco import AnalysisConfig, Selection, blind_box, regions
from darkmiss.reco.config import SrdConfig
from darkmiss.reco.ecal import expected_ps_fraction
from darkmiss.reco.hcal import reconstruct_hcal
from darkmiss.reco.srd import srd_tag

PRESET = load_preset("na64-2016")
CFG = AnalysisConfig.from_preset(PRESET)


def test_preset_values_from_spec():
    # spec Sec. IV: box E_ECAL < 50, E_HCAL < 1; Sec. VI.A: 1 GeV / +-2 ns; Sec. VIII: Ke3 5 mrad
    assert (CFG.ecal_cut, CFG.hcal_cut) == (50.0, 1.0)
    assert (CFG.pileup.cell_energy_threshold, CFG.pileup.time_window_ns) == (1.0, 2.0)
    assert CFG.tracking.max_angle_in_mrad == 5.0
    assert (CFG.tracking.momentum, CFG.tracking.momentum_window) == (100.0, 2.0)
    assert CFG.validation_ecal == (1.0, 80.0) and CFG.validation_hcal_min == 10.0
    assert CFG.hcal_modules_in_ehcal == (1, 2)


def test_bad_preset_value_is_a_user_error():
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in PRESET.data.items()}
    data["analysis"] = dict(data["analysis"])
    data["analysis"]["hcal_modules_in_ehcal"] = [5]
    with pytest.raises(UserInputError, match="hcal_modules_in_ehcal"):
        AnalysisConfig.from_preset(Preset("bad", data))


@given(st.lists(st.tuples(st.booleans(), st.booleans(), st.booleans()), min_size=1, max_size=60))
def test_cutflow_and_minus_one_match_brute_force(rows):
    a = np.array(rows, dtype=bool)
    w = np.arange(1, len(rows) + 1, dtype=float)
    sel = Selection(len(rows))
    for i, name in enumerate("abc"):
        sel.add(name, a[:, i])
    cf = sel.cutflow(weights=w)
    assert cf.initial == w.sum()
    assert cf.sequential[0] == w[a[:, 0]].sum()
    assert cf.sequential[2] == w[a.all(axis=1)].sum()
    assert cf.minusone[1] == w[a[:, 0] & a[:, 2]].sum()
    assert cf.onecut[2] == w[a[:, 2]].sum()
    assert all(x >= y for x, y in zip(cf.sequential, cf.sequential[1:], strict=False))
    np.testing.assert_array_equal(sel.require(a=True, b=False), a[:, 0] & ~a[:, 1])


def test_unknown_cut_is_user_error():
    with pytest.raises(UserInputError):
        Selection(3).mask("nope")


@given(st.floats(-5, 120), st.floats(-1, 120))
def test_box_and_sidebands_partition_the_plane(e, h):
    r = regions(CFG)
    inside = [
        r[n].contains(np.array([e]), np.array([h]))[0] for n in ("signal_box", "sideband_A", "sideband_C")
    ]
    # every point with E_ECAL < cut or E_HCAL < cut is in exactly one of them
    expected = 1 if (e < CFG.ecal_cut or h < CFG.hcal_cut) else 0
    assert sum(inside) == expected
    assert not (
        r["signal_box"].contains(np.array([e]), np.array([h]))[0]
        and not blind_box(CFG).contains(np.array([e]), np.array([h]))[0]
    )


def test_ps_fraction_is_the_longo_profile_integral():
    # independent check: integrate the gamma profile b (bt)^(a-1) e^(-bt) / Gamma(a) over 0..t_PS
    e, t_ps = 20.0, 4.06
    b = CFG.ecal.profile_b
    a = b * (math.log(e / CFG.ecal.critical_energy) - 0.5) + 1
    val, _ = integrate.quad(lambda t: b * (b * t) ** (a - 1) * math.exp(-b * t) / special.gamma(a), 0, t_ps)
    assert expected_ps_fraction(np.array([e]), t_ps, CFG.ecal)[0] == pytest.approx(val, rel=1e-6)
    f = expected_ps_fraction(np.array([1.0, 10.0, 100.0]), t_ps, CFG.ecal)
    assert np.all(np.diff(f) < 0) and np.all((f > 0) & (f < 1))


def test_srd_tag_needs_all_three_counters_in_range_and_time():
    cfg = SrdConfig(energy_min=0.001, energy_max=0.2, time_window_ns=10.0)
    e = np.array([[0.02, 0.02, 0.02], [0.02, 0.0, 0.02], [0.02, 0.02, 0.5], [0.02, 0.02, 0.02]])
    t = np.array([[0, 1, -1], [0, 0, 0], [0, 0, 0], [0, 0, 15.0]])
    assert srd_tag(e, t, cfg).tolist() == [True, False, False, False]


def test_hcal_quantities():
    cells = np.zeros((2, 4, 3, 3))
    times = np.zeros((2, 4, 3, 3))
    cells[0, 0, 1, 1] = 3.0
    cells[0, 1, 1, 1] = 2.0
    cells[0, 3, 1, 1] = 4.0
    cells[1, 0, 0, 0] = 1.0
    cells[1, 0, 1, 1] = 1.0
    cells[1, 2, 0, 1] = 0.2  # below the cell threshold: not lateral energy, no time
    times[1, 0, 0, 0] = 10.0
    times[1, 2, 0, 1] = 50.0
    h = reconstruct_hcal(cells, times, (1, 2), 0.3)
    assert h.energy.tolist() == [5.0, 2.0]
    assert h.total.tolist() == pytest.approx([9.0, 2.2])
    assert h.lateral.tolist() == [0.0, 1.0]
    assert h.time_spread.tolist() == pytest.approx([0.0, 5.0])
