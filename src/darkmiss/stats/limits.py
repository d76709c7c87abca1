"""Upper limits on ε for the invisible A′ (spec Sec. IX).

``compute_limits(analysis, yields)`` builds, for each A′ mass, the per-run counting model of
:mod:`darkmiss.stats.model` with s_i = n_EOT,i ε_tot,i n_A′ ε² (Eq. 26) and returns the 90% C.L. ε
limits from the WW, ETL and exact-tree-level ("etl_direct") yields with the headline exact CLs,
expected bands, and the asymptotic (pyhf) and simplified (merged runs) results beside them. The
dark-matter interpretation (y, α_D, g−2; Sec. X) is :mod:`darkmiss.interpret.limits`; the ECAL-cut
optimisation is :mod:`darkmiss.stats.optimise`. Masses in GeV, yields per EOT, counts in events.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

from darkmiss.analysis.result import AnalysisResult, RunAnalysis
from darkmiss.cache import hash_key
from darkmiss.config.load import Preset, load_preset
from darkmiss.errors import UserInputError, require
from darkmiss.parallel import map_chunks
from darkmiss.stats.cls import ExactCLs, expected_limits
from darkmiss.stats.epsilon import epsilon_limit, interpolate_efficiency
from darkmiss.stats.model import METHODS, Channel, CountingModel, StatsConfig
from darkmiss.stats.workspace import asymptotic_limits

#: Name of the nuisance for the Monte-Carlo statistical error of the yield (shared by all runs).
YIELD_MC_SOURCE = "yield_mc"
#: Layout version of ``limits.json`` (readers refuse others).
SCHEMA_VERSION = 1
_BACKGROUND_KEYS = ("background", "bkg")


class AprimeYieldLike(Protocol):
    """What :func:`compute_limits` reads from a yield (``darkmiss.shower.yields.AprimeYield``)."""

    @property
    def mass(self) -> float: ...
    @property
    def yield_ww(self) -> float: ...
    @property
    def yield_etl(self) -> float: ...
    @property
    def yield_etl_direct(self) -> float: ...
    @property
    def yield_etl_err(self) -> float: ...


@dataclass(frozen=True)
class SimpleYield:
    """A yield record given by numbers (per EOT at ε = 1), for tests and JSON input."""

    mass: float
    yield_ww: float
    yield_etl: float
    yield_etl_direct: float
    yield_etl_err: float = 0.0


@dataclass
class MassLimit:
    """The 90% C.L. results at one A′ mass [GeV]. ε limits dimensionless; n90 in signal events.

    Observed quantities are None while the analysis is blinded. ``epsilon_etl_err``: the error of
    ``epsilon_etl`` propagated from the Monte-Carlo statistics of the yield and of the signal
    efficiency (:func:`epsilon_mc_error`).
    """

    mass: float
    n90: float | None
    n90_simplified: float | None
    n90_asymptotic: float | None
    n90_expected: list[float]  # -2σ, -1σ, median, +1σ, +2σ (exact)
    n90_expected_mean: float
    n90_expected_asymptotic: list[float] | None
    signal_per_eps2_ww: float
    signal_per_eps2_etl: float
    signal_per_eps2_etl_direct: float
    epsilon_ww: float | None
    epsilon_etl: float | None
    epsilon_etl_direct: float | None
    epsilon_etl_simplified: float | None
    epsilon_etl_asymptotic: float | None
    epsilon_etl_expected: float
    epsilon_etl_expected_bands: list[float]  # -2σ, -1σ, median, +1σ, +2σ
    efficiency: list[float]
    efficiency_extrapolated: bool
    yield_etl_rel_err: float = 0.0
    efficiency_mc_rel_err: float = 0.0
    epsilon_etl_err: float | None = None


def epsilon_mc_error(epsilon: float | None, yield_rel_err: float, efficiency_rel_err: float) -> float | None:
    """The Monte-Carlo error of an ε limit: ε² = N90 / (Σ_i n_EOT,i ε_tot,i · n_A′) (spec Eq. 26), so
    δε/ε = ½ √((δn_A′/n_A′)² + (δε_tot/ε_tot)²) with the relative errors of the yield and of the
    EOT-weighted signal efficiency. None when there is no limit (blinded)."""
    if epsilon is None:
        return None
    return float(0.5 * epsilon * math.hypot(yield_rel_err, efficiency_rel_err))


def efficiency_rel_err(analysis: AnalysisResult, mass: float) -> float:
    """Relative binomial Monte-Carlo error of Σ_i n_EOT,i ε_tot,i at ``mass`` [GeV]: the runs' signal
    MC samples are independent, δ = √(Σ_i (n_EOT,i δε_tot,i)²), with δε_tot,i (``efficiency_mc_err``)
    interpolated in log m like the efficiency. A run without ``efficiency_mc_err`` (an efficiency given
    by hand, not from signal MC) contributes no error; one with a different number of values than
    masses is a user error."""
    num, den = 0.0, 0.0
    for run in analysis.runs:
        e, _ = interpolate_efficiency(run.efficiency_masses, run.efficiency, mass)
        den += run.eot * e
        if not run.efficiency_mc_err:
            continue
        require(
            len(run.efficiency_mc_err) == len(run.efficiency_masses),
            "analysis",
            f"run {run.run}",
            "an analysis with efficiency_mc_err for every efficiency mass",
        )
        de, _ = interpolate_efficiency(run.efficiency_masses, run.efficiency_mc_err, mass)
        num += (run.eot * de) ** 2
    return math.sqrt(num) / den if den > 0 else 0.0


def check_schema_version(d: dict[str, Any], source: str) -> dict[str, Any]:
    """``d`` (the content of ``limits.json``) without its ``schema_version``; another version, or a
    content that is not a JSON object, is a :class:`UserInputError` naming ``source``."""
    if not isinstance(d, dict):
        raise UserInputError("limits", source, "a limits.json holding one JSON object")
    version = d.get("schema_version")
    if version != SCHEMA_VERSION:
        raise UserInputError(
            "limits", source, f"a limits.json with schema_version {SCHEMA_VERSION} (found {version!r})"
        )
    return {k: v for k, v in d.items() if k != "schema_version"}


@dataclass
class LimitsResult:
    """Per-mass limits plus the settings that produced them (``limits.json``)."""

    preset: str
    cl: float
    method: str
    nuisance: str
    blinded: bool
    runs: list[str]
    observed: list[int] | None
    records: list[MassLimit]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The ``limits.json`` content: ``schema_version``, then the fields."""
        return {"schema_version": SCHEMA_VERSION, **asdict(self)}

    @property
    def masses(self) -> np.ndarray:
        return np.array([r.mass for r in self.records])

    def column(self, name: str) -> np.ndarray:
        """One field of every record as a float array (None → NaN)."""
        return np.array(
            [np.nan if getattr(r, name) is None else getattr(r, name) for r in self.records], dtype=float
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "limits.json") -> LimitsResult:
        d = check_schema_version(d, source)
        d["records"] = [MassLimit(**r) for r in d.get("records", [])]
        return cls(**d)


