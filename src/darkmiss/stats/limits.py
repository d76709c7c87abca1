"""Limits on the invisible A′ (spec Sec. IX) and their interpretation (Sec. X), and the ECAL-cut
optimisation before unblinding (Sec. IX, Fig. 14).

``compute_limits(analysis, yields)`` builds, for each A′ mass, the per-run counting model of
:mod:`darkmiss.stats.model` with s_i = n_EOT,i ε_tot,i n_A′ ε² (Eq. 26) and returns the 90% C.L. ε
limits from the WW, ETL and exact-tree-level ("etl_direct") yields with the headline exact CLs,
expected bands, the asymptotic (pyhf) and simplified (merged runs) results beside them, and y and
α_D bounds. Masses in GeV, yields per EOT, counts in events.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from darkmiss.analysis.background import exp_integral
from darkmiss.analysis.result import AnalysisResult, RunAnalysis
from darkmiss.config.load import Preset, load_preset
from darkmiss.errors import BlindingError, UserInputError, require
from darkmiss.interpret.bounds import interpolate_bound, load_bound
from darkmiss.interpret.darkmatter import InterpretConfig, alpha_d_lower_bound, y_limit
from darkmiss.interpret.epsilon import epsilon_limit, interpolate_efficiency
from darkmiss.physics.gminus2 import ae_excluded_epsilon, amu_favoured_band
from darkmiss.stats.cls import ExactCLs, expected_limits, nuisance_multipliers
from darkmiss.stats.model import METHODS, Channel, CountingModel, StatsConfig
from darkmiss.stats.workspace import asymptotic_limits

#: Name of the nuisance for the Monte-Carlo statistical error of the yield (shared by all runs).
YIELD_MC_SOURCE = "yield_mc"
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

    Observed quantities are None while the analysis is blinded.
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
    y_alpha_d_0p5: float | None
    y_alpha_d_0p005: float | None
    alpha_d_pseudodirac: float | None
    alpha_d_majorana: float | None
    efficiency: list[float]
    efficiency_extrapolated: bool
    y_by_alpha_d: dict[str, float | None] = field(default_factory=dict)
    yield_etl_rel_err: float = 0.0
    # Sec. X cross-check: α_D lower bounds from BaBar's ε bound (None outside its mass range)
    alpha_d_pseudodirac_babar: float | None = None
    alpha_d_majorana_babar: float | None = None
    # g−2 (Pospelov 2009): the a_μ favoured ε band (±nσ) and the ε above which a_e excludes the A′
    epsilon_amu_band: list[float] = field(default_factory=list)
    epsilon_ae_excluded: float | None = None


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
    interpret: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def masses(self) -> np.ndarray:
        return np.array([r.mass for r in self.records])

    def column(self, name: str) -> np.ndarray:
        """One field of every record as a float array (None → NaN)."""
        return np.array(
            [np.nan if getattr(r, name) is None else getattr(r, name) for r in self.records], dtype=float
        )

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LimitsResult:
        d = dict(d)
        d["records"] = [MassLimit(**r) for r in d.get("records", [])]
        return cls(**d)


def _signal_systematics(run: RunAnalysis) -> dict[str, float]:
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
        syst = _signal_systematics(run)
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
    icfg: InterpretConfig,
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

    e_etl = eps(n90, s_etl)
    ys: dict[str, float | None] = {
        f"{a:g}": None if e_etl is None else float(y_limit(e_etl, mass, a, icfg.mass_ratio))
        for a in icfg.alpha_d
    }

    def y_at(a: float) -> float | None:
        return None if e_etl is None else float(y_limit(e_etl, mass, a, icfg.mass_ratio))

    def ad(f: float) -> float | None:
        return None if e_etl is None else float(alpha_d_lower_bound(e_etl, mass, f, icfg.mass_ratio))

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
        epsilon_etl=e_etl,
        epsilon_etl_direct=eps(n90, s_dir),
        epsilon_etl_simplified=eps(n90_simpl, s_etl),
        epsilon_etl_asymptotic=eps(n90_asym, s_etl),
        epsilon_etl_expected=float(epsilon_limit(exp.median, s_etl)),
        epsilon_etl_expected_bands=[float(epsilon_limit(b, s_etl)) for b in exp.bands],
        y_alpha_d_0p5=y_at(0.5),
        y_alpha_d_0p005=y_at(0.005),
        alpha_d_pseudodirac=ad(icfg.f_pseudodirac),
        alpha_d_majorana=ad(icfg.f_majorana),
        efficiency=[float(e) for e in eff],
        efficiency_extrapolated=extrap,
        y_by_alpha_d=ys,
        yield_etl_rel_err=rel,
        alpha_d_pseudodirac_babar=_babar_alpha_d(mass, icfg.f_pseudodirac, icfg.mass_ratio),
        alpha_d_majorana_babar=_babar_alpha_d(mass, icfg.f_majorana, icfg.mass_ratio),
        epsilon_amu_band=[float(x) for x in amu_favoured_band(mass, icfg.amu_band_nsigma)],
        epsilon_ae_excluded=_finite_or_none(float(ae_excluded_epsilon(mass, icfg.ae_exclusion_nsigma))),
    )


def _finite_or_none(x: float) -> float | None:
    return x if math.isfinite(x) else None


def _babar_alpha_d(mass: float, f: float, ratio: float) -> float | None:
    """α_D lower bound from BaBar's ε bound at ``mass`` via Eq. 5 (the spec's Sec. X cross-check)."""
    eps = float(interpolate_bound(load_bound("babar_eps"), np.array([mass]))[0])
    return None if not math.isfinite(eps) else float(alpha_d_lower_bound(eps, mass, f, ratio))


_ASYMPTOTIC_CACHE: dict[str, Any] = {}


def _asymptotic_cached(model: CountingModel, config: StatsConfig) -> Any:
    """pyhf asymptotic limits; models whose signal fractions agree to 1e-4 share one calculation
    (a comparison column only: the induced change of N90 is below 1e-4 relative)."""
    from darkmiss.cache import hash_key

    rounded = model.with_signal([round(float(x), 4) for x in model.signal])
    key = hash_key(rounded, config.cl, config.pyhf_interpcode)
    if key not in _ASYMPTOTIC_CACHE:
        _ASYMPTOTIC_CACHE[key] = asymptotic_limits(model, cl=config.cl, interpcode=config.pyhf_interpcode)
    return _ASYMPTOTIC_CACHE[key]


def _limit_task(
    analysis_dict: dict[str, Any],
    y: SimpleYield,
    config: StatsConfig,
    icfg: InterpretConfig,
    method: str,
    asym: bool,
) -> MassLimit:
    return _limit_one(AnalysisResult.from_dict(analysis_dict), y, config, icfg, method, asym)


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
) -> LimitsResult:
    """90% C.L. limits for every yield record (one per A′ mass), spec Sec. IX-X.

    ``method`` ("exact" headline, "asymptotic", "simplified") defaults to the preset's; the other
    two are always reported beside the exact one (asymptotic unless ``asymptotic=False``).
    """
    p = load_preset(preset or analysis.preset or "na64-2016") if not isinstance(preset, Preset) else preset
    config = StatsConfig.from_preset(p)
    icfg = InterpretConfig.from_preset(p)
    method = method or config.method
    require(method in METHODS, "method", method, f"one of {', '.join(METHODS)}")
    require(len(analysis.runs) > 0, "analysis", "no runs", "an analysis with at least one run")
    recs = [_as_simple(y) for y in yields]
    require(len(recs) > 0, "yields", [], "at least one A' mass")
    if analysis.blinded:
        notes = ["blinded analysis: only expected limits are given (observed counts unknown)"]
    else:
        notes = []
    from darkmiss.execute.local import map_chunks

    ad = analysis.to_dict()
    tasks = [(ad, y, config, icfg, method, asymptotic) for y in recs]
    records = map_chunks(_limit_task, tasks, workers=workers, progress=progress)
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
        preset=p.name,
        cl=config.cl,
        method=method,
        nuisance=config.nuisance,
        blinded=analysis.blinded,
        runs=[str(r.run) for r in analysis.runs],
        observed=obs,
        records=records,
        notes=notes,
        interpret=asdict(icfg),
    )


# ---------------------------------------------------------------------------------------------
# ECAL-cut optimisation before unblinding (spec Sec. IX, Fig. 14)
# ---------------------------------------------------------------------------------------------


@dataclass
class OptimisationCurve:
    """The sensitivity vs the ECAL cut at one mass: the average expected N90 (events), the signal
    efficiency sum Σ n_EOT,i ε_i(cut), and the relative expected ε limit sqrt(N90/Σ n_EOT ε) / min."""

    mass: float
    cuts: list[float]
    background: list[float]
    eot_efficiency: list[float]
    n90_mean: list[float]
    sensitivity: list[float]
    best_cut: float


@dataclass
class OptimisationResult:
    """Curves per mass and the cut chosen for all masses [GeV]."""

    curves: list[OptimisationCurve]
    chosen_cut: float
    previous_cut: float
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def background_at_cut(run: RunAnalysis, cut: float, nominal_cut: float) -> tuple[float, float]:
    """Background [events] and error in the signal box with E_ECAL < ``cut`` [GeV].

    The side-band-C extrapolation (exponential dN/dE = exp(p1 + p2·E) per GeV, integrated over
    [0, cut]) replaces its value at the nominal cut, keeping its *relative* uncertainty (fit
    covariance and fit-range variations, spec Sec. VIII); the other components are cut-independent.
    """
    fit = run.sideband_fit
    if not fit or "p1" not in fit or "p2" not in fit:
        return float(run.background), float(run.background_err)
    p1, p2 = float(fit["p1"]), float(fit["p2"])
    i_nom = float(exp_integral(p1, p2, 0.0, nominal_cut))
    i_cut = float(exp_integral(p1, p2, 0.0, cut))
    sb = next((v for k, v in run.background_components.items() if "side band c" in k.lower()), None)
    sb_val, sb_err = (float(sb[0]), float(sb[1])) if sb else (i_nom, 0.0)
    other_err2 = max(float(run.background_err) ** 2 - sb_err**2, 0.0)
    scale = i_cut / i_nom if i_nom > 0 else 0.0
    b = max(float(run.background) - sb_val + sb_val * scale, 0.0)
    return b, math.sqrt(other_err2 + (sb_err * scale) ** 2)


def _efficiency_vs_cut(run: RunAnalysis, mass: float, cuts: np.ndarray) -> np.ndarray:
    if not run.signal_ecal_eff or len(run.signal_ecal_edges) < 2:
        raise UserInputError(
            "analysis",
            run.run,
            "per-bin signal efficiencies in E_ECAL (signal_ecal_edges/eff) for the optimisation",
        )
    keys = list(run.signal_ecal_eff)
    km = np.array([float(k) for k in keys])
    k = int(np.argmin(np.abs(np.log(km / mass))))
    eff = np.asarray(run.signal_ecal_eff[keys[k]], dtype=float)
    edges = np.asarray(run.signal_ecal_edges, dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(eff)])
    return np.interp(cuts, edges, cum)


def optimise_cut(
    analysis: AnalysisResult,
    masses: Sequence[float] | None = None,
    *,
    preset: Preset | str | None = None,
) -> OptimisationResult:
    """Average expected limit vs the ECAL cut (Fig. 14) from MC efficiencies and side-band backgrounds
    (runs merged into one channel as in the simplified method of Sec. IX).

    Refused once the analysis is unblinded (:class:`BlindingError`): the cut must be chosen blind.
    The chosen cut minimises the sum over masses of the sensitivity relative to each mass's best.
    """
    if not analysis.blinded:
        raise BlindingError(
            "the ECAL cut cannot be optimised after unblinding (spec Sec. IX: optimise, then unblind)"
        )
    p = load_preset(preset or analysis.preset or "na64-2016") if not isinstance(preset, Preset) else preset
    config = StatsConfig.from_preset(p)
    ms = tuple(masses) if masses is not None else config.optimise_masses
    require(len(ms) > 0 and all(m > 0 for m in ms), "mass", ms, "positive A' masses [GeV]")
    edges = np.asarray(analysis.runs[0].signal_ecal_edges, dtype=float)
    lo, hi = max(config.optimise_cut_min, edges[0]), min(config.optimise_cut_max, edges[-1])
    require(hi >= lo, "signal_ecal_edges", edges.tolist()[:5], "bin edges covering the scanned cut range")
    cuts = np.arange(lo, hi + 1e-9, config.optimise_cut_step)
    notes: list[str] = []
    if any(not r.sideband_fit for r in analysis.runs):
        notes.append("some runs lack a side-band fit: their background is taken as cut-independent")
    bkg = np.array(
        [[background_at_cut(r, c, analysis.ecal_cut) for r in analysis.runs] for c in cuts]
    )  # (cut, run, 2)
    eot = np.array([r.eot for r in analysis.runs])
    curves = []
    score = np.zeros(cuts.size)
    for m in ms:
        effs = np.array([_efficiency_vs_cut(r, m, cuts) for r in analysis.runs]).T  # (cut, run)
        n90 = np.empty(cuts.size)
        tot = (effs * eot).sum(axis=1)
        for i in range(cuts.size):
            frac = effs[i] * eot / tot[i] if tot[i] > 0 else np.full(eot.size, 1.0 / eot.size)
            chans = tuple(
                Channel(
                    str(r.run),
                    float(f),
                    float(bkg[i, j, 0]),
                    float(bkg[i, j, 1]),
                    None,
                    _signal_systematics(r),
                )
                for j, (r, f) in enumerate(zip(analysis.runs, frac, strict=False))
            )
            # the runs merged into one channel (the simplified method of Sec. IX): the curve only ranks
            # cuts, and a single channel keeps the exact sums small whatever the backgrounds
            model = CountingModel(chans, config.correlated_sources).merged()
            n90[i] = expected_limits(
                model,
                cl=config.cl,
                quantiles=config.expected_quantiles,
                n_samples=min(config.nuisance_samples, 256),
                seed=config.nuisance_seed,
                integrate=config.nuisance == "integrate",
                coverage=0.99,  # the mean is needed to rank cuts, not the far tail of the bands
            ).mean
        with np.errstate(divide="ignore"):
            sens = np.where(tot > 0, np.sqrt(n90 / np.where(tot > 0, tot, 1.0)), np.inf)
        rel = sens / np.min(sens)
        score += rel
        curves.append(
            OptimisationCurve(
                mass=float(m),
                cuts=cuts.tolist(),
                background=bkg[:, :, 0].sum(axis=1).tolist(),
                eot_efficiency=tot.tolist(),
                n90_mean=n90.tolist(),
                sensitivity=rel.tolist(),
                best_cut=float(cuts[int(np.argmin(sens))]),
            )
        )
    chosen = float(cuts[int(np.argmin(score))])
    return OptimisationResult(
        curves=curves, chosen_cut=chosen, previous_cut=float(analysis.ecal_cut), notes=notes
    )


def freeze_cut(folder: str | Path, result: OptimisationResult) -> AnalysisResult:
    """Write the chosen ECAL cut into ``folder/analysis.json`` (cut_frozen = True), atomically.

    Refused (:class:`BlindingError`) if the analysis in ``folder`` is already unblinded.
    """
    from darkmiss.cache import write_json_atomic

    analysis = AnalysisResult.read(folder)
    if not analysis.blinded:
        raise BlindingError("the analysis is unblinded: its ECAL cut can no longer be changed")
    analysis.ecal_cut = float(result.chosen_cut)
    analysis.cut_frozen = True
    analysis.extra = dict(analysis.extra)
    analysis.extra["cut_optimisation"] = result.to_dict()
    write_json_atomic(Path(folder) / "analysis.json", analysis.to_dict())
    return analysis


__all__ = [
    "AprimeYieldLike",
    "LimitsResult",
    "MassLimit",
    "OptimisationCurve",
    "OptimisationResult",
    "SimpleYield",
    "background_at_cut",
    "build_model",
    "compute_limits",
    "freeze_cut",
    "nuisance_multipliers",
    "optimise_cut",
]
