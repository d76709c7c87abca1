"""Figures of the limits per model of ``darkmiss reproduce --mediator/--model`` (results.json ``limits``
and ``model_limits`` rows): the ε-equivalent limits of every (mediator, model) pair on one plot, and the
limits on the coupling g of the B−L and Lμ−Lτ vectors against mass. Masses in GeV; every file written
atomically.

The published NA64 2016 dark-photon limit (Fig. 15) is drawn on the B−L panel only, as g = ε e: B−L
couples to the electron with |Q_e| = 1 like the dark photon, so the two productions are equal and the
curves differ by the invisible fraction; Lμ−Lτ reaches the electron only through the μ/τ loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from darkmiss.constants import ALPHA
from darkmiss.interpret.published import fig15_curve
from darkmiss.plots.limit_figures import _save
from darkmiss.plots.style import hep_style

#: The electron charge e = √(4πα).
_E = float(np.sqrt(4.0 * np.pi * ALPHA))
#: The vector models whose coupling limits are drawn, with the published dark-photon curve or not.
COUPLING_MODELS: tuple[tuple[str, bool], ...] = (("B-L", True), ("Lmu-Ltau", False))


def pair_label(mediator: str, model: str) -> str:
    """A legend label of a (mediator, model) pair."""
    names = {"dark-photon": "dark photon", "B-L": "B−L", "Lmu-Ltau": "Lμ−Lτ"}
    return f"{mediator} ({names.get(model, model)})" if model != "universal" else mediator


def group_rows(
    rows: Sequence[dict[str, Any]],
) -> dict[tuple[str, str], tuple[np.ndarray, dict[str, np.ndarray]]]:
    """Rows of results.json grouped by (mediator, model): masses and columns (None → NaN), sorted by mass."""
    out: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in rows:
        out.setdefault((str(r.get("mediator", "vector")), str(r.get("model", "dark-photon"))), []).append(r)
    grouped = {}
    for key, rs in out.items():
        rs = sorted(rs, key=lambda r: float(r["mass"]))
        cols = {
            k: np.array([np.nan if r.get(k) is None else float(r[k]) for r in rs])
            for k in ("epsilon_equivalent", "coupling", "epsilon_etl", "epsilon_etl_expected")
        }
        grouped[key] = (np.array([float(r["mass"]) for r in rs]), cols)
    return grouped


@hep_style
def plot_epsilon_equivalent(rows: Sequence[dict[str, Any]], path: str | Path) -> Path:
    """ε-equivalent 90% CL limits of every (mediator, model) pair against mass, on one plot."""
    fig, ax = plt.subplots(figsize=(9, 7))
    styles = ("-", "--", ":", "-.")  # the vector models coincide (same production at the electron vertex)
    for i, ((med, model), (m, cols)) in enumerate(group_rows(rows).items()):
        ax.plot(
            m, cols["epsilon_equivalent"], marker="o", ms=3, ls=styles[i % 4], label=pair_label(med, model)
        )
    ax.set(
        xscale="log", yscale="log", xlabel=r"$m_V$ [GeV]", ylabel=r"$\epsilon_\mathrm{equivalent}$ (90% CL)"
    )
    ax.set_title("ε-equivalent: a dark photon with as many invisible signal events", fontsize=12)
    ax.legend(fontsize=11, loc="lower right")
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


@hep_style
def plot_couplings(rows: Sequence[dict[str, Any]], path: str | Path) -> Path | None:
    """90% CL limits on g of the B−L and Lμ−Lτ vectors against mass (one panel each; the published
    dark-photon limit as g = εe on the B−L panel); None if no row is of these models."""
    groups = group_rows(rows)
    panels = [(name, pub) for name, pub in COUPLING_MODELS if ("vector", name) in groups]
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(8 * len(panels), 7), squeeze=False)
    for ax, (name, published) in zip(axes[0], panels, strict=True):
        m, cols = groups[("vector", name)]
        ax.plot(
            m,
            cols["coupling"],
            "o-",
            color="tab:blue",
            lw=2,
            label=f"darkmiss 90% CL ({pair_label('vector', name)})",
        )
        ax.plot(
            m, cols["epsilon_etl_expected"] * _E, "--", color="tab:blue", alpha=0.6, label="expected (median)"
        )
        if published:
            pm, pe = fig15_curve()
            ax.plot(
                pm,
                pe * _E,
                "-",
                color="tab:red",
                alpha=0.8,
                label="NA64 2016 dark photon (published), g = εe",
            )
        ax.set(xscale="log", yscale="log", xlabel=r"$m_V$ [GeV]", ylabel=r"$g$ (90% CL)")
        ax.legend(fontsize=10, loc="upper left")
    out = _save(fig, Path(path))
    plt.close(fig)
    return out


def model_figures(results: dict[str, Any], folder: str | Path) -> list[Path]:
    """The figures of a reproduction with several models (none for the dark photon alone)."""
    extra = list(results.get("model_limits") or [])
    if not extra:
        return []
    rows = [r for r in results.get("limits", []) if r.get("model", "dark-photon") == "dark-photon"] + extra
    folder = Path(folder)
    out = [plot_epsilon_equivalent(rows, folder / "models_epsilon_equivalent.png")]
    g = plot_couplings(rows, folder / "models_couplings.png")
    return out + ([g] if g is not None else [])


__all__ = ["group_rows", "model_figures", "pair_label", "plot_couplings", "plot_epsilon_equivalent"]