def signal_systematics(run: RunAnalysis) -> dict[str, float]:
    return {k: float(v) for k, v in run.systematics.items() if not k.lower().startswith(_BACKGROUND_KEYS)}


def build_model(
    analysis: AnalysisResult,
    signal: Sequence[float],
    *,
    config: StatsConfig,
    yield_rel_err: float = 0.0,
) -> CountingModel:
    """The per-run counting model with channel signals ``signal`` (events at μ = 1)."""
    chans = []
    for run, s in zip(analysis.runs, signal, strict=False):
        syst = signal_systematics(run)
        if yield_rel_err > 0:
            syst[YIELD_MC_SOURCE] = yield_rel_err
        chans.append(
            Channel(
                name=str(run.run),
                signal=float(s),
                background=float(run.background),
                background_err=float(run.background_err),
                observed=None if analysis.blinded else run.observed,
                signal_syst=syst,
            )
        )
    return CountingModel(tuple(chans), (*config.correlated_sources, YIELD_MC_SOURCE))


def _n90_exact(model: CountingModel, config: StatsConfig) -> float:
    integrate = config.nuisance == "integrate"
    calc = ExactCLs.build(
        model,
        n_samples=config.nuisance_samples,
        seed=config.nuisance_seed,
        integrate=integrate,
        tail_probability=config.tail_probability,
    )
    return calc.upper_limit(config.cl)


