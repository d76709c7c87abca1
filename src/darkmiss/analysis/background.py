"""Background estimate (spec Sec. VIII): the exponential fit of side band C extrapolated into the
signal box, the side band A estimate, the validation-region shape check, and the components
predicted by the simulation (weighted MC of the background processes), and the analysis step that
makes them for every run (:func:`background_estimate`). Energies GeV, counts in events.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any, NamedTuple

import numpy as np
from iminuit import Minuit

from darkmiss.analysis.context import AnalysisContext
from darkmiss.analysis.histograms import bin_sums
from darkmiss.analysis.table_iv import (
    SPEC_TABLE_IV,
    UPSTREAM_ROW,
    RowEstimate,
    SampleStats,
    run_sample_stats,
    table_iv,
)
from darkmiss.events.schema import Process
from darkmiss.reco.selection import CUT_NAMES


class Estimate(NamedTuple):
    """A number of events with its uncertainty (written as [value, err])."""

    value: float
    err: float


@dataclass
class ExpFit:
    """Extended unbinned fit of dN/dE = exp(p1 + p2·E) [events/GeV] on ``range`` (spec Sec. VIII)."""

    p1: float
    p2: float
    cov: list[list[float]]
    range: tuple[float, float]
    n_events: int
    valid: bool

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["range"] = list(self.range)
        return d


def exp_integral(p1: float | np.ndarray, p2: float | np.ndarray, a: float, b: float) -> np.ndarray:
    """∫_a^b exp(p1 + p2·E) dE [events] (stable for p2 → 0)."""
    p1 = np.asarray(p1, dtype=float)
    p2 = np.asarray(p2, dtype=float)
    small = np.abs(p2) < 1e-9
    safe = np.where(small, 1.0, p2)
    val = np.exp(p1 + p2 * a) * np.expm1(safe * (b - a)) / safe
    return np.where(small, np.exp(p1) * (b - a), val)


def fit_exponential(x: np.ndarray, lo: float, hi: float, weights: np.ndarray | None = None) -> ExpFit:
    """Extended unbinned maximum-likelihood fit (iminuit) of exp(p1 + p2·E) to ``x`` in [lo, hi).

    NLL = ∫f − Σ w_i ln f(x_i) (w_i = 1 unless prescaled events carry weights), parametrised as
    exp(q + p2 (E − lo)) for stability, then p1 = q − p2·lo with the covariance transformed.
    """
    x = np.asarray(x, dtype=float)
    w_all = np.ones_like(x) if weights is None else np.asarray(weights, dtype=float)
    inr = (x >= lo) & (x < hi)
    x = x[inr]
    wts = w_all[inr]
    n = len(x)
    if n < 3:
        return ExpFit(
            p1=-np.inf if n == 0 else float(np.log(n / (hi - lo))),
            p2=0.0,
            cov=[[0.0, 0.0], [0.0, 0.0]],
            range=(lo, hi),
            n_events=n,
            valid=False,
        )
    xs = x - lo
    width = hi - lo
    sw = float(wts.sum())
    sx = float((wts * xs).sum())

    def nll(q: float, p2: float) -> float:
        integral = float(exp_integral(q, p2, 0.0, width))
        return integral - (sw * q + p2 * sx)

    p2_0 = 1.0 / max(float(np.mean(xs)), 1e-3) - 1.0 / width
    m = Minuit(nll, q=float(np.log(sw / width)), p2=float(np.clip(p2_0, -2, 2)))
    m.errordef = Minuit.LIKELIHOOD
    m.migrad()
    m.hesse()
    q, p2 = float(m.values["q"]), float(m.values["p2"])
    c = np.array(m.covariance) if m.covariance is not None else np.zeros((2, 2))
    jac = np.array([[1.0, -lo], [0.0, 1.0]])
    cov = jac @ c @ jac.T
    return ExpFit(p1=q - p2 * lo, p2=p2, cov=cov.tolist(), range=(lo, hi), n_events=n, valid=bool(m.valid))


def extrapolate(
    fit: ExpFit, a: float, b: float, n_toys: int, rng: np.random.Generator
) -> tuple[float, float]:
    """Integral of the fitted function over [a, b] and its uncertainty from the fit covariance
    (parameters varied within their errors, spec Sec. VIII): (value, half-width of the central
    68% band of the toys)."""
    if not fit.valid:
        return 0.0, 0.0
    val = float(exp_integral(fit.p1, fit.p2, a, b))
    cov = np.array(fit.cov)
    if not np.all(np.isfinite(cov)) or n_toys <= 1:
        return val, 0.0
    toys = rng.multivariate_normal([fit.p1, fit.p2], cov, size=n_toys, check_valid="ignore")
    vals = exp_integral(toys[:, 0], toys[:, 1], a, b)
    # half-width of the central 68% band: the toys' distribution is log-normal-like, and its
    # standard deviation would be dominated by the far upper tail
    lo, hi = np.percentile(vals, [15.865, 84.135])
    return val, float(0.5 * (hi - lo))


@dataclass
class FitVariation:
    """The side-band fit on an alternative ``range`` [GeV]: its slope p2 [1/GeV], its extrapolation
    into the box [events] (NaN for an invalid fit) and its number of events."""

    range: tuple[float, float]
    p2: float
    value: float
    n_events: int

    def to_dict(self) -> dict[str, Any]:
        return {"range": list(self.range), "p2": self.p2, "value": self.value, "n_events": self.n_events}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FitVariation:
        """Read :meth:`to_dict`'s layout (null for a NaN extrapolation)."""
        lo, hi = d["range"]
        value = d["value"]
        return cls(
            range=(float(lo), float(hi)),
            p2=float(d["p2"]),
            value=float("nan") if value is None else float(value),
            n_events=int(d["n_events"]),
        )


