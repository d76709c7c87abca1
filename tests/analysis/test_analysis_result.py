"""analysis.json (analysis/result.py): typed in memory, the same layout on disk, schema_version."""

from __future__ import annotations

import json
import math

import pytest

from darkmiss.analysis.background import Estimate, ExpFit, FitVariation, SidebandEstimate
from darkmiss.analysis.result import (
    SCHEMA_VERSION,
    AnalysisResult,
    EfficiencyComponents,
    RunAnalysis,
    SidebandFit,
)
from darkmiss.errors import UserInputError
from darkmiss.util import to_json

#: The keys of a run record in analysis.json, in order (the layout other stages read).
RUN_KEYS = [
    "run",
    "eot",
    "intensity",
    "observed",
    "background",
    "background_err",
    "background_components",
    "sideband_fit",
    "efficiency_masses",
    "efficiency",
    "efficiency_err",
    "efficiency_mc_err",
    "efficiency_components",
    "signal_ecal_edges",
    "signal_ecal_eff",
    "systematics",
    "dimuon_ratio",
    "dimuon_ratio_err",
    "systematics_total",
    "annihilation_masses",
    "annihilation_efficiency",
    "annihilation_efficiency_err",
]


def _result() -> AnalysisResult:
    fit = ExpFit(
        p1=-3.0, p2=0.2, cov=[[0.01, -1e-4], [-1e-4, 1e-5]], range=(50.0, 80.0), n_events=42, valid=True
    )
    est = SidebandEstimate(
        fit=fit,
        value=0.08,
        stat=0.02,
        variation=0.01,
        variations=[
            FitVariation((55.0, 80.0), 0.21, 0.07, 30),
            FitVariation((50.0, 75.0), 0.0, math.nan, 2),  # invalid fit: NaN extrapolation
        ],
    )
    run = RunAnalysis(
        run="I",
        eot=2.3e10,
        intensity=1.8e6,
        background=0.1,
        background_err=0.03,
        background_components={
            "upstream interactions (side band C)": Estimate(0.08, 0.022),
            "loss of muons (dimuons)": Estimate(0.02, 0.004),
        },
        sideband_fit=SidebandFit.from_estimate(est),
        efficiency_masses=[0.01, 0.1],
        efficiency=[0.5, 0.45],
        efficiency_err=[0.02, 0.02],
        efficiency_components=EfficiencyComponents(
            e=[0.9, 0.9],
            aprime=[1.0, 1.0],
            ecal=[0.8, 0.75],
            v2=[0.95, 0.95],
            hcal=[0.73, 0.7],
            rr_factor=[1.0, 0.99],
        ),
        signal_ecal_edges=[0.0, 50.0, 100.0],
        signal_ecal_eff={"0.01": [0.5, 0.1], "0.1": [0.45, 0.1]},
        systematics={"eot": 0.02, "signal_cross_section": 0.1},
        dimuon_ratio=0.95,
        dimuon_ratio_err=0.03,
        systematics_total=0.09,
    )
    return AnalysisResult(
        "na64-2016",
        True,
        50.0,
        1.0,
        False,
        50.0,
        [run],
        provenance={"seed": 0},
        extra={"masses": [0.01, 0.1]},
    )


def test_analysis_json_round_trips():
    res = _result()
    text = to_json(res.to_dict())
    back = AnalysisResult.from_dict(json.loads(text))
    assert to_json(back.to_dict()) == text
    run = back.runs[0]
    assert isinstance(run.sideband_fit, SidebandFit) and isinstance(
        run.efficiency_components, EfficiencyComponents
    )
    assert run.background_components["loss of muons (dimuons)"] == Estimate(0.02, 0.004)
    assert run.sideband_fit.range == (50.0, 80.0) and run.sideband_fit.extrapolation == (0.08, 0.02, 0.01)
    assert math.isnan(run.sideband_fit.variations[1].value)


def test_analysis_json_layout():
    d = json.loads(to_json(_result().to_dict()))
    assert list(d)[:2] == ["schema_version", "preset"] and d["schema_version"] == SCHEMA_VERSION == 3
    run = d["runs"][0]
    assert list(run) == RUN_KEYS
    assert run["background_components"]["loss of muons (dimuons)"] == [0.02, 0.004]
    fit = run["sideband_fit"]
    assert list(fit) == ["p1", "p2", "cov", "range", "n_events", "valid", "extrapolation", "variations"]
    assert fit["range"] == [50.0, 80.0] and fit["extrapolation"] == [0.08, 0.02, 0.01]
    assert fit["variations"][1] == {"range": [50.0, 75.0], "p2": 0.0, "value": None, "n_events": 2}
    assert list(run["efficiency_components"]) == ["e", "aprime", "ecal", "v2", "hcal", "rr_factor"]


def test_sideband_fit_reads_as_a_record():
    # the cut optimisation reads the fit as the analysis.json mapping
    fit = _result().runs[0].sideband_fit
    assert fit is not None and "p1" in fit and fit["p2"] == 0.2 and "nope" not in fit
    # the minimal mapping (p1, p2, cov, range) is accepted and stored typed
    run = RunAnalysis(
        "I", 1e10, 1e6, sideband_fit={"p1": -1.0, "p2": 0.1, "cov": [[0, 0], [0, 0]], "range": [0, 50]}
    )
    assert isinstance(run.sideband_fit, SidebandFit) and run.sideband_fit.range == (0.0, 50.0)
    assert RunAnalysis("I", 1e10, 1e6, sideband_fit={}).sideband_fit is None
    assert RunAnalysis("I", 1e10, 1e6).to_dict()["sideband_fit"] == {}


@pytest.mark.parametrize("version", [1, 2, 4, 0, None, "3"])
def test_other_schema_versions_are_refused(tmp_path, version):
    d = _result().to_dict()
    if version is None:
        d.pop("schema_version")
    else:
        d["schema_version"] = version
    (tmp_path / "analysis.json").write_text(json.dumps(d))
    with pytest.raises(UserInputError, match="schema_version") as err:
        AnalysisResult.read(tmp_path)
    assert str(tmp_path / "analysis.json") in str(err.value)


@pytest.mark.parametrize(
    "content", ["{", "[1, 2]", '{"schema_version": 2, "preset": "x"}', '{"schema_version": 2, "runs": [{}]}']
)
def test_malformed_files_are_refused(tmp_path, content):
    (tmp_path / "analysis.json").write_text(content)
    with pytest.raises(UserInputError, match="analysis") as err:
        AnalysisResult.read(tmp_path)
    assert str(tmp_path / "analysis.json") in str(err.value)


def test_read_accepts_the_current_version(tmp_path):
    (tmp_path / "analysis.json").write_text(to_json(_result().to_dict()))
    assert AnalysisResult.read(tmp_path).runs[0].dimuon_ratio == 0.95
