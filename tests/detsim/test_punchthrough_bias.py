"""The Table IV sample of the punch-through process (``bias = "table_iv"``): only interactions within
reach of the signal box are generated (docs/backgrounds.md, "Biasing of the Table IV samples"). Events
outside that reach cannot enter the box, and the biased and unbiased samples agree where both have
statistics."""

from __future__ import annotations

import numpy as np
import pytest

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry, runs_from_preset
from darkmiss.detsim.background_config import BeamFractions, HadronicConfig
from darkmiss.detsim.hadron_escape import escape_probability_with_angle
from darkmiss.detsim.processes import hadronic as hproc
from darkmiss.detsim.processes import punchthrough as pt
from darkmiss.detsim.processes.base import ProcessContext
from darkmiss.errors import UserInputError

PRESET = load_preset("na64-2016")
SETUP = SetupGeometry.from_preset(PRESET)
RUNS = runs_from_preset(PRESET)
HCFG = HadronicConfig.from_preset(PRESET)
BEAM = BeamFractions.from_preset(PRESET)
CTX = ProcessContext(PRESET, SETUP, RUNS["I"], "mc", 100.0, {"trigger": "physics"})
BIASED = ProcessContext(PRESET, SETUP, RUNS["I"], "mc", 100.0, {"trigger": "physics", "bias": "table_iv"})


def _unbiased(n: int, seed: int) -> tuple[hproc.HadronicSystem, np.ndarray, hproc.HadronicBatch, np.ndarray]:
    """``n`` interactions above k_min, those with a leading hadron above punch_e_min forced to escape:
    the systems, their weights f_neutral · P_esc, the pre-filtered sums-level events and the pass mask."""
    rng = np.random.default_rng(seed)
    s = hproc.sample_system(n, rng, SETUP, HCFG, BEAM, 100.0, HCFG.k_min)
    s = s.select(s.k * s.x_lead > HCFG.punch_e_min)
    w = HCFG.leading_neutral_fraction * escape_probability_with_angle(
        SETUP, HCFG, s.k * s.x_lead, s.start_lambda
    )
    s.neutral_lead[:] = True
    s.lead_start_lambda[:] = np.inf
    b, passed = hproc.electronuclear_sums(s, rng, CTX, HCFG.prefilter_ecal_max)
    return s, w, b, passed


def test_box_missing_energy_from_the_preset():
    # 100 GeV beam minus the truth box edges of box-only storage: 50 + 4 (E_ECAL) + 2 (HCAL1+2)
    assert pt.box_missing_min(CTX) == pytest.approx(44.0)


def test_events_out_of_reach_cannot_reach_the_box():
    """Unbiased punch-through events (every leading neutral above punch_e_min escapes): none outside
    :func:`box_reach` comes near the box's truth edges (E_ECAL + HCAL1+2 < 56 GeV), and the actual
    missing energy stays below E_lead + μ + 2σ of the reach model, half its margin REACH_N_SIGMA = 4."""
    s, _, b, passed = _unbiased(150_000, 5)
    sp = s.select(passed)
    e_ecal, _, hcal = b.energies()
    vis = e_ecal + hcal[:, :2].sum(axis=1)
    out = ~pt.box_reach(sp, CTX, HCFG)
    assert out.sum() > 20_000
    # the least visible event out of reach keeps > 56 GeV + 3 GeV (σ of the HCAL sampling term at 56 GeV)
    assert vis[out].min() > 100.0 - pt.box_missing_min(CTX) + 3.0
    e_lead = sp.k * sp.x_lead
    two_sigma = pt.missing_energy_reach(sp.k, e_lead, 100.0, HCFG, n_sigma=2.0)
    assert np.all(100.0 - vis <= two_sigma)


def test_biased_and_unbiased_samples_agree():
    """With a lower required missing energy (25 GeV, so that the unbiased sample has statistics in reach):
    rate and weighted mean E_ECAL of the biased sample vs the unbiased events in reach, within 4σ of the
    unbiased sample's effective count n_eff = (Σw)²/Σw²."""
    n = 150_000
    s, w, b, passed = _unbiased(n, 7)
    sel = pt.box_reach(s, CTX, HCFG, missing_min=25.0)[passed]
    wp = w[passed][sel]
    n_eff = wp.sum() ** 2 / (wp**2).sum()
    assert n_eff > 30
    rate_u = wp.sum() / n
    e_u = np.average(b.energies()[0][sel], weights=wp)

    prob, _ = pt._reach_rate_sample(CTX, missing_min=25.0)
    assert prob == pytest.approx(rate_u, rel=4 / np.sqrt(n_eff))
    tb = pt.build_in_reach(400, np.random.default_rng(8), CTX, missing_min=25.0)
    e_b = np.average((tb.ecal + tb.ps).sum(axis=(1, 2)), weights=tb.weight)
    spread = np.sqrt(np.average((b.energies()[0][sel] - e_u) ** 2, weights=wp))
    assert e_b == pytest.approx(e_u, abs=4 * spread / np.sqrt(min(n_eff, 400)) + 1.0)


def test_biased_sample_has_much_smaller_weights():
    """Largest event weight per EOT (rate / N × relative weight) of 300 events: the Table IV sample's is
    ≥ 100× smaller than the unbiased one's (the box's 90 % CL limit is 2.303 × the largest weight)."""
    n = 300
    rng = np.random.default_rng(9)
    w_unb = pt.PROCESS.rate(CTX).per_eot / n * pt.PROCESS.generate(n, rng, CTX).weight.max()
    w_bias = pt.PROCESS.rate(BIASED).per_eot / n * pt.PROCESS.generate(n, rng, BIASED).weight.max()
    assert w_bias * 100 <= w_unb


def test_a_box_out_of_reach_is_refused_not_drawn_forever():
    # 150 GeV of missing energy is more than a 100 GeV beam has: no interaction reaches such a box
    with pytest.raises(UserInputError, match="punch-through sample can reach"):
        pt.build_in_reach(10, np.random.default_rng(0), BIASED, missing_min=150.0)