def _limit_one(
    analysis: AnalysisResult,
    y: AprimeYieldLike,
    config: StatsConfig,
    method: str,
    asymptotic: bool,
) -> MassLimit:
    mass = float(y.mass)
    require(mass > 0, "mass", mass, "a positive A' mass [GeV]")
    effs, extrap = [], False
    for run in analysis.runs:
        e, out = interpolate_efficiency(run.efficiency_masses, run.efficiency, mass)
        effs.append(e)
        extrap = extrap or out
    eot = np.array([r.eot for r in analysis.runs], dtype=float)
    eff = np.array(effs)
    per_run = eot * eff  # n_EOT,i ε_tot,i
    s_ww = float(per_run.sum() * y.yield_ww)
    s_etl = float(per_run.sum() * y.yield_etl)
    s_dir = float(per_run.sum() * y.yield_etl_direct)
    require(per_run.sum() > 0, "efficiency", effs, "a positive signal efficiency in some run")
    frac = per_run / per_run.sum()  # μ = total signal events
    rel = float(y.yield_etl_err / y.yield_etl) if y.yield_etl > 0 else 0.0
    eff_rel = efficiency_rel_err(analysis, mass)
    model = build_model(analysis, frac, config=config, yield_rel_err=rel).reduced()
    integrate = config.nuisance == "integrate"

    n90 = n90_simpl = n90_asym = None
    exp_asym: list[float] | None = None
    if not analysis.blinded:
        n90_simpl = _n90_exact(model.merged(), config)
        n90 = n90_simpl if method == "simplified" else _n90_exact(model, config)
    if asymptotic or method == "asymptotic":
        a = _asymptotic_cached(model, config)
        n90_asym = a.observed
        exp_asym = list(a.expected)
        if method == "asymptotic" and a.observed is not None:
            n90 = a.observed
    exp = expected_limits(
        model,
        cl=config.cl,
        quantiles=config.expected_quantiles,
        n_samples=config.nuisance_samples,
        seed=config.nuisance_seed,
        integrate=integrate,
    )

    def eps(n: float | None, s: float) -> float | None:
        return None if n is None else float(epsilon_limit(n, s))

    return MassLimit(
        mass=mass,
        n90=n90,
        n90_simplified=n90_simpl,
        n90_asymptotic=n90_asym,
        n90_expected=list(exp.bands),
        n90_expected_mean=exp.mean,
        n90_expected_asymptotic=exp_asym,
        signal_per_eps2_ww=s_ww,
        signal_per_eps2_etl=s_etl,
        signal_per_eps2_etl_direct=s_dir,
        epsilon_ww=eps(n90, s_ww),
        epsilon_etl=eps(n90, s_etl),
        epsilon_etl_direct=eps(n90, s_dir),
        epsilon_etl_simplified=eps(n90_simpl, s_etl),
        epsilon_etl_asymptotic=eps(n90_asym, s_etl),
        epsilon_etl_expected=float(epsilon_limit(exp.median, s_etl)),
        epsilon_etl_expected_bands=[float(epsilon_limit(b, s_etl)) for b in exp.bands],
        efficiency=[float(e) for e in eff],
        efficiency_extrapolated=extrap,
        yield_etl_rel_err=rel,
        efficiency_mc_rel_err=eff_rel,
        epsilon_etl_err=epsilon_mc_error(eps(n90, s_etl), rel, eff_rel),
    )


_ASYMPTOTIC_CACHE: dict[str, Any] = {}


def _asymptotic_cached(model: CountingModel, config: StatsConfig) -> Any:
    """pyhf asymptotic limits; models whose signal fractions agree to 1e-4 share one calculation
    (a comparison column only: the induced change of N90 is below 1e-4 relative)."""
    rounded = model.with_signal([round(float(x), 4) for x in model.signal])
    key = hash_key(rounded, config.cl, config.pyhf_interpcode)
    if key not in _ASYMPTOTIC_CACHE:
        _ASYMPTOTIC_CACHE[key] = asymptotic_limits(model, cl=config.cl, interpcode=config.pyhf_interpcode)
    return _ASYMPTOTIC_CACHE[key]


def _limit_task(
    analysis_dict: dict[str, Any],
    y: SimpleYield,
    config: StatsConfig,
    method: str,
    asym: bool,
) -> MassLimit:
    return _limit_one(AnalysisResult.from_dict(analysis_dict), y, config, method, asym)


