"""pyhf export of the counting model and asymptotic CLs (spec Sec. IX: "profile likelihood as a test
statistic in the asymptotic approximation", Cowan et al., EPJC 71, 1554 (2011)).

The POI ``mu`` multiplies the channel signals of the :class:`CountingModel`; each systematic source is a
``normsys`` modifier with hi = κ = 1 + δ and lo = 1/κ, interpolated with code1 (exponential: exactly
log-normal for a unit-Gaussian constraint). pyhf 0.7.x traps handled here: ``upper_limit(level=…)``
is only honoured with an explicit scan, so :func:`toms748_scan` with ``level`` is used; pyhf toys are
not used (they break on numpy ≥ 2.4); at zero observed events the asymptotic formulae give ≈1.5
signal events instead of the exact 2.303 — reported beside the exact limit, never as the headline.
"""

from __future__ import annotations

import math
import pickle
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np

from darkmiss.stats.model import CountingModel

WORKSPACE_VERSION = "1.0.0"


def to_workspace_spec(
    model: CountingModel, *, measurement: str = "NA64_invisible", poi_max: float | None = None
) -> dict[str, Any]:
    """The pyhf workspace (JSON-able dict) of ``model``; observations are 0 while blinded.

    Background-only channels with b = 0 get a floor of 1e-9 events (pyhf needs positive rates).
    """
    channels = []
    observations = []
    obs = model.observed
    for j, c in enumerate(model.channels):
        sig_mods: list[dict[str, Any]] = [{"name": "mu", "type": "normfactor", "data": None}]
        for src, d in c.signal_syst.items():
            if d <= 0:
                continue
            name = src if src in model.correlated_sources else f"{src}_{c.name}"
            sig_mods.append({"name": name, "type": "normsys", "data": {"hi": 1.0 + d, "lo": 1.0 / (1.0 + d)}})
        bkg_mods: list[dict[str, Any]] = []
        if c.background > 0 and c.background_err > 0:
            k = 1.0 + c.background_err / c.background
            bkg_mods.append({"name": f"bkg_{c.name}", "type": "normsys", "data": {"hi": k, "lo": 1.0 / k}})
        channels.append(
            {
                "name": f"run_{c.name}",
                "samples": [
                    {"name": "signal", "data": [float(c.signal)], "modifiers": sig_mods},
                    {"name": "background", "data": [max(float(c.background), 1e-9)], "modifiers": bkg_mods},
                ],
            }
        )
        observations.append({"name": f"run_{c.name}", "data": [0.0 if obs is None else float(obs[j])]})
    stot = float(model.signal.sum())
    if poi_max is None:
        ntot = 0.0 if obs is None else float(obs.sum())
        poi_max = 10.0 * (ntot + float(model.background.sum()) + 10.0) / max(stot, 1e-300)
    return {
        "channels": channels,
        "observations": observations,
        "measurements": [
            {
                "name": measurement,
                "config": {
                    "poi": "mu",
                    # init: one signal event (pyhf's default 1.0 lies outside the bounds when μ = ε²)
                    "parameters": [
                        {
                            "name": "mu",
                            "bounds": [[0.0, poi_max]],
                            "inits": [min(1.0, 1.0 / max(stot, 1e-300))],
                        }
                    ],
                },
            }
        ],
        "version": WORKSPACE_VERSION,
    }


def workspace_settings(model: CountingModel, interpcode: str = "code1") -> dict[str, Any]:
    """The settings that a pyhf workspace file cannot hold (written beside it as ``*.settings.json``)."""
    return {
        "modifier_settings": {"normsys": {"interpcode": interpcode}, "histosys": {"interpcode": "code0"}},
        "poi": "mu",
        "poi_meaning": "mu multiplies the per-run signal samples",
        "correlated_sources": list(model.correlated_sources),
        "test_statistic": "qtilde",
        "calculator": "asymptotics",
    }


@dataclass(frozen=True)
class AsymptoticLimits:
    """Asymptotic CLs upper limits on μ: observed (None while blinded) and expected bands (−2σ…+2σ)."""

    observed: float | None
    expected: tuple[float, float, float, float, float]


