"""Figures of the analysis (mplhep): equivalents of spec Figs. 7 (middle/right), 8–13.

Every figure is drawn from visible events only: while blinded, data-mode signal-box events never
reach this module (analysis/blinding.py), and the box is drawn hatched with "blinded" written on it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import mplhep
import numpy as np
from matplotlib.patches import Rectangle

from darkmiss.analysis.background import RunBackground
from darkmiss.analysis.cutflow import RunCutflow
from darkmiss.analysis.dimuon import MCDimuons, RRResult, RunDimuons, rr_model
from darkmiss.analysis.efficiency import CalibrationEfficiency
from darkmiss.analysis.histograms import bin_sums
from darkmiss.analysis.run import AnalysisOutput
from darkmiss.cache import atomic_write_path, input_digest, made_from, record_made_from
from darkmiss.parallel import map_chunks
from darkmiss.plots.style import hep_style


def _save(fig: Any, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip("."), dpi=90, bbox_inches="tight")
    plt.close(fig)
    return path


def _box(ax: Any, ecal_cut: float, hcal_cut: float, blinded: bool) -> None:
    ax.add_patch(
        Rectangle(
            (0, 0),
            ecal_cut,
            hcal_cut * 5,
            fill=False,
            hatch="//" if blinded else None,
            edgecolor="k",
            ls="--",
        )
    )
    if blinded:
        ax.text(ecal_cut / 2, hcal_cut * 2.5, "blinded", ha="center", va="center", fontsize=10)


def fig7(run: str, rc: RunCutflow, ecal_cut: float, hcal_cut: float, blinded: bool, path: Path) -> Path:
    """Fig. 7 middle/right: (E_ECAL, E_HCAL) after all cuts but the upstream ones, and after all cuts."""
    fig, axes = plt.subplots(1, 2, figsize=(14, 6))
    for ax, pts, title in zip(
        axes, (rc.no_upstream, rc.all_cuts), ("all cuts but upstream", "all cuts"), strict=True
    ):
        ax.scatter(pts.e_ecal, pts.e_hcal, s=3)
        _box(ax, ecal_cut, hcal_cut, blinded)
        ax.set_xlim(0, 120)
        ax.set_ylim(0, 120)
        ax.set_xlabel(r"$E_{ECAL}$ [GeV]")
        ax.set_ylabel(r"$E_{HCAL}$ [GeV]")
        ax.set_title(f"run {run}: {title}", fontsize=14)
    return _save(fig, path)


def fig8(run: str, d: RunDimuons, path: Path) -> Path:
    """Fig. 8: selected dimuon events in the (E_ECAL, E_HCAL total) plane."""
    fig, ax = plt.subplots(figsize=(8, 6))
    ax.scatter(d.data_e_ecal, d.data_hcal_total, s=4)
    ax.set_xlabel(r"$E_{ECAL}$ [GeV]")
    ax.set_ylabel(r"$E_{HCAL}$ (4 modules) [GeV]")
    ax.set_title(f"dimuons, run {run}", fontsize=14)
    return _save(fig, path)


def _norm_hist(
    ax: Any, x: np.ndarray, w: np.ndarray | None, edges: np.ndarray, label: str, data: bool
) -> None:
    """Histogram of ``x`` normalised to unit sum of weights in the drawn range; data with error bars
    sqrt(Σw²)/Σw (hist Weight storage)."""
    sumw, sumw2 = bin_sums(x, edges, w)
    tot = sumw.sum()
    if tot <= 0:
        return
    if data:
        mplhep.histplot(sumw / tot, edges, yerr=np.sqrt(sumw2) / tot, histtype="errorbar", ax=ax, label=label)
    else:
        mplhep.histplot(sumw / tot, edges, ax=ax, label=label)


def fig9(run: str, d: RunDimuons, mc: MCDimuons | None, path: Path) -> Path:
    """Fig. 9: dimuon energy in HCAL2 and HCAL3, data vs MC, normalised to the same number of events."""
    fig, axes = plt.subplots(1, 2, figsize=(14, 6))
    edges = np.linspace(0, 8, 33)
    for ax, mod in zip(axes, (1, 2), strict=True):
        _norm_hist(ax, d.data_hcal[:, mod], None, edges, "data", True)
        if mc is not None:
            _norm_hist(ax, mc.hcal[:, mod], mc.w, edges, "MC", False)
        ax.set_xlabel(f"$E_{{HCAL{mod + 1}}}$ [GeV]")
        ax.legend()
    fig.suptitle(f"dimuons, run {run}")
    return _save(fig, path)


def fig10(run: str, d: RunDimuons, mc: MCDimuons | None, path: Path) -> Path:
    """Fig. 10: E_ECAL of the scattered electron in dimuon events, data vs MC (normalised)."""
    fig, ax = plt.subplots(figsize=(8, 6))
    edges = np.linspace(0, 60, 31)
    _norm_hist(ax, d.data_e_ecal, None, edges, "data", True)
    if mc is not None:
        _norm_hist(ax, mc.e_ecal, mc.w, edges, "MC", False)
    ax.set_xlabel(r"$E_{ECAL}$ [GeV]")
    ax.legend()
    ax.set_title(f"dimuons, run {run}", fontsize=14)
    return _save(fig, path)


def fig11(run: str, rr: RRResult, path: Path) -> Path:
    """Fig. 11: double ratio RR(E_ECAL) (Eq. 24) and its empirical fit."""
    fig, ax = plt.subplots(figsize=(8, 6))
    edges = np.array(rr.edges)
    c = 0.5 * (edges[1:] + edges[:-1])
    ax.errorbar(c, rr.rr, yerr=rr.rr_err, fmt="o", label="RR")
    if rr.valid:
        x = np.linspace(edges[0], edges[-1], 200)
        p = rr.params
        ax.plot(x, rr_model(x, p["c"], p["a"], p["tau"]), label="fit")
    ax.axhline(1.0, color="gray", ls=":")
    ax.set_xlabel(r"$E_{ECAL}$ [GeV]")
    ax.set_ylabel("RR")
    ax.legend()
    ax.set_title(f"run {run}", fontsize=14)
    return _save(fig, path)


def fig12(cal: CalibrationEfficiency, path: Path) -> Path:
    """Fig. 12 (right): calibration-trigger efficiency vs the HCAL zero threshold (Eq. 25)."""
    fig, ax = plt.subplots(figsize=(8, 6))
    ax.plot(cal.thresholds, cal.hcal_curve_data, "o-", label="data")
    if cal.hcal_curve_mc:
        ax.plot(cal.thresholds, cal.hcal_curve_mc, "-", label="MC")
    ax.set_xlabel(r"$E^{th}_{HCAL}$ [GeV]")
    ax.set_ylabel(r"$\epsilon_{HCAL}$")
    ax.legend()
    ax.set_title(f"run {cal.run}", fontsize=14)
    return _save(fig, path)


def fig13(run: str, bg: RunBackground, ecal_cut: float, path: Path) -> Path:
    """Fig. 13: E_ECAL in side band C (Σw per bin, errors sqrt(Σw²), as the weighted fit sees the
    events) with the exponential fit and its extrapolation into the box."""
    fig, ax = plt.subplots(figsize=(8, 6))
    fit = bg.sideband_c.fit
    lo, hi = fit.range
    width = 2.0
    edges = np.arange(0.0, 100.0 + width, width)
    sumw, sumw2 = bin_sums(bg.sideband_c_e_ecal, edges, bg.sideband_c_weights)
    c = 0.5 * (edges[1:] + edges[:-1])
    ok = sumw > 0
    ax.errorbar(c[ok], sumw[ok], yerr=np.sqrt(sumw2[ok]), fmt="o", label="side band C")
    if fit.valid:
        x = np.linspace(lo, hi, 100)
        ax.plot(x, np.exp(fit.p1 + fit.p2 * x) * width, label="exponential fit")
        x2 = np.linspace(0, ecal_cut, 100)
        ax.plot(
            x2,
            np.exp(fit.p1 + fit.p2 * x2) * width,
            "--",
            label=f"extrapolation: {bg.sideband_c.value:.3g} ± {bg.sideband_c.error:.2g}",
        )
    ax.set_yscale("log")
    ax.set_ylim(1e-4, None)
    ax.set_xlabel(r"$E_{ECAL}$ [GeV]")
    ax.set_ylabel(f"events / {width:g} GeV")
    ax.legend()
    ax.set_title(f"run {run}", fontsize=14)
    return _save(fig, path)


#: The figures of :func:`make_figures` by name (module-level, so a worker process can draw them).
_FIGURES: dict[str, Callable[..., Path]] = {
    "fig7": fig7,
    "fig8": fig8,
    "fig9": fig9,
    "fig10": fig10,
    "fig11": fig11,
    "fig12": fig12,
    "fig13": fig13,
}


@hep_style
def _draw(name: str, args: tuple[Any, ...]) -> Path:
    """Draw the figure ``name`` of :data:`_FIGURES` with ``args`` (in this or a worker process)."""
    return _FIGURES[name](*args)


def make_figures(
    out: AnalysisOutput, folder: str | Path, workers: int = 1, scheduler: str | None = None
) -> list[Path]:
    """All analysis figures of an :class:`darkmiss.analysis.run.AnalysisOutput` into ``folder``, one figure
    per task over ``workers`` local processes or the dask cluster at ``scheduler`` (which writes to the
    absolute ``folder``: a shared filesystem; ``darkmiss.parallel.map_chunks``); the paths in task order.

    A figure already in ``folder`` that was drawn from the same inputs by the same code
    (``darkmiss.cache.made_from``) is not drawn again: the unblinding redraws only the figures that
    opening the box or the frozen cut changed."""
    folder = Path(folder).absolute()
    res = out.result
    mc = out.dimuons.mc
    tasks: list[tuple[str, tuple[Any, ...]]] = []
    for r, rc in out.cutflows.runs.items():
        dm = out.dimuons.runs[r]
        tasks += [
            ("fig7", (r, rc, res.ecal_cut, res.hcal_cut, res.blinded, folder / f"fig7_run{r}.png")),
            ("fig8", (r, dm, folder / f"fig8_run{r}.png")),
            ("fig9", (r, dm, mc, folder / f"fig9_run{r}.png")),
            ("fig10", (r, dm, mc, folder / f"fig10_run{r}.png")),
            ("fig11", (r, dm.rr, folder / f"fig11_run{r}.png")),
            ("fig13", (r, out.background.runs[r], res.ecal_cut, folder / f"fig13_run{r}.png")),
        ]
    tasks += [("fig12", (cal, folder / f"fig12_run{cal.run}.png")) for cal in out.calibration.runs.values()]
    # every task's last argument is its file; the digest leaves the folder out, so a copied folder matches
    digests = {t[1][-1].name: input_digest(t[0], t[1][:-1]) for t in tasks}
    done = made_from(folder, digests)
    todo = [t for t in tasks if t[1][-1].name not in done]
    if todo:
        map_chunks(_draw, todo, workers=workers, scheduler=scheduler)
    record_made_from(folder, {t[1][-1].name: digests[t[1][-1].name] for t in todo})
    return [t[1][-1] for t in tasks]
