"""The brems + annihilation column of results.json: the same N90 shared by the summed yield."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from darkmiss.pipeline.results import epsilon_with_annihilation, limit_rows, total_limit

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
