"""The efficiency of resonant-annihilation signal samples from their own E_ECAL spectrum
(darkmiss.analysis.signal.annihilation_efficiencies) on toy MC with known truth, and that those
samples leave the bremsstrahlung analysis (its efficiencies and backgrounds) untouched."""

from __future__ import annotations

import numpy as np
import pytest

from darkmiss.analysis.pseudodata import make_events, write_mc, write_pseudodata
from darkmiss.config.load import load_preset
from darkmiss.events.io import write_events
from darkmiss.events.schema import Process
from darkmiss.pipeline.analysis import analyze
from darkmiss.reco.config import AnalysisConfig

CFG = AnalysisConfig.from_preset(load_preset("na64-2016"))
EOT = {"I": 2.3e10, "II": 1.1e10, "III": 0.9e10}


def _runs() -> dict:
    return {
        r: {
            "n_em": 200, "n_upstream": 200, "slope": 0.3, "n_hadronic": 100, "n_dimuon": int(EOT[r] / 1e7),
            "n_cal": 150, "track_loss": 0.0, "pileup_prob": 0.0, "eot": EOT[r],
            "intensity": {"I": 1.8e6, "II": 3.2e6, "III": 4.6e6}[r],
        }
        for r in ("I", "II", "III")
    }  # fmt: skip


@pytest.fixture(scope="module")
def analyses(tmp_path_factory):
    base = tmp_path_factory.mktemp("annihilation")
    write_pseudodata(base / "data", CFG, 21, runs=_runs())
    for mc in ("mc", "mc_ann"):
        # the brems signal: E_ECAL uniform in [2, 50) (90%) and [50, 60) (10%), as write_mc makes it
        write_mc(base / mc, CFG, 22, masses=(0.1, 0.5), n_signal=1200, n_dimuon=3000, n_cal=300,
                 dimuon_eot=3000 / 1e-7)  # fmt: skip
    # annihilation events: E_ECAL uniform in [2, 50) for 60%, in [50, 90) for 40% (E_miss < 50 GeV:
    # outside the yield population, which the denominator must not count)
    rng = np.random.default_rng(23)
    n = 2000
    e = np.concatenate([rng.uniform(2.0, 50.0, 1200), rng.uniform(50.0, 90.0, 800)])
    a = make_events(n, Process.ANNIHILATION, rng, CFG, mass=0.25, ecal_energy=e, weight=1e-12)
    meta = {
        "run": "I",
        "mode": "mc",
        "process": "annihilation",
        "eot": 0,
        "weights_per_eot": True,
        "mass": 0.25,
    }
    write_events(base / "mc_ann" / "annihilation_m0.25.root", a, meta)
    plain = analyze(base / "data", base / "mc", base / "out", "na64-2016", seed=3, figures=False)
    ann = analyze(base / "data", base / "mc_ann", base / "out_ann", "na64-2016", seed=3, figures=False)
    return plain, ann


def test_annihilation_efficiency_from_its_own_spectrum(analyses):
    plain, ann = analyses
    for rp, ra in zip(plain.runs, ann.runs, strict=True):
        assert rp.annihilation_masses == [] and ra.annihilation_masses == [0.25]
        # the population (E_miss = 100 − E_ECAL > 50 GeV) has E_ECAL < 50 GeV: every event of it
        # passes the E_ECAL cut of 50 GeV (spec Sec. IX), as the brems events below 50 GeV do; the
        # brems sample's population is the same E_ECAL < 50 GeV part, so the two ε_tot agree
        # within the binomial errors of 1200 and 1080 events (the other cuts are common).
        eb = np.interp(np.log(0.25), np.log(rp.efficiency_masses), rp.efficiency)
        (ea,) = ra.annihilation_efficiency
        (ea_err,) = ra.annihilation_efficiency_err
        assert ea > 0.0 and ea_err > 0  # corrected by f and the calibration ratios: may pass 1 a little
        assert ea == pytest.approx(eb, abs=4 * ea_err)


def test_annihilation_samples_leave_the_brems_analysis_unchanged(analyses):
    plain, ann = analyses
    for rp, ra in zip(plain.runs, ann.runs, strict=True):
        assert rp.efficiency == ra.efficiency
        assert rp.efficiency_masses == ra.efficiency_masses
        assert rp.background == ra.background
        assert rp.background_components == ra.background_components
        assert rp.systematics == ra.systematics