@dataclass
class SidebandEstimate:
    """Extrapolation of a side-band fit into the signal box: value ± stat (fit errors) ± variation."""

    fit: ExpFit
    value: float
    stat: float
    variation: float
    variations: list[FitVariation] = field(default_factory=list)

    @property
    def error(self) -> float:
        return float(np.hypot(self.stat, self.variation))


def sideband_c(
    e_ecal: np.ndarray,
    ecal_cut: float,
    fit_range: tuple[float, float],
    variations: tuple[tuple[float, float], ...],
    n_toys: int,
    rng: np.random.Generator,
    weights: np.ndarray | None = None,
) -> SidebandEstimate:
    """Side band C (E_ECAL > cut, E_HCAL < 1 GeV; events given by the caller): exponential fit on
    ``fit_range`` extrapolated over [0, ecal_cut] (spec Sec. VIII, Fig. 13). The largest change
    under the alternative fit ranges is the fit-variation uncertainty."""
    fit = fit_exponential(e_ecal, *fit_range, weights=weights)
    val, stat = extrapolate(fit, 0.0, ecal_cut, n_toys, rng)
    var_rows = []
    dev = 0.0
    for lo, hi in variations:
        f2 = fit_exponential(e_ecal, lo, hi, weights=weights)
        v2 = float(exp_integral(f2.p1, f2.p2, 0.0, ecal_cut)) if f2.valid else float("nan")
        var_rows.append(FitVariation(range=(lo, hi), p2=f2.p2, value=v2, n_events=f2.n_events))
        if np.isfinite(v2) and fit.valid:
            dev = max(dev, abs(v2 - val))
    return SidebandEstimate(fit=fit, value=val, stat=stat, variation=dev, variations=var_rows)


def sideband_a(
    e_hcal: np.ndarray, hcal_cut: float, fit_range: tuple[float, float], n_toys: int, rng: np.random.Generator
) -> SidebandEstimate:
    """Side band A (E_ECAL < cut, E_HCAL > 1 GeV): exponential fit in E_HCAL on ``fit_range``,
    extrapolated over [0, hcal_cut] (spec Sec. VIII)."""
    fit = fit_exponential(e_hcal, *fit_range)
    val, stat = extrapolate(fit, 0.0, hcal_cut, n_toys, rng)
    return SidebandEstimate(fit=fit, value=val, stat=stat, variation=0.0)


@dataclass
class ValidationCheck:
    """The exponential fit in the validation region and its binned Pearson χ² with ndf (None when
    the fit is invalid)."""

    fit: ExpFit
    chi2: float | None
    ndf: int | None

    def to_dict(self) -> dict[str, Any]:
        return {"fit": self.fit.to_dict(), "chi2": self.chi2, "ndf": self.ndf}