def _as_simple(y: Any) -> SimpleYield:
    try:
        return SimpleYield(
            float(y.mass),
            float(y.yield_ww),
            float(y.yield_etl),
            float(y.yield_etl_direct),
            float(getattr(y, "yield_etl_err", 0.0) or 0.0),
        )
    except AttributeError as exc:
        raise UserInputError(
            "yields", type(y).__name__, f"records with mass and yield_ww/etl/etl_direct ({exc})"
        ) from None


def compute_limits(
    analysis: AnalysisResult,
    yields: Sequence[AprimeYieldLike] | Sequence[Any],
    *,
    method: str | None = None,
    preset: Preset | str | None = None,
    asymptotic: bool = True,
    workers: int = 1,
    progress: Any = None,
    scheduler: str | None = None,
    clean_workers: bool = False,
) -> LimitsResult:
    """90% C.L. limits for every yield record (one per A′ mass), spec Sec. IX-X, one mass per task over
    ``workers`` local processes or the dask cluster at ``scheduler``.

    ``clean_workers``: local workers started from a clean interpreter, not forked from this process
    (``darkmiss.parallel.clean_context``: faster from a long-lived process such as ``reproduce``). As
    with multiprocessing on macOS, the calling program's main module must then be importable without
    side effects (its work under ``if __name__ == "__main__":``), as the ``darkmiss`` command's is.

    ``method`` ("exact" headline, "asymptotic", "simplified") defaults to the preset's; the other
    two are always reported beside the exact one (asymptotic unless ``asymptotic=False``).
    """
    p = load_preset(preset or analysis.preset or "na64-2016") if not isinstance(preset, Preset) else preset
    config = StatsConfig.from_preset(p)
    method = method or config.method
    require(method in METHODS, "method", method, f"one of {', '.join(METHODS)}")
    require(len(analysis.runs) > 0, "analysis", "no runs", "an analysis with at least one run")
    recs = [_as_simple(y) for y in yields]
    require(len(recs) > 0, "yields", [], "at least one A' mass")
    if analysis.blinded:
        notes = ["blinded analysis: only expected limits are given (observed counts unknown)"]
    else:
        notes = []
    ad = analysis.to_dict()
    tasks = [(ad, y, config, method, asymptotic) for y in recs]
    records = map_chunks(
        _limit_task,
        tasks,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        clean_workers=clean_workers,
    )
    records.sort(key=lambda r: r.mass)
    obs = None if analysis.blinded else [int(r.observed or 0) for r in analysis.runs]
    if not analysis.blinded and asymptotic:
        ex = np.array([r.n90 for r in records if r.n90 is not None and r.n90_asymptotic is not None])
        asy = np.array(
            [r.n90_asymptotic for r in records if r.n90 is not None and r.n90_asymptotic is not None]
        )
        if ex.size:
            ratio = float(np.median(asy / ex))
            notes.append(
                f"asymptotic (pyhf) N90 / exact N90 = {ratio:.3f} (median over masses); at zero observed events "
                "the asymptotic formulae are not valid (N90 ≈ 1.5 vs 2.303) and ε_asymptotic is "
                f"{math.sqrt(ratio):.3f} x the exact ε"
            )
        simp = np.array(
            [r.n90_simplified for r in records if r.n90 is not None and r.n90_simplified is not None]
        )
        exs = np.array([r.n90 for r in records if r.n90 is not None and r.n90_simplified is not None])
        if simp.size:
            dev = float(np.max(np.abs(np.sqrt(simp / exs) - 1.0)))
            notes.append(
                f"simplified (merged-run) ε differs from the multi-run ε by at most {100 * dev:.2f}%"
            )
    return LimitsResult(
        preset=p.origin or p.name,
        cl=config.cl,
        method=method,
        nuisance=config.nuisance,
        blinded=analysis.blinded,
        runs=[str(r.run) for r in analysis.runs],
        observed=obs,
        records=records,
        notes=notes,
    )


__all__ = [
    "SCHEMA_VERSION",
    "YIELD_MC_SOURCE",
    "AprimeYieldLike",
    "LimitsResult",
    "MassLimit",
    "SimpleYield",
    "build_model",
    "check_schema_version",
    "compute_limits",
    "efficiency_rel_err",
    "epsilon_mc_error",
    "signal_systematics",
]
