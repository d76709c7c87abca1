"""Background estimate (spec Sec. VIII): the exponential fit of side band C extrapolated into the
signal box, the side band A estimate, the validation-region shape check, and the components
predicted by the simulation (weighted MC of the background processes). Energies GeV.
"""

from __future__ import annotations

import itertools
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
from iminuit import Minuit

from darkmiss.events.schema import Process


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
class SidebandEstimate:
    """Extrapolation of a side-band fit into the signal box: value ± stat (fit errors) ± variation."""

    fit: ExpFit
    value: float
    stat: float
    variation: float
    variations: list[dict[str, Any]] = field(default_factory=list)

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
        var_rows.append({"range": [lo, hi], "p2": f2.p2, "value": v2, "n_events": f2.n_events})
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


def validation_check(e_ecal: np.ndarray, ecal_range: tuple[float, float], n_bins: int = 20) -> dict[str, Any]:
    """Exponential shape in the validation region (spec Sec. VIII): fitted slope and a binned
    Pearson χ²/ndf of the fit (Poisson expectation per bin)."""
    fit = fit_exponential(e_ecal, *ecal_range)
    out: dict[str, Any] = {"fit": fit.to_dict(), "chi2": None, "ndf": None}
    if not fit.valid:
        return out
    edges = np.linspace(*ecal_range, n_bins + 1)
    obs, _ = np.histogram(e_ecal, edges)
    exp = np.array([float(exp_integral(fit.p1, fit.p2, a, b)) for a, b in itertools.pairwise(edges)])
    ok = exp > 0
    out["chi2"] = float((((obs - exp) ** 2)[ok] / exp[ok]).sum())
    out["ndf"] = int(ok.sum() - 2)
    return out


#: Table IV rows: the simulated process codes feeding each row.
TABLE_IV_ROWS: dict[str, tuple[int, ...]] = {
    "punchthrough / hermeticity": (int(Process.PUNCHTHROUGH),),
    "loss of hadrons (e Z -> e + hadrons)": (int(Process.HADRONIC),),
    "loss of muons (dimuons)": (int(Process.DIMUON),),
    "mu, pi, K decays (Ke3)": (int(Process.DECAY_IN_FLIGHT),),
    "mu, pi, K interactions in the target": (int(Process.HADRON_IN_TARGET),),
    "accidental SR tag": (int(Process.ACCIDENTAL_SR),),
    "upstream interactions (simulated)": (int(Process.UPSTREAM),),
    "e-m showers / beam hadrons": (int(Process.EM_SHOWER), int(Process.BEAM_HADRON)),
}

#: Spec Table IV values (events for 4.3e10 EOT) beside our predictions: [value, err]; upper
#: limits as [limit, 0] with "<" in the row name of the report.
SPEC_TABLE_IV: dict[str, list[float]] = {
    "punchthrough / hermeticity": [0.001, 0.0],
    "loss of hadrons (e Z -> e + hadrons)": [0.001, 0.0],
    "loss of muons (dimuons)": [0.005, 0.001],
    "mu, pi, K decays (Ke3)": [0.02, 0.004],
    "upstream interactions (side band C)": [0.09, 0.03],
    "mu, pi, K interactions in the target": [0.008, 0.002],
    "accidental SR tag": [0.001, 0.0],
    "total": [0.12, 0.04],
}


def mc_components(
    process: np.ndarray, weight_per_eot: np.ndarray, in_box: np.ndarray, eot: float
) -> dict[str, list[float]]:
    """Simulation-predicted background in the box for ``eot`` EOT per Table IV row: [value, err].

    ``weight_per_eot`` is each MC event's weight in events per EOT. Where no simulated event
    passes, the row is [0, 0] and :func:`mc_sensitivities` gives the one-event sensitivity of the
    sample (reported as "< x" in Table IV, not fed to the limits as an uncertainty).
    """
    out: dict[str, list[float]] = {}
    for row, codes in TABLE_IV_ROWS.items():
        sel = np.isin(process, codes)
        if not np.any(sel):
            continue
        w = weight_per_eot[sel & in_box] * eot
        if len(w):
            out[row] = [float(w.sum()), float(np.sqrt((w**2).sum()))]
        else:
            out[row] = [0.0, 0.0]
    return out


def mc_sensitivities(process: np.ndarray, weight_per_eot: np.ndarray, eot: float) -> dict[str, float]:
    """One-event sensitivity per Table IV row: the largest event weight × EOT [events]."""
    out: dict[str, float] = {}
    for row, codes in TABLE_IV_ROWS.items():
        sel = np.isin(process, codes)
        if np.any(sel):
            out[row] = float(np.max(weight_per_eot[sel]) * eot)
    return out