#: The pyhf module attributes through which ``hypotest`` reaches the maximum-likelihood fits (pyhf 0.7):
#: the test statistics' free and fixed-POI fits, and the asymptotic calculator's Asimov fit.
_FIT_SITES = (
    ("pyhf.infer.test_statistics", "fit"),
    ("pyhf.infer.test_statistics", "fixed_poi_fit"),
    ("pyhf.infer.calculators", "fixed_poi_fit"),
)
# one memoised block at a time per process (the patched names are process-wide); a nested block in the
# same thread wraps the outer one's functions and puts them back
_FIT_LOCK = threading.RLock()


def _fit_key(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
    """The identity of one pyhf fit call: the fit, the POI value of a fixed-POI fit, the data's bytes, the
    model object, and the pickled initial values, bounds, fixed flags and options (exact, arrays too)."""
    a = list(args)
    poi = (float(a.pop(0)),) if name == "fixed_poi_fit" else ()
    data, pdf, *rest = a
    return (
        name,
        *poi,
        np.asarray(data, dtype=float).tobytes(),
        id(pdf),
        pickle.dumps((rest, sorted(kwargs.items()))),
    )


@contextmanager
def memoised_fits() -> Iterator[dict[tuple[Any, ...], Any]]:
    """Within the block, pyhf's maximum-likelihood fits are computed once per distinct call.

    ``pyhf.infer.hypotest`` with the asymptotic calculator runs five fits at every tested μ. Three of
    them do not depend on μ: the free fit to the data, the μ = 0 fit that makes the Asimov data, and the
    free fit to the Asimov data (Cowan et al., EPJC 71, 1554, Sec. 3.2). A ``toms748_scan`` tests ≈ 45
    values of μ, so most of its fits are repeats. The fits are deterministic, so the memoised calls
    return the same numbers bit for bit. The memo lives for the block only; it is keyed by the model
    object, the data's bytes and every argument. The fit functions must be where pyhf 0.7 keeps them
    (:data:`_FIT_SITES`); otherwise this raises instead of running unmemoised."""
    import importlib

    memo: dict[tuple[Any, ...], Any] = {}
    sites = []
    for mod_name, attr in _FIT_SITES:
        mod = importlib.import_module(mod_name)
        if not callable(getattr(mod, attr, None)):
            raise RuntimeError(f"pyhf changed: {mod_name}.{attr} is not a function; update _FIT_SITES")
        sites.append((mod, attr))

    def wrap(name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            key = _fit_key(name, args, kwargs)
            if key not in memo:
                memo[key] = fn(*args, **kwargs)
            hit = memo[key]
            # copies: a caller may not change the memo's arrays
            return tuple(np.array(x, copy=True) for x in hit) if isinstance(hit, tuple) else np.array(hit)

        return call

    with _FIT_LOCK:
        saved = [(mod, attr, getattr(mod, attr)) for mod, attr in sites]
        try:
            for mod, attr, fn in saved:
                setattr(mod, attr, wrap(attr, fn))
            yield memo
        finally:
            for mod, attr, fn in saved:
                setattr(mod, attr, fn)


def asymptotic_limits(
    model: CountingModel, *, cl: float = 0.9, interpcode: str = "code1"
) -> AsymptoticLimits:
    """Asymptotic CLs limits with pyhf (q̃_μ, ``toms748_scan`` with an explicit ``level``); the fits that
    do not depend on the tested μ are run once (:func:`memoised_fits`)."""
    import pyhf
    from pyhf.infer.intervals.upper_limits import toms748_scan

    spec = to_workspace_spec(model)
    ws = pyhf.Workspace(spec)
    pmodel = ws.model(
        modifier_settings={"normsys": {"interpcode": interpcode}, "histosys": {"interpcode": "code0"}}
    )
    data = ws.data(pmodel)
    stot = float(model.signal.sum())
    obs = model.observed
    ntot = 0.0 if obs is None else float(obs.sum())
    hi = (ntot + float(model.background.sum()) + 10.0 + 5.0 * math.sqrt(ntot + 1.0)) / stot
    lo = 1e-3 / stot
    with warnings.catch_warnings(), memoised_fits():
        warnings.simplefilter("ignore")
        obs_lim, exp_lims = toms748_scan(data, pmodel, lo, hi, level=1.0 - cl, rtol=1e-5, test_stat="qtilde")
    expected = tuple(float(np.asarray(e)) for e in exp_lims)
    return AsymptoticLimits(
        observed=None if obs is None else float(np.asarray(obs_lim)),
        expected=expected,  # type: ignore[arg-type]
    )