def validation_check(
    e_ecal: np.ndarray, ecal_range: tuple[float, float], n_bins: int = 20
) -> ValidationCheck:
    """Exponential shape in the validation region (spec Sec. VIII): fitted slope and a binned
    Pearson χ²/ndf of the fit (Poisson expectation per bin; bins [a, b) like the fit range)."""
    fit = fit_exponential(e_ecal, *ecal_range)
    if not fit.valid:
        return ValidationCheck(fit=fit, chi2=None, ndf=None)
    edges = np.linspace(*ecal_range, n_bins + 1)
    obs, _ = bin_sums(e_ecal, edges)
    exp = np.array([float(exp_integral(fit.p1, fit.p2, a, b)) for a, b in itertools.pairwise(edges)])
    ok = exp > 0
    return ValidationCheck(
        fit=fit, chi2=float((((obs - exp) ** 2)[ok] / exp[ok]).sum()), ndf=int(ok.sum() - 2)
    )


#: Version of the background estimate, part of the analysis stage's key in ``reproduce`` (stage keys do not
#: include the code), so that an analysis made by older code is made again. 2: side band A is not summed.
BACKGROUND_VERSION = 2

#: Suffix of the components listed beside the total but not summed into it.
NOT_SUMMED = " [not summed]"
#: The side band A component: estimated and shown, not summed. The spec neglects it (Sec. VIII: "≲ 0.001
#: events in total are expected in the signal box from the side band A for all runs, and was further
#: neglected"); the physics it extrapolates (hadronic secondaries of the target escaping the HCAL) is
#: predicted by the biased MC's Table IV rows, which are summed, and the pseudo-data hold 0–4 events of
#: side band A per run, too few for a meaningful exponential extrapolation (docs/analysis.md).
SIDEBAND_A = "side band A" + NOT_SUMMED


@dataclass
class RunBackground:
    """Background in the signal box of one run (Table IV): the components (side bands C and A, then
    the simulated rows; the simulated upstream row is not summed since side band C measures it),
    their total, the Table IV rows with their upper limits, the fits, the validation check, and the
    side band C events for Fig. 13."""

    run: str
    eot: float
    components: dict[str, Estimate]
    table_iv: dict[str, RowEstimate]
    total: Estimate
    sideband_c: SidebandEstimate
    sideband_a: SidebandEstimate
    validation: ValidationCheck
    sideband_c_e_ecal: np.ndarray  # E_ECAL [GeV] of the side band C events
    sideband_c_weights: np.ndarray

    def to_record(self) -> dict[str, Any]:
        """The ``tables.json`` row."""
        return {
            "run": self.run,
            "eot": self.eot,
            "components": {k: list(v) for k, v in self.components.items()},
            "table_iv": {k: v.to_record() for k, v in self.table_iv.items()},
            "total": list(self.total),
            "sideband_C": self.sideband_c.fit.to_dict(),
            "sideband_A": self.sideband_a.fit.to_dict(),
            "validation": self.validation.to_dict(),
        }


@dataclass
class BackgroundSummary:
    """All runs together: total and components (values added, errors in quadrature) for ``eot`` EOT,
    and Table IV from the MC (rows with upper limits, scaled to the spec's 4.3e10 EOT in ``table_iv``)."""

    total: Estimate
    components: dict[str, Estimate]
    eot: float
    table_iv: dict[str, RowEstimate] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """The ``tables.json`` summary, beside the spec's Table IV."""
        return {
            "total": list(self.total),
            "components": {k: list(v) for k, v in self.components.items()},
            "table_iv": {k: v.to_record() for k, v in self.table_iv.items()},
            "spec_table_iv": {k: list(v) for k, v in SPEC_TABLE_IV.items()},
            "eot": self.eot,
        }


@dataclass
class BackgroundEstimate:
    """The background step for every run (in run order) and the sum over runs."""

    runs: dict[str, RunBackground]
    summary: BackgroundSummary


def total_background(components: dict[str, Estimate]) -> Estimate:
    """Sum of the summed components, errors in quadrature [events]."""
    summed = [v for k, v in components.items() if NOT_SUMMED not in k]
    return Estimate(float(sum(v[0] for v in summed)), float(np.sqrt(sum(v[1] ** 2 for v in summed))))


