"""Biased MC samples of Table IV agree with unbiased ones where both have statistics
(docs/backgrounds.md "Biasing")."""

from __future__ import annotations

import numpy as np
import pytest

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry, runs_from_preset
from darkmiss.constants import M_MU
from darkmiss.detsim.background_config import BeamFractions, HadronicConfig
from darkmiss.detsim.generate import simulate
from darkmiss.detsim.processes import hadronic as hproc
from darkmiss.detsim.processes import muon_decay as mdec
from darkmiss.detsim.processes.base import ProcessContext
from darkmiss.errors import UserInputError
from darkmiss.events.io import read_events
from darkmiss.shower.response import dimuon_sample

PRESET = load_preset("na64-2016")
SETUP = SetupGeometry.from_preset(PRESET)
RUNS = runs_from_preset(PRESET)
HCFG = HadronicConfig.from_preset(PRESET)
BEAM = BeamFractions.from_preset(PRESET)
CTX = ProcessContext(PRESET, SETUP, RUNS["I"], "mc", 100.0, {"trigger": "physics"})


def test_forced_escape_agrees_with_the_unbiased_sample():
    """The forced escape of the leading hadron, here past the ECAL only (probability ~ 10%, so the
    unbiased sample has statistics): rate of escaping events that pass the pre-filter and their mean
    E_ECAL, biased (weights) vs unbiased (selected)."""
    lam = SETUP.ecal.total_lambda
    rng = np.random.default_rng(11)
    s = hproc.sample_system(60000, rng, SETUP, HCFG, BEAM, 100.0, HCFG.k_min)
    cls = s.neutral_lead & (s.lead_start_lambda > lam)
    b, passed = hproc.electronuclear_sums(s, rng, CTX, HCFG.prefilter_ecal_max)
    sel = cls[passed]
    rate_u = sel.sum() / 60000
    e_u = b.energies()[0][sel]

    s2 = hproc.sample_system(20000, rng, SETUP, HCFG, BEAM, 100.0, HCFG.k_min)
    w = hproc.forced_escape(s2, CTX, HCFG, rng, lam=lam)
    b2, passed2 = hproc.electronuclear_sums(s2, rng, CTX, HCFG.prefilter_ecal_max)
    rate_b = w[passed2].sum() / 20000
    e_b = np.average(b2.energies()[0], weights=w[passed2])
    # binomial error of the unbiased rate (~2400 events: 2%); 4 sigma
    assert rate_b == pytest.approx(rate_u, rel=4 / np.sqrt(sel.sum()))
    assert e_b == pytest.approx(e_u.mean(), abs=4 * e_u.std() / np.sqrt(e_u.size) + 0.3)


def test_box_only_storage_does_not_bias_the_box(tmp_path):
    """Decays in flight (forced decays, weighted) with and without the box-only storage: the weighted
    number of events with E_ECAL < 50 GeV, E_HCAL1+2 < 1 GeV and V2 < 0.5 MIP agrees."""
    p = PRESET.with_overrides({"production": {"weighted_events": {"decays": 1500}}})
    out = {}
    for box_only, seed in ((False, 1), (True, 2)):
        simulate(
            p,
            "I",
            "mc",
            tmp_path / str(box_only),
            processes=["decays"],
            eot=1e10,
            seed=seed,
            options={"box_only": box_only},
        )
        a = read_events(tmp_path / str(box_only)).arrays
        box = (
            (a["ecal_energy"] < 50)
            & (a["hcal_module_energy"][:, :2].sum(axis=1) < 1)
            & (a["v2_energy"] < 0.5)
        )
        out[box_only] = (a["weight"][box].sum(), np.sqrt((a["weight"][box] ** 2).sum()))
    (v0, e0), (v1, e1) = out[False], out[True]
    assert v0 > 0 and abs(v0 - v1) < 4 * np.hypot(e0, e1)


def test_muon_decay_weights():
    # P(decay in L) = 1 - exp(-L m / (p c tau)) (PDG: c tau_mu = 658.6 m); the lab electron spectrum
    # of a relativistic unpolarised muon has mean y = 7/20 (integral of y (5 - 9y^2 + 4y^3)/3)
    y = mdec.michel_lab_fraction(400_000, np.random.default_rng(3))
    assert y.mean() == pytest.approx(0.35, abs=0.002)
    # the ECAL stops muons below the minimum-ionising loss across its 150 layers: ~0.33 GeV
    assert mdec.stopping_kinetic_gev(CTX) == pytest.approx(
        150 * (0.15 * 11.35 * 1.122e-3 + 0.15 * 1.032 * 1.936e-3), rel=0.01
    )


def test_forced_soft_split_agrees_with_the_unforced_engine():
    """The forced soft muon of the loss-of-muons sample, here below 3 GeV of kinetic energy (~4% of the
    pairs, so the unforced sample has statistics): the rate per EOT of pairs with such a muon and their
    mean E_ECAL, forced (weights × P(split)) vs unforced (selected)."""
    t_max = 3.0
    u = dimuon_sample(4000, SETUP, np.random.default_rng(1))
    soft = (u.weight > 0) & (u.muon_energies.min(axis=1) - M_MU < t_max)
    f = dimuon_sample(4000, SETUP, np.random.default_rng(2), soft_muon=t_max)
    live = f.weight > 0
    assert np.all(f.muon_energies[live].min(axis=1) - M_MU <= t_max * (1 + 1e-12))
    r_u, e_u = u.weight[soft].sum() / 4000, np.sqrt((u.weight[soft] ** 2).sum()) / 4000
    r_f, e_f = f.weight.sum() / 4000, np.sqrt((f.weight**2).sum()) / 4000
    # ~160 unforced pairs: ~12%; the forced rate ~3%; 4 sigma
    assert soft.sum() > 100 and abs(r_u - r_f) < 4 * np.hypot(e_u, e_f)
    assert e_f < 0.5 * e_u  # the forcing is what buys the statistics
    ecal_u = u.response.ecal.sum(axis=(1, 2))[soft]
    ecal_f = np.average(f.response.ecal.sum(axis=(1, 2))[live], weights=f.weight[live])
    assert abs(ecal_u.mean() - ecal_f) < 4 * ecal_u.std() / np.sqrt(soft.sum())
    with pytest.raises(UserInputError, match="soft_muon"):
        dimuon_sample(10, SETUP, np.random.default_rng(3), soft_muon=t_max, unit_weight=1e-6)
