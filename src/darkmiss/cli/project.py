"""``darkmiss project``: expected 90% C.L. sensitivity in ε, y and α_D of a hypothetical exposure or setup.

Masses and energies in GeV; see :mod:`darkmiss.interpret.projection` for the physics (spec Eqs. 5, 6, 26).
"""

from __future__ import annotations

# The chain's modules are imported inside each command, so that `--help` and argument errors answer
# without loading numba, pyhf or matplotlib (the CLI's only in-function imports).
from typing import Any

import typer

from darkmiss.cli.choices import Target, value_of
from darkmiss.cli.common import emit, parse_floats, progress
from darkmiss.errors import UserInputError

#: Columns of the human-readable table (the JSON output has every field).
_TABLE_COLUMNS = (
    "mass",
    "yield_etl",
    "signal_per_eps2",
    "background",
    "n90_expected",
    "epsilon_etl",
    "epsilon_etl_lo",
    "epsilon_etl_hi",
    "y",
    "alpha_d",
)


def _one_float(value: str | None, parameter: str) -> float | None:
    """One number from an option value (None: not given)."""
    if value is None:
        return None
    vals = parse_floats([value], parameter)
    if len(vals) != 1:
        raise UserInputError(parameter, value, "a single number")
    return vals[0]


_PRESET = typer.Option("na64-2016", "--preset", help="Preset name or path.")
_EOT = typer.Option(..., "--eot", help="Electrons on target of the hypothetical exposure, e.g. 1e12.")
_ENERGY = typer.Option(None, "--energy", help="Beam energy in GeV (default: the preset's).")
_TARGET = typer.Option(None, "--target", help="ECAL absorber element (default: the preset's).")
_THRESHOLD = typer.Option(None, "--threshold", help="E_A′ threshold in GeV (default: half the beam energy).")
_BACKGROUND = typer.Option(
    None, "--background", help="Expected background events (default: 0.12 per 4.3e10 EOT, scaled)."
)
_EFFICIENCY = typer.Option(
    None, "--efficiency", help="Total signal efficiency in (0, 1] (default: the preset's, 0.5)."
)
_MASS = typer.Option(None, "--mass", help="A′ masses in GeV (comma-separated; default: the preset's grid).")
_SHOWERS = typer.Option(None, "--showers", help="Showers for the yields (default: the preset's).")
_SEED = typer.Option(0, "--seed", help="Seed of the yield showers.")
_WORKERS = typer.Option(1, "--workers", help="Worker processes for the showers.")
_JSON = typer.Option(False, "--json", help="Print JSON only.")


def _run(
    preset: str,
    eot: str,
    energy: str | None,
    target: Target | None,
    threshold: str | None,
    background: str | None,
    efficiency: str | None,
    mass: list[str] | None,
    showers: int | None,
    seed: int,
    workers: int,
    quiet: bool,
) -> list[Any]:
    """Parse the CLI values and run :func:`darkmiss.interpret.projection.project`."""
    from darkmiss.interpret.projection import project

    (n_eot,) = parse_floats([eot], "eot")
    masses = parse_floats(mass, "mass", positive=True) if mass else None
    if workers < 1:
        raise UserInputError("workers", workers, "a positive integer")
    if showers is not None and showers < 2:
        raise UserInputError("showers", showers, "at least 2")

    def prog(it: Any, n: int | None = None) -> Any:
        return progress(it, total=n, description="yield showers", disable=quiet)

    return project(
        preset,
        n_eot,
        masses=masses,
        energy=_one_float(energy, "energy"),
        target=value_of(target),
        threshold=_one_float(threshold, "threshold"),
        background=_one_float(background, "background"),
        efficiency=_one_float(efficiency, "efficiency"),
        showers=showers,
        seed=seed,
        workers=workers,
        progress=prog,
    )


def _title(points: list[Any]) -> str:
    s = points[0].setup
    return (
        f"Expected 90% CL sensitivity: {s.eot:.3g} EOT, {s.energy:g} GeV e- on {s.target}, "
        f"eff {s.efficiency:g}, b = {s.background:.3g} ± {s.background_err:.2g}"
    )


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    """Add the ``project`` and ``plot project`` commands."""

    @app.command("project", short_help="Expected 90% C.L. sensitivity of a hypothetical setup.")
    def project_cmd(
        preset: str = _PRESET,
        eot: str = _EOT,
        energy: str = _ENERGY,
        target: Target = _TARGET,
        threshold: str = _THRESHOLD,
        background: str = _BACKGROUND,
        efficiency: str = _EFFICIENCY,
        mass: list[str] = _MASS,
        showers: int = _SHOWERS,
        seed: int = _SEED,
        workers: int = _WORKERS,
        as_json: bool = _JSON,
    ) -> None:
        """Expected 90% C.L. sensitivity (median, ±1σ) in ε, y (α_D = 0.5, 0.005) and α_D (pseudo-Dirac)."""
        points = _run(
            preset,
            eot,
            energy,
            target,
            threshold,
            background,
            efficiency,
            mass,
            showers,
            seed,
            workers,
            as_json,
        )
        records = [p.record() for p in points]
        if as_json:
            emit(records, True)
            return
        emit([{k: r[k] for k in _TABLE_COLUMNS} for r in records], False, title=_title(points))

    @plot_app.command("project", short_help="Expected sensitivity in ε and y with published bounds.")
    def plot_project_cmd(
        preset: str = _PRESET,
        eot: str = _EOT,
        energy: str = _ENERGY,
        target: Target = _TARGET,
        threshold: str = _THRESHOLD,
        background: str = _BACKGROUND,
        efficiency: str = _EFFICIENCY,
        mass: list[str] = _MASS,
        showers: int = _SHOWERS,
        seed: int = _SEED,
        workers: int = _WORKERS,
        out: str = typer.Option("projection.png", "--out", help="Output figure (.png or .pdf)."),
        as_json: bool = _JSON,
    ) -> None:
        """Expected sensitivity in ε (vs m_A′) and y (vs m_χ, α_D = 0.5) with ±1σ bands and published bounds."""
        points = _run(
            preset,
            eot,
            energy,
            target,
            threshold,
            background,
            efficiency,
            mass,
            showers,
            seed,
            workers,
            as_json,
        )
        rec = projection_figure(points, out)
        emit(rec, as_json, title=f"{_title(points)} -> {out}")


def projection_figure(points: list[Any], out: str) -> dict[str, Any]:
    """Draw ε(m_A′) and y(m_χ) sensitivities (median, ±1σ) with published bounds (mplhep) into ``out``.

    Returns the plotted values. The overlays are the shipped curves of :mod:`darkmiss.interpret.bounds`.
    """
    from pathlib import Path

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import mplhep
    import numpy as np

    from darkmiss.cache import atomic_write_path
    from darkmiss.interpret.bounds import load_bound

    if not points:
        raise UserInputError("mass", [], "at least one projected mass")
    mplhep.style.use("ROOT")
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
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(18, 8))
    label = f"{setup.eot:.2g} EOT, {setup.energy:g} GeV, {setup.target}"
    ax1.fill_between(m, e_lo, e_hi, color="#7fc97f", alpha=0.6, label=r"expected $\pm 1\sigma$")
    ax1.plot(m, eps, color="k", label=f"median (ETL), {label}")
    ax1.plot(m, eps_ww, color="k", ls="--", label="median (WW)")
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
    }
