"""The comparison table of the reproduction report: pulls and target status (report.reproduce)."""

from __future__ import annotations

from darkmiss.report.reproduce import comparison_status


def test_comparison_status_has_no_pull_for_an_upper_limit():
    # (0.02 - 0.02)/sqrt(0.0023^2 + 0.004^2) = 0: Table IV decays row (spec 0.02 +- 0.004), within 2x
    rec = {
        "quantity": "Table IV: decays",
        "run": "all",
        "darkmiss": 0.02,
        "darkmiss_err": 0.0023,
        "darkmiss_upper": None,
        "spec": 0.02,
        "spec_err": 0.004,
        "spec_upper": None,
        "kind": "prediction",
    }
    assert comparison_status(rec) == ("+0.0", "met")
    # nothing passed: a 90% CL upper limit above the spec's value; no pull, not met
    up = {**rec, "darkmiss": 0.0, "darkmiss_err": 0.0, "darkmiss_upper": 0.118, "spec": 0.008}
    assert comparison_status(up) == ("", "not met")
