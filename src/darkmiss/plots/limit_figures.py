"""Figures of the limits (spec Figs. 14-17) with mplhep styling; every file written atomically.

ε vs m_A′ with the g−2 regions (Pospelov 2009 one-loop formula) and published bounds; y vs m_χ at
each α_D with the relic targets (published y curves rescaled, y ∝ α_D at fixed ε); α_D vs m_χ;
the Brazil band of the expected limit; the ECAL-cut optimisation curves. Masses in GeV.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from darkmiss.cache import atomic_write_path
from darkmiss.interpret.bounds import load_bound
from darkmiss.interpret.darkmatter import alpha_d_lower_bound, rescale_y
from darkmiss.interpret.limits import InterpretedLimits
from darkmiss.interpret.published import fig15_curve, table_v
from darkmiss.parallel import map_chunks
from darkmiss.physics.gminus2 import ae_excluded_epsilon, amu_favoured_band
from darkmiss.plots.style import hep_style
from darkmiss.stats.optimise import OptimisationResult


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write_path(path) as tmp:
        fig.savefig(tmp, format=path.suffix.lstrip(".") or "png", bbox_inches="tight", dpi=110)
    return path


def _headline(result: InterpretedLimits) -> tuple[np.ndarray, str]:
    if result.blinded:
        return result.column("epsilon_etl_expected"), "darkmiss expected (median)"
    return result.column("epsilon_etl"), f"darkmiss {result.cl:.0%} CL (ETL)"


@hep_style
def plot_epsilon(
    result: InterpretedLimits, path: str | Path, *, nsigma_amu: float = 2.0, nsigma_ae: float = 2.0
) -> Path:
    """ε vs m_A′ (Fig. 15): our limit (ETL, WW, exact), g−2 regions, BaBar and NA64-2017 curves, and the
    spec's published result (Fig. 15 curve and Table V ETL points, for comparison only)."""
    fig, ax = plt.subplots(figsize=(9, 7))
    m = result.masses
    grid = np.geomspace(1e-3, 1.0, 200)
    lo, hi = amu_favoured_band(grid, nsigma_amu)
    ax.fill_between(
        grid, lo, hi, color="tab:green", alpha=0.35, label=rf"$a_\mu$ favoured (±{nsigma_amu:g}σ)"
    )
    ax.fill_between(
        grid, ae_excluded_epsilon(grid, nsigma_ae), 1.0, color="0.8", alpha=0.6, label=r"$a_e$ excluded"
    )
    for name, style in [("babar_eps", "--"), ("na64_2016prl_eps", ":")]:
        b = load_bound(name)
        ax.plot(b.mass, b.value, style, color="k", label=b.label)
    pm, pe = fig15_curve()
    ax.plot(pm, pe, "-", color="tab:red", lw=2, alpha=0.8, label="NA64 2016 published (Fig. 15, ETL)")
    tv = table_v()
    ax.plot(
        tv.mass, tv.epsilon_etl, "s", color="tab:red", mfc="none", label="NA64 2016 published (Table V, ETL)"
    )
    eps, label = _headline(result)
    ax.fill_between(m, eps, 1.0, color="tab:blue", alpha=0.25)
    ax.plot(m, eps, color="tab:blue", lw=2, label=label)
    if not result.blinded:
        ax.plot(m, result.column("epsilon_ww"), "--", color="tab:orange", label="WW yield")
        ax.plot(m, result.column("epsilon_etl_direct"), "-.", color="tab:red", label="exact tree level")
        ax.plot(m, result.column("epsilon_etl_asymptotic"), ":", color="tab:purple", label="asymptotic CLs")
    ax.set(
        xscale="log",
        yscale="log",
        xlabel=r"$m_{A'}$ [GeV]",
        ylabel=r"$\epsilon$",
        xlim=(1e-3, 1.0),
        ylim=(1e-5, 1e-2),
    )
    ax.legend(fontsize=11, loc="lower right")
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


@hep_style
def plot_y(result: InterpretedLimits, path: str | Path, alpha_d: float) -> Path:
    """y vs m_χ (Fig. 16) at ``alpha_d`` with m_A′ = ratio·m_χ, relic targets and BaBar rescaled to α_D."""
    ratio = float(result.interpret.get("mass_ratio", 3.0))
    fig, ax = plt.subplots(figsize=(9, 7))
    eps, label = _headline(result)
    mchi = result.masses / ratio
    y = eps**2 * alpha_d / ratio**4
    ax.fill_between(mchi, y, max(1e-4, 10 * float(np.nanmax(y))), color="tab:blue", alpha=0.25)
    ax.plot(mchi, y, color="tab:blue", lw=2, label=label)
    babar = load_bound("babar_y")
    ax.plot(
        babar.mass, rescale_y(babar.value, babar.alpha_d or 0.1, alpha_d), "--", color="k", label=babar.label
    )
    for name, color in [
        ("relic_scalar", "tab:red"),
        ("relic_pseudodirac", "tab:green"),
        ("relic_majorana", "tab:brown"),
    ]:
        r = load_bound(name)
        ax.plot(r.mass, r.value, color=color, lw=1.5, label=r.label)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel=r"$m_\chi$ [GeV]",
        ylabel=r"$y = \epsilon^2 \alpha_D (m_\chi/m_{A'})^4$",
        title=rf"$\alpha_D = {alpha_d:g}$, $m_{{A'}} = {ratio:g} m_\chi$",
    )
    ax.legend(fontsize=11, loc="upper left")
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


