"""The brems + annihilation column of results.json: the same N90 shared by the summed yield."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from darkmiss.analysis.result import AnalysisResult, RunAnalysis
from darkmiss.pipeline.results import (
    annihilation_efficiency_ratio,
    epsilon_with_annihilation,
    limit_rows,
    total_limit,
)

POS = st.floats(min_value=1e-12, max_value=1e3, allow_nan=False, allow_infinity=False)


@given(eps=st.floats(min_value=1e-7, max_value=1e-1), yb=POS, ya=st.floats(min_value=0.0, max_value=1e3))
def test_total_limit_keeps_the_signal_count(eps: float, yb: float, ya: float) -> None:
    # signal ∝ ε² (Y_brems + Y_ann): the total limit gives the brems limit's signal count (spec Eq. 26)
    tot = epsilon_with_annihilation(eps, yb, ya)
    assert tot is not None and tot <= eps * (1 + 1e-12)
    assert math.isclose(tot**2 * (yb + ya), eps**2 * yb, rel_tol=1e-9)


def test_no_annihilation_no_change_and_missing_inputs() -> None:
    assert epsilon_with_annihilation(1e-4, 2.0, 0.0) == 1e-4
    assert epsilon_with_annihilation(None, 2.0, 1.0) is None
    assert epsilon_with_annihilation(1e-4, 2.0, None) is None
    assert epsilon_with_annihilation(1e-4, 0.0, 1.0) is None


def test_limit_rows_carry_the_column() -> None:
    lim = {
        "mass": 0.25, "epsilon_ww": 1e-3, "epsilon_etl": 2e-3, "epsilon_etl_err": 1e-5,
        "epsilon_etl_direct": 2e-3, "epsilon_etl_expected": 2e-3, "epsilon_etl_expected_bands": [],
        "epsilon_etl_asymptotic": 2e-3, "epsilon_etl_simplified": 2e-3, "n90": 2.3, "n90_asymptotic": 2.3,
        "efficiency": [0.5], "y_alpha_d_0p5": None, "y_alpha_d_0p005": None, "alpha_d_pseudodirac": None,
        "alpha_d_majorana": None,
    }  # fmt: skip
    ylds = [
        {
            "mass": 0.25,
            "yield_ww": 2e-6,
            "yield_etl": 1e-6,
            "yield_etl_direct": 1e-6,
            "yield_annihilation": 3e-6,
        }
    ]
    (row,) = limit_rows([lim], ylds, (0.25,))
    assert row.yield_annihilation == 3e-6
    assert row.epsilon_total is not None and math.isclose(row.epsilon_total, 2e-3 * 0.5)  # √(1/4)
    assert row.to_dict()["epsilon_total"] == row.epsilon_total


def test_total_limit_follows_the_headline_production() -> None:
    y = {"yield_etl": 1.0, "yield_annihilation": 3.0}
    # the headline already counts both: it is the total
    assert total_limit(2e-3, y, ("brems", "annihilation")) == 2e-3
    # annihilation only: the same signal count with Y_brems added, ε_ann (3/4)^½
    tot = total_limit(2e-3, y, ("annihilation",))
    assert tot is not None and math.isclose(tot, 2e-3 * math.sqrt(0.75))
    assert total_limit(2e-3, y, ("brems",)) == epsilon_with_annihilation(2e-3, 1.0, 3.0)
    # each signal at its own efficiency: annihilation only, ρ = 0.5
    tot = total_limit(2e-3, y, ("annihilation",), 0.5)
    assert tot is not None and math.isclose(tot, 2e-3 * math.sqrt(1.5 / 2.5))


def _analysis(ann_masses: list[float], ann_eff: list[float]) -> AnalysisResult:
    runs = [
        RunAnalysis(run="I", eot=2e10, intensity=1.0, efficiency_masses=[0.1, 0.5], efficiency=[0.6, 0.4],
                    annihilation_masses=ann_masses, annihilation_efficiency=ann_eff),
        RunAnalysis(run="II", eot=1e10, intensity=1.0, efficiency_masses=[0.1, 0.5], efficiency=[0.3, 0.2],
                    annihilation_masses=ann_masses, annihilation_efficiency=[e / 2 for e in ann_eff]),
    ]  # fmt: skip
    return AnalysisResult(preset="t", blinded=False, ecal_cut=50.0, hcal_cut=1.0, cut_frozen=True,
                          yield_threshold=50.0, runs=runs)  # fmt: skip


def test_efficiency_ratio_weights_runs_by_eot() -> None:
    # ε_b in log m at 0.25 GeV: 0.6 − 0.2 ln(2.5)/ln(5) per run I (run II half of it); ε_a = 0.3 and
    # 0.15 (one mass: constant in m). ρ = Σ N ε_a / Σ N ε_b = 0.3 / ε_b,I since both runs scale alike.
    a = _analysis([0.25], [0.3])
    eb1 = 0.6 - 0.2 * math.log(2.5) / math.log(5.0)
    assert math.isclose(annihilation_efficiency_ratio(a, 0.25), 0.3 / eb1, rel_tol=1e-12)
    # the column: ε_tot² (Y_b + ρ Y_a) = ε_b² Y_b (the same N90)
    rho = annihilation_efficiency_ratio(a, 0.25)
    tot = epsilon_with_annihilation(1e-3, 1e-5, 2e-4, rho)
    assert tot is not None and math.isclose(tot**2 * (1e-5 + rho * 2e-4), 1e-6 * 1e-5, rel_tol=1e-12)


def test_efficiency_ratio_without_annihilation_samples_is_one() -> None:
    assert annihilation_efficiency_ratio(None, 0.25) == 1.0
    assert annihilation_efficiency_ratio(_analysis([], []), 0.25) == 1.0
