"""The ECAL-cut optimisation before unblinding (spec Sec. IX, Fig. 14): the average expected limit vs the
cut, from MC efficiencies and side-band backgrounds. Energies in GeV, counts in events."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from darkmiss.analysis.background import exp_integral
from darkmiss.analysis.result import AnalysisResult, RunAnalysis
from darkmiss.config.load import Preset, load_preset
from darkmiss.errors import BlindingError, UserInputError, require
from darkmiss.stats.cls import expected_limits
from darkmiss.stats.limits import signal_systematics
from darkmiss.stats.model import Channel, CountingModel, StatsConfig


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
                    signal_systematics(r),
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


__all__ = [
    "OptimisationCurve",
    "OptimisationResult",
    "background_at_cut",
    "optimise_cut",
]
