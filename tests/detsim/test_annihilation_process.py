"""The ``annihilation`` process of the setup simulation: weighted MC of forced resonant annihilation
of shower positrons (darkmiss.detsim.processes.annihilation) at the rate of the forced yield."""

from __future__ import annotations

import numpy as np
import pytest

import darkmiss.detsim.generate as gen
from darkmiss.config.load import load_preset
from darkmiss.events.io import read_events
from darkmiss.events.schema import Process

SMALL = load_preset("na64-2016").with_overrides(
    {"production": {"prefilter_cuts": {"rate_sample_events": 300}, "weighted_events": {"annihilation": 40}}}
)


def test_annihilation_weighted_mc(tmp_path):
    s = gen.simulate(SMALL, "I", "mc", tmp_path, processes=["annihilation"], mass=0.25, epsilon=1e-4, seed=4)
    (plan,) = s.plans
    assert plan.n_events == 40
    # rate = ε² × forced yield per EOT after the pre-filter: the yield above 20 GeV (E0 − the 80 GeV
    # trigger threshold) is above the 50 GeV one of docs/annihilation.md (1.77e-4) and of its order
    y = plan.rate_per_eot / 1e-8
    assert 1.2e-4 < y < 1e-3
    ev = read_events(tmp_path / "I" / "annihilation").arrays
    # Σw = N × (mean relative weight ≈ 1) × EOT ε² Y / N: the relative weights (the Breit–Wigner over the
    # positron spectrum) spread widely, so within 4 standard errors of their sum
    w = ev["weight"]
    assert abs(w.sum() - plan.expected_events) < 4.0 * w.std(ddof=1) * np.sqrt(w.size)
    assert np.all(ev["true_process"] == int(Process.ANNIHILATION))
    assert np.allclose(ev["true_mass"], 0.25)
    # the missing energy is the positron's at annihilation, above the 20 GeV generation threshold;
    # the shower before it stays in the ECAL: E_ECAL + E_miss ≈ E0 within resolution and leakage
    assert np.all(ev["true_aprime_energy"] > 20.0)
    tot = ev["ecal_energy"] + ev["true_aprime_energy"]
    assert np.median(tot) == pytest.approx(100.0, abs=3.0)


def test_annihilation_only_on_request():
    assert "annihilation" not in gen.select_processes(None, 0.25, 1e-4, "mc")
    assert gen.select_processes(["annihilation"], 0.25, 1e-4, "mc") == ["annihilation"]