def summarise(
    runs: dict[str, RunBackground], table_all: dict[str, RowEstimate] | None = None
) -> BackgroundSummary:
    """Totals over runs: values added, errors in quadrature, per component and overall; ``table_all``
    the Table IV rows of all runs together."""
    comp: dict[str, list[float]] = {}
    for rb in runs.values():
        for k, v in rb.components.items():
            c = comp.setdefault(k, [0.0, 0.0])
            c[0] += v[0]
            c[1] = float(np.hypot(c[1], v[1]))
    return BackgroundSummary(
        total=Estimate(
            float(sum(rb.total.value for rb in runs.values())),
            float(np.sqrt(sum(rb.total.err**2 for rb in runs.values()))),
        ),
        components={k: Estimate(v[0], v[1]) for k, v in comp.items()},
        eot=float(sum(rb.eot for rb in runs.values())),
        table_iv=dict(table_all or {}),
    )


def background_estimate(ctx: AnalysisContext, rng: np.random.Generator) -> BackgroundEstimate:
    """Table IV per run (spec Sec. VIII): side band C (weighted fit above the blinded edge,
    extrapolated over [0, E_cut]), side band A, the validation check and the rows predicted by the
    biased MC (:mod:`.table_iv`) for the run's EOT. ``rng`` draws the extrapolation toys, run by run,
    C before A."""
    data, mc, msel, cfg = ctx.data, ctx.mc, ctx.msel, ctx.cfg
    lo = max(cfg.sideband_fit_range[0], cfg.ecal_cut, cfg.blind_ecal_max if ctx.blinded else cfg.ecal_cut)
    fit_range = (lo, max(cfg.sideband_fit_range[1], lo + 1.0))
    var_ranges = tuple((max(a, lo), b) for a, b in cfg.sideband_fit_variations if b > max(a, lo))
    a_range = (max(cfg.sideband_a_hcal_range[0], cfg.hcal_cut), cfg.sideband_a_hcal_range[1])
    if mc is not None and msel is not None:
        signals = [int(Process.SIGNAL), int(Process.ANNIHILATION), int(Process.CALIBRATION)]
        bmask = ~np.isin(mc.process, signals)
        in_box = bmask & msel.all(*CUT_NAMES) & ctx.regions["signal_box"].contains(mc.e_ecal, mc.e_hcal)
    runs: dict[str, RunBackground] = {}
    stats: dict[str, dict[str, SampleStats]] = {}
    for info in ctx.runs:
        sel = ctx.in_run(info.name) & ctx.all_cuts
        c_mask = sel & (data.e_hcal < cfg.hcal_cut)
        sc = sideband_c(
            data.e_ecal[c_mask],
            cfg.ecal_cut,
            fit_range,
            var_ranges,
            cfg.n_toys,
            rng,
            weights=data.weight[c_mask],
        )
        a_mask = sel & (data.e_ecal < cfg.ecal_cut)
        sa = sideband_a(data.e_hcal[a_mask], cfg.hcal_cut, a_range, cfg.n_toys, rng)
        v_mask = sel & (data.e_hcal >= cfg.validation_hcal_min)
        components = {
            "upstream interactions (side band C)": Estimate(sc.value, sc.error),
            SIDEBAND_A: Estimate(sa.value, sa.error),
        }
        rows: dict[str, RowEstimate] = {}
        if mc is not None and msel is not None:
            mine = mc.run == info.index
            stats[info.name] = run_sample_stats(
                ctx.mc_files, info.name, info.eot, mc.process[mine], (mc.weight * mc.norm)[mine], in_box[mine]
            )
            rows = table_iv({info.name: stats[info.name]})[info.name]
            for k, v in rows.items():
                if k != "total":
                    components[k + NOT_SUMMED if k == UPSTREAM_ROW else k] = Estimate(v.value, v.err)
        runs[info.name] = RunBackground(
            run=info.name,
            eot=info.eot,
            components=components,
            table_iv=rows,
            total=total_background(components),
            sideband_c=sc,
            sideband_a=sa,
            validation=validation_check(data.e_ecal[v_mask], cfg.validation_ecal),
            sideband_c_e_ecal=data.e_ecal[c_mask],
            sideband_c_weights=data.weight[c_mask],
        )
    table_all = table_iv(stats)["all"] if stats else {}
    return BackgroundEstimate(runs=runs, summary=summarise(runs, table_all))
