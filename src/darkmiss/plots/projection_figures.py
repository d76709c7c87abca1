"""The expected-sensitivity figure of ``darkmiss project``: ε(m_A′) and y(m_χ) with published bounds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from darkmiss.cache import atomic_write_path
from darkmiss.errors import UserInputError
from darkmiss.interpret.bounds import load_bound
from darkmiss.interpret.projection import ProjectionPoint
from darkmiss.plots.style import hep_style


@hep_style
def projection_figure(points: list[ProjectionPoint], out: str | Path) -> dict[str, Any]:
    """Draw ε(m_A′) and y(m_χ) sensitivities (median, ±1σ) with published bounds (mplhep) into ``out``;
    with annihilation (``ProjectionPoint.total``) the total median beside the brems-only one.

    Returns the plotted values. The overlays are the shipped curves of :mod:`darkmiss.interpret.bounds`.
    """
    if not points:
        raise UserInputError("mass", [], "at least one projected mass")
    setup = points[0].setup
    m = np.array([p.mass for p in points])
    eps = np.array([p.epsilon_etl for p in points])
    e_lo = np.array([p.epsilon_etl_band[0] for p in points])
    e_hi = np.array([p.epsilon_etl_band[1] for p in points])
    eps_ww = np.array([p.epsilon_ww for p in points])
    y = np.array([p.y for p in points])
    y_lo = np.array([p.y_band[0] for p in points])
    y_hi = np.array([p.y_band[1] for p in points])
    mchi = np.array([p.m_chi for p in points])
    total = [p.record() for p in points] if points[0].total is not None else None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(18, 8))
    label = f"{setup.eot:.2g} EOT, {setup.energy:g} GeV, {setup.target}"
    ax1.fill_between(m, e_lo, e_hi, color="#7fc97f", alpha=0.6, label=r"expected $\pm 1\sigma$")
    ax1.plot(m, eps, color="k", label=f"median (ETL), {label}")
    ax1.plot(m, eps_ww, color="k", ls="--", label="median (WW)")
    if total is not None:
        prod = " + ".join(setup.production)
        ax1.plot(m, [r["epsilon_total"] for r in total], color="#d95f02", lw=2, label=f"median ({prod})")
    for name, color in (("na64_2016prl_eps", "#386cb0"), ("babar_eps", "#f0027f")):
        c = load_bound(name)
        ax1.plot(c.mass, c.value, color=color, lw=1.5, label=c.label)
    ax1.set_xscale("log")
    ax1.set_yscale("log")
    ax1.set_xlabel(r"$m_{A'}$ [GeV]")
    ax1.set_ylabel(r"$\epsilon$ (90% CL)")
    ax1.legend(fontsize=12, loc="upper left")
    ax2.fill_between(mchi, y_lo, y_hi, color="#7fc97f", alpha=0.6, label=r"expected $\pm 1\sigma$")
    ax2.plot(mchi, y, color="k", label=r"median, $\alpha_D = 0.5$, $m_{A'} = 3 m_\chi$")
    if total is not None:
        ax2.plot(mchi, [r["y_total"] for r in total], color="#d95f02", lw=2, label=f"median ({prod})")
    for name, color in (("relic_pseudodirac", "#666666"), ("relic_majorana", "#999999")):
        c = load_bound(name)
        ax2.plot(c.mass, c.value, color=color, lw=1.5, ls=":", label=c.label)
    ax2.set_xscale("log")
    ax2.set_yscale("log")
    ax2.set_xlabel(r"$m_\chi$ [GeV]")
    ax2.set_ylabel(r"$y = \epsilon^2 \alpha_D (m_\chi/m_{A'})^4$")
    ax2.legend(fontsize=12, loc="upper left")
    ax1.set_xlim(0.5 * m.min(), 2.0 * m.max())
    ax2.set_xlim(0.5 * mchi.min(), 2.0 * mchi.max())
    fig.tight_layout(w_pad=3.0)
    suffix = Path(out).suffix.lstrip(".") or "png"
    with atomic_write_path(out) as tmp:
        fig.savefig(tmp, format=suffix)
    plt.close(fig)
    return {
        "out": str(out),
        "mass": m.tolist(),
        "epsilon_etl": eps.tolist(),
        "epsilon_etl_lo": e_lo.tolist(),
        "epsilon_etl_hi": e_hi.tolist(),
        "epsilon_ww": eps_ww.tolist(),
        "m_chi": mchi.tolist(),
        "y": y.tolist(),
        **(
            {}
            if total is None
            else {
                "production": ",".join(setup.production),
                "epsilon_total": [r["epsilon_total"] for r in total],
                "y_total": [r["y_total"] for r in total],
            }
        ),
    }
