"""End-to-end analysis on toy pseudo-data with known truth (analysis/pseudodata.py):
blinding, side-band closure, dimuon ratio f, signal-injection closure after unblinding."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from darkmiss.analysis.pseudodata import write_mc, write_pseudodata
from darkmiss.analysis.result import AnalysisResult
from darkmiss.config.load import load_preset
from darkmiss.errors import BlindingError
from darkmiss.pipeline.analysis import analyze, read_tables, unblind
from darkmiss.reco.config import AnalysisConfig

CFG = AnalysisConfig.from_preset(load_preset("na64-2016"))
# Data-mode track inefficiency per run (grows with intensity like spec Table I); run I: effects off.
LOSS = {"I": 0.0, "II": 0.10, "III": 0.20}
EOT = {"I": 2.3e10, "II": 1.1e10, "III": 0.9e10}
N_INJ = 150


def _runs() -> dict:
    return {
        r: {
            "n_em": 300,
            "n_upstream": 2500 if r == "I" else 300,
            "slope": 0.3,
            "n_hadronic": 150,
            "n_dimuon": int(EOT[r] / 1e7),
            "n_cal": 200,
            "track_loss": LOSS[r],
            "pileup_prob": 0.05,
            "eot": EOT[r],
            "intensity": {"I": 1.8e6, "II": 3.2e6, "III": 4.6e6}[r],
        }
        for r in ("I", "II", "III")
    }


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    base = tmp_path_factory.mktemp("pipeline")
    truth = write_pseudodata(base / "data", CFG, 11, runs=_runs(), n_signal_injected=N_INJ, signal_mass=0.01)
    write_pseudodata(base / "data_noinj", CFG, 11, runs=_runs())
    # MC dimuons at the same rate per EOT as the pseudo-data (1e-7), signal at two masses
    write_mc(
        base / "mc",
        CFG,
        12,
        masses=(0.01, 0.1),
        n_signal=1500,
        n_dimuon=4000,
        n_cal=300,
        dimuon_eot=4000 / 1e-7,
    )
    res = analyze(base / "data", base / "mc", base / "out", "na64-2016", seed=3, figures=True)
    res_noinj = analyze(
        base / "data_noinj", base / "mc", base / "out_noinj", "na64-2016", seed=3, figures=False
    )
    return {"base": base, "truth": truth, "res": res, "res_noinj": res_noinj}


def test_blinded_outputs_hide_the_box(pipeline):
    out = pipeline["base"] / "out"
    res = pipeline["res"]
    assert res.blinded and all(r.observed is None for r in res.runs)
    tables = read_tables(out)
    assert tables["blinding"]["blinded"] is True
    assert all(row["events"] is None for row in tables["regions"] if row["region"] == "signal_box")
    # The 150 injected data-mode signal events sit in the box: every number written must be the
    # same as for the pseudo-data without them (only the provenance paths differ).
    a = json.loads((out / "analysis.json").read_text())
    b = json.loads((pipeline["base"] / "out_noinj" / "analysis.json").read_text())
    a.pop("provenance")
    b.pop("provenance")
    assert a == b
    t2 = read_tables(pipeline["base"] / "out_noinj")
    assert json.dumps(tables, sort_keys=True) == json.dumps(t2, sort_keys=True)
    assert sorted(p.name for p in (out / "figures").glob("*.png"))[:1] == ["fig10_runI.png"]
    assert (out / "figures" / "digests.json").is_file()  # what each figure was drawn from


def test_sideband_c_closure(pipeline):
    # run I: 2500 upstream events from exp(0.3 E) on [1, 95] GeV, no track loss; the fit of side
    # band C recovers the injected slope and normalisation within 3 standard deviations
    truth = pipeline["truth"]["runs"]["I"]
    run = next(r for r in pipeline["res"].runs if r.run == "I")
    fit = run.sideband_fit
    cov = np.array(fit["cov"])
    assert abs(fit["p2"] - truth["slope"]) < 3 * np.sqrt(cov[1, 1])
    assert abs(fit["p1"] - truth["p1"]) < 3 * np.sqrt(cov[0, 0])
    # extrapolated upstream count in [0, 50] GeV vs the truth integral of the injected density
    true_box = np.exp(truth["p1"]) * (np.exp(0.3 * 50.0) - 1.0) / 0.3
    val, err = run.background_components["upstream interactions (side band C)"]
    assert err > 0
    assert abs(val - true_box) < 3 * err


def test_dimuon_ratio_tracks_the_data_mode_losses(pipeline):
    rows = {r.run: r for r in pipeline["res"].runs}
    f = [rows[r].dimuon_ratio for r in ("I", "II", "III")]
    ferr = [rows[r].dimuon_ratio_err for r in ("I", "II", "III")]
    # effects off (run I): f = 1 within statistics; on: f = 1 - loss, decreasing with intensity
    for r, fi, ei in zip(("I", "II", "III"), f, ferr, strict=True):
        assert abs(fi - (1 - LOSS[r])) < 3 * ei
    assert f[0] > f[1] > f[2]


def test_efficiency_factorisation_and_tables(pipeline):
    tables = read_tables(pipeline["base"] / "out")
    for row in tables["efficiency"]:
        prod = row["eps_e"] * row["eps_aprime"] * row["eps_ecal"] * row["eps_v2"] * row["eps_hcal"]
        assert row["total"] == pytest.approx(prod, rel=1e-12)
        lo, hi = row["total_mc_interval"]
        assert lo <= row["total_mc"] <= hi
    for row in tables["systematics"]:
        assert row["eot"] == 0.02 and row["signal_cross_section"] == 0.10  # Table III inputs
        srcs = [
            v
            for k, v in row.items()
            if k not in ("run", "mass", "total", "total_with_cross_section", "signal_cross_section")
        ]
        assert row["total"] == pytest.approx(np.sqrt(np.sum(np.square(srcs))))


def test_unblind_requires_frozen_cut_then_counts_injected_signal(pipeline):
    out = pipeline["base"] / "out"
    with pytest.raises(BlindingError):
        unblind(out, figures=False)
    # what `darkmiss optimise` does: freeze the cut
    res = AnalysisResult.read(out)
    res.cut_frozen = True
    (out / "analysis.json").write_text(json.dumps(res.to_dict()))
    new = unblind(out, figures=False)
    assert not new.blinded and new.cut_frozen
    assert read_tables(out)["blinding"]["blinded"] is False
    run = next(r for r in new.runs if r.run == "I")
    # the injected A' events (all in the yield population: E_A' = 100 - E_ECAL > 50 GeV) are counted
    # with the efficiency the analysis predicts for m = 10 MeV
    eff = run.efficiency[run.efficiency_masses.index(0.01)]
    expected = N_INJ * eff + run.background
    assert run.observed is not None
    assert abs(run.observed - expected) < 3 * np.sqrt(expected) + 3 * N_INJ * run.efficiency_err[0]
    assert all(r.observed is not None for r in new.runs)
    assert Path(out / "tables.txt").read_text().count("blinded: False") == 1