@hep_style
def plot_alpha_d(result: InterpretedLimits, path: str | Path) -> Path:
    """Lower bounds on α_D vs m_χ (Fig. 17) for pseudo-Dirac and Majorana DM, with the BaBar cross-check."""
    it = result.interpret
    ratio = float(it.get("mass_ratio", 3.0))
    eps, label = _headline(result)
    fig, axes = plt.subplots(1, 2, figsize=(14, 6))
    babar = load_bound("babar_eps")
    for ax, f, title in [
        (axes[0], float(it.get("f_pseudodirac", 0.25)), "pseudo-Dirac"),
        (axes[1], float(it.get("f_majorana", 3.0)), "Majorana"),
    ]:
        a = alpha_d_lower_bound(eps, result.masses, f, ratio)
        ax.fill_between(result.masses / ratio, 1e-8, a, color="tab:blue", alpha=0.25)
        ax.plot(result.masses / ratio, a, color="tab:blue", lw=2, label=label)
        ax.plot(
            babar.mass / ratio,
            alpha_d_lower_bound(babar.value, babar.mass, f, ratio),
            "--",
            color="k",
            label="BaBar ε via Eq. 5",
        )
        ax.set(
            xscale="log",
            yscale="log",
            xlabel=r"$m_\chi$ [GeV]",
            ylabel=r"$\alpha_D$ lower bound",
            title=f"{title} (f = {f:g})",
        )
        ax.legend(fontsize=10)
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


@hep_style
def plot_brazil(result: InterpretedLimits, path: str | Path) -> Path:
    """Expected ε limit with ±1σ (green) and ±2σ (yellow) bands, and the observed limit."""
    fig, ax = plt.subplots(figsize=(9, 7))
    m = result.masses
    b = np.array([r.epsilon_etl_expected_bands for r in result.records], dtype=float)
    ax.fill_between(m, b[:, 0], b[:, 4], color="#FFDF00", label=r"expected ±2σ")
    ax.fill_between(m, b[:, 1], b[:, 3], color="#00CC00", label=r"expected ±1σ")
    ax.plot(m, b[:, 2], "--", color="k", label="expected median")
    if not result.blinded:
        ax.plot(m, result.column("epsilon_etl"), color="k", lw=2, label="observed (exact CLs)")
    ax.set(xscale="log", yscale="log", xlabel=r"$m_{A'}$ [GeV]", ylabel=rf"$\epsilon$ ({result.cl:.0%} CL)")
    ax.legend(fontsize=11)
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


@hep_style
def plot_optimisation(result: OptimisationResult, path: str | Path) -> Path:
    """Relative average expected ε limit vs the ECAL cut (Fig. 14)."""
    fig, ax = plt.subplots(figsize=(9, 7))
    for c in result.curves:
        ax.plot(c.cuts, c.sensitivity, marker="o", label=rf"$m_{{A'}}$ = {1000 * c.mass:g} MeV")
    ax.axvline(result.chosen_cut, color="k", ls="--", label=f"chosen: {result.chosen_cut:g} GeV")
    ax.set(xlabel=r"$E_{ECAL}$ cut [GeV]", ylabel="average expected ε limit / best")
    ax.legend(fontsize=11)
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


#: The figures of :func:`plot_all` by name (module-level, so a worker process can draw them).
_FIGURES: dict[str, Callable[..., Path]] = {
    "epsilon": plot_epsilon,
    "brazil": plot_brazil,
    "y": plot_y,
    "alpha_d": plot_alpha_d,
}


def _draw(name: str, args: tuple[Any, ...]) -> Path:
    """Draw the figure ``name`` of :data:`_FIGURES` with ``args`` (in this or a worker process)."""
    return _FIGURES[name](*args)


def plot_all(
    result: InterpretedLimits, folder: str | Path, workers: int = 1, scheduler: str | None = None
) -> list[Path]:
    """Every limit figure into ``folder``, one figure per task over ``workers`` local processes or the
    dask cluster at ``scheduler`` (which writes to the absolute ``folder``: a shared filesystem;
    ``darkmiss.parallel.map_chunks``); returns the paths."""
    folder = Path(folder).absolute()
    tasks: list[tuple[str, tuple[Any, ...]]] = [
        ("epsilon", (result, folder / "epsilon.png")),
        ("brazil", (result, folder / "brazil.png")),
    ]
    for a in result.interpret.get("alpha_d", (0.5, 0.005)):
        tasks.append(("y", (result, folder / f"y_alphaD{a:g}.png", float(a))))
    tasks.append(("alpha_d", (result, folder / "alpha_d.png")))
    return map_chunks(_draw, tasks, workers=workers, scheduler=scheduler)
