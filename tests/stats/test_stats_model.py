"""The counting model: nuisance bookkeeping, the reduced and merged models, the pyhf workspace."""

from __future__ import annotations

import math

import pyhf
import pytest

from darkmiss.errors import UserInputError
from darkmiss.stats.cls import exact_upper_limit
from darkmiss.stats.model import Channel, CountingModel, StatsConfig
from darkmiss.stats.workspace import asymptotic_limits, to_workspace_spec


def _three(obs=(0, 0, 0)):
    syst = {"cross_section": 0.1, "eot": 0.02, "ecal": 0.07, "v2": 0.03}
    return CountingModel(
        tuple(
            Channel(k, w, b, 0.3 * b, o, dict(syst))
            for (k, w, b), o in zip(
                [("I", 0.5, 0.02), ("II", 0.3, 0.01), ("III", 0.2, 0.05)], obs, strict=False
            )
        ),
        ("cross_section", "eot"),
    )


def test_correlated_sources_shared():
    names = _three().nuisance_names()
    assert names.count("cross_section") == 1
    assert "ecal_I" in names and "ecal_III" in names
    assert sum(n.startswith("bkg_") for n in names) == 3


def test_reduced_model_same_limits():
    m = _three((1, 0, 0))
    r = m.reduced()
    assert len(r.nuisance_names()) < len(m.nuisance_names())
    assert r.channels[0].signal_syst["uncorrelated"] == pytest.approx(
        math.expm1(math.hypot(math.log1p(0.07), math.log1p(0.03)))
    )
    assert exact_upper_limit(r, n_samples=2048) == pytest.approx(
        exact_upper_limit(m, n_samples=2048), rel=3e-3
    )


def test_workspace_valid_and_code1_lognormal():
    spec = to_workspace_spec(_three())
    ws = pyhf.Workspace(spec)
    model = ws.model(modifier_settings={"normsys": {"interpcode": "code1"}})
    assert model.config.poi_name == "mu"
    mods = spec["channels"][0]["samples"][0]["modifiers"]
    xs = next(m for m in mods if m["name"] == "cross_section")
    assert xs["data"]["hi"] * xs["data"]["lo"] == pytest.approx(1.0)  # symmetric in log: log-normal
    # the nominal expectation is signal + background
    exp = model.expected_actualdata(model.config.suggested_init())
    assert exp[0] == pytest.approx(0.5 + 0.02)


def test_asymptotic_expected_available_while_blinded():
    m = CountingModel((Channel("a", 1.0, 0.1, 0.03, None, {"cross_section": 0.1}),))
    a = asymptotic_limits(m)
    assert a.observed is None
    assert a.expected[0] < a.expected[2] < a.expected[4]


def test_config_from_preset_and_validation():
    c = StatsConfig.from_preset("na64-2016")
    assert c.cl == pytest.approx(0.9)
    assert c.method == "exact"
    with pytest.raises(UserInputError):
        StatsConfig(method="bayes")
    with pytest.raises(UserInputError):
        Channel("a", -1.0, 0.0)


def test_reduced_nuisances_exact_for_profiling():
    # the asymptotic (profiled) limit of the full and the reduced model agree: combining independent
    # log-normal sources of one channel into one is exact for profiling too
    syst = {"cross_section": 0.1, "a": 0.07, "b": 0.05}
    m = CountingModel(
        (Channel("I", 0.6, 0.2, 0.05, 1, dict(syst)), Channel("II", 0.4, 0.1, 0.03, 0, dict(syst))),
        ("cross_section",),
    )
    full = asymptotic_limits(m)
    red = asymptotic_limits(m.reduced())
    assert red.observed == pytest.approx(full.observed, rel=1e-4)
    assert red.expected[2] == pytest.approx(full.expected[2], rel=1e-4)


def _pyhf_scan(m: CountingModel) -> tuple[float, list[float]]:
    """pyhf's own toms748_scan of ``m``, with no memo: the reference of the memoised limits."""
    import warnings

    from pyhf.infer.intervals.upper_limits import toms748_scan

    ws = pyhf.Workspace(to_workspace_spec(m))
    pm = ws.model(modifier_settings={"normsys": {"interpcode": "code1"}, "histosys": {"interpcode": "code0"}})
    stot = float(m.signal.sum())
    ntot = float(m.observed.sum())
    hi = (ntot + float(m.background.sum()) + 10.0 + 5.0 * math.sqrt(ntot + 1.0)) / stot
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        obs, exp = toms748_scan(
            ws.data(pm), pm, 1e-3 / stot, hi, level=1.0 - 0.9, rtol=1e-5, test_stat="qtilde"
        )
    return float(obs), [float(e) for e in exp]


def test_memoised_fits_give_pyhf_limits_bit_for_bit():
    # the memo only skips repeated fits: the limits equal pyhf's unmemoised scan exactly
    m = _three((1, 0, 2))
    a = asymptotic_limits(m)
    obs, exp = _pyhf_scan(m)
    assert a.observed == obs
    assert list(a.expected) == exp


def test_memoised_fits_run_fewer_fits_and_restore_pyhf(monkeypatch):
    import pyhf.infer.calculators as calc
    import pyhf.infer.test_statistics as ts

    from darkmiss.stats import workspace

    calls = {"n": 0}

    def counting(fn):
        def call(*args, **kwargs):
            calls["n"] += 1
            return fn(*args, **kwargs)

        return call

    # the free fits come through test_statistics.fit, the fixed-POI fits through mle.fit
    monkeypatch.setattr(ts, "fit", counting(ts.fit))
    monkeypatch.setattr(pyhf.infer.mle, "fit", counting(pyhf.infer.mle.fit))
    originals = (ts.fit, ts.fixed_poi_fit, calc.fixed_poi_fit)
    m = _three((1, 0, 0))
    _pyhf_scan(m)
    plain = calls["n"]
    calls["n"] = 0
    with workspace.memoised_fits() as memo:
        _pyhf_scan(m)
    # five fits per tested μ without the memo, of which two depend on μ
    assert calls["n"] == len(memo) < 0.5 * plain
    assert (ts.fit, ts.fixed_poi_fit, calc.fixed_poi_fit) == originals
    # a nested block (same thread) neither deadlocks nor leaves a wrapper behind
    with workspace.memoised_fits(), workspace.memoised_fits():
        assert ts.fit is not originals[0]
    assert (ts.fit, ts.fixed_poi_fit, calc.fixed_poi_fit) == originals


def test_memoised_fits_refuse_a_changed_pyhf(monkeypatch):
    import pyhf.infer.test_statistics as ts

    from darkmiss.stats import workspace

    monkeypatch.delattr(ts, "fit")
    with pytest.raises(RuntimeError, match="pyhf changed"):
        with workspace.memoised_fits():
            pass
