"""Electronuclear pseudo-data at full rate: the three paths, the summary readout, unit weights
(detsim.processes.hadronic, detsim.fastpath, TruthBatch.unweighted)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import gammaincc

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry, runs_from_preset
from darkmiss.detsim import hadron_kernels as hk
from darkmiss.detsim.background_config import HadronicConfig
from darkmiss.detsim.digitize import DigitizerConfig
from darkmiss.detsim.fastpath import CUTFLOW_CUTS, SummaryCounts, SummaryCuts, summary_readout
from darkmiss.detsim.hadron_shower import bock_cdf_beyond, hadron_sums
from darkmiss.detsim.processes import hadronic as hproc
from darkmiss.detsim.processes.base import ProcessContext
from darkmiss.detsim.truth import TruthBatch

PRESET = load_preset("na64-2016")
SETUP = SetupGeometry.from_preset(PRESET)
RUNS = runs_from_preset(PRESET)
HCFG = HadronicConfig.from_preset(PRESET)


def _ctx(mode: str = "data", run: str = "III", **options) -> ProcessContext:
    return ProcessContext(PRESET, SETUP, RUNS[run], mode, 100.0, {"trigger": "physics", **options})


def test_compiled_incomplete_gamma_is_scipys():
    rng = np.random.default_rng(1)
    a = rng.uniform(0.5, 2.5, 2000)
    x = rng.uniform(0.0, 80.0, 2000) * rng.random(2000) ** 2
    ours = np.array([hk.gamma_q(ai, xi) for ai, xi in zip(a, x, strict=True)])
    assert np.max(np.abs(ours - gammaincc(a, x))) < 1e-12


def test_compiled_bock_tail_is_the_numpy_one():
    p = np.zeros(hk.N_PARAMS)
    p[hk.P_A0], p[hk.P_A1], p[hk.P_B] = HCFG.bock_a0, HCFG.bock_a1, HCFG.bock_b
    p[hk.P_D0], p[hk.P_D1], p[hk.P_W] = HCFG.bock_d0, HCFG.bock_d1, HCFG.bock_w
    for e, dx0, dl in [(5.0, 3.0, 0.4), (50.0, 20.0, 1.2), (90.0, 150.0, 9.0)]:
        ref = float(bock_cdf_beyond(np.array([e]), np.array([dx0]), np.array([dl]), HCFG)[0])
        assert hk.bock_tail(e, 0.0, 0.0, dx0, dl, p) == pytest.approx(ref, rel=1e-10, abs=1e-14)


def test_v2_sees_the_energy_leaving_the_ecal_sideways():
    # a shower starting at the ECAL face, contained in depth: with a lateral scale far beyond the 23 cm
    # ECAL almost all of it leaves sideways, crosses V2 and fires it (spec Sec. VIII: V2 covers 35 cm)
    wide = HadronicConfig(**{**HCFG.__dict__, "lateral_lambda_fraction": 5.0})
    n = 400
    s = hadron_sums(
        np.full(n, 30.0), np.zeros(n), np.zeros(n), np.zeros(n), SETUP, wide, np.random.default_rng(2)
    )
    assert np.mean(s.leaving > 0.8 * 30.0 * 0.5) > 0.9
    assert np.mean(s.v2 > 1.0) > 0.99


def test_paths_split_every_event_once_and_respect_the_limits():
    ctx = _ctx()
    b = hproc.draw_prefiltered(20000, np.random.default_rng(3), ctx)
    full, fast, summ = hproc.split_paths(b, hproc.FastPathConfig.from_preset(PRESET))
    assert np.all(full.astype(int) + fast.astype(int) + summ.astype(int) == 1)
    e_ecal, _, _hcal = b.energies()
    assert np.all(e_ecal < HCFG.prefilter_ecal_max)
    # the summary path holds only events that fire V2 whatever the noise and the pile-up
    assert np.all(b.had.v2[summ] >= 1.0)
    # the fast path holds the events that may pass V2 (the validation region) or the dimuon selection
    assert 0.005 < fast.mean() < 0.1 and summ.mean() > 0.9


def test_summary_readout_counts_and_round_trip(tmp_path):
    ctx = _ctx()
    rng = np.random.default_rng(4)
    b = hproc.draw_prefiltered(3000, rng, ctx)
    st = hproc.summary_truth(b, rng, ctx)
    c = summary_readout(
        st, RUNS["III"], DigitizerConfig.from_preset(PRESET), SummaryCuts.from_preset(PRESET), rng
    )
    seq = [c.cutflow[k] for k in CUTFLOW_CUTS]
    assert c.n_events == 3000 and all(a >= b for a, b in zip([c.n_events, *seq], seq, strict=False))
    # the pre-filter is looser than the trigger (85 vs 80 GeV, in-gate pile-up): a part fails it
    assert 0.3 < c.cutflow["trigger"] / c.n_events <= 1.0
    # Fig. 7 holds the triggered, loosely SRD-tagged events (>~ 90% of the triggered ones)
    assert 0.85 * c.cutflow["trigger"] < c.fig7.sum() <= c.cutflow["trigger"]
    back = SummaryCounts.read(c.write(tmp_path / "x.summary.npz"))
    assert back.run == "III" and back.cutflow == c.cutflow and np.array_equal(back.fig7, c.fig7)
    both = back.add(c)
    assert both.n_events == 6000 and both.fig7.sum() == 2 * c.fig7.sum()


def test_unweighting_keeps_the_expected_content():
    t = TruthBatch.empty(20000)
    w = np.random.default_rng(5).exponential(1.0, 20000)  # relative weights with mean 1, some above 1
    t.weight[:] = w
    t.ecal[:, 0, 0] = np.arange(20000)  # event identity
    u = t.unweighted(np.random.default_rng(6))
    assert np.all(u.weight == 1.0)
    # Poisson-like count: n = sum w within 5 sigma (sigma^2 <= sum w)
    assert abs(u.n - w.sum()) < 5 * np.sqrt(w.sum())
    # an event of weight w appears w times on average: a weighted mean is preserved
    x = t.ecal[:, 0, 0]
    assert u.ecal[:, 0, 0].mean() == pytest.approx((w * x).sum() / w.sum(), rel=0.02)
    assert TruthBatch.empty(3).unweighted(np.random.default_rng(7)).n == 3  # unit weights untouched
