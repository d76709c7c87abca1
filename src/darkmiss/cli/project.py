"""``darkmiss project``: expected 90% C.L. sensitivity in ε, y and α_D of a hypothetical exposure or setup.

Masses and energies in GeV; see :mod:`darkmiss.interpret.projection` for the physics (spec Eqs. 5, 6, 26).
"""

from __future__ import annotations

# The chain's modules are imported inside each command, so that `--help` and argument errors answer
# without loading numba, pyhf or matplotlib (the CLI's only in-function imports).
from typing import Any

import typer

from darkmiss.cli.choices import Beam, Lepton, Mediator, Model, Production, Target, beam_of, value_of
from darkmiss.cli.common import (
    at_least,
    emit,
    output_file,
    parse_floats,
    progress,
    scheduler_option,
    workers_option,
)
from darkmiss.errors import UserInputError

#: Columns of the human-readable table (the JSON output has every field): brems only ...
_TABLE_COLUMNS = (
    "mass",
    "yield_etl",
    "signal_per_eps2",
    "background",
    "n90_expected",
    "epsilon_etl",
    "epsilon_etl_lo",
    "epsilon_etl_hi",
    "invisible_fraction",
    "y",
    "alpha_d",
)
#: ... and with annihilation: the brems-only and the total limits side by side.
_TABLE_COLUMNS_TOTAL = (
    "mass",
    "yield_etl",
    "yield_annihilation",
    "background",
    "n90_expected",
    "epsilon_etl",
    "epsilon_total",
    "epsilon_ratio",
    "invisible_fraction",
    "y",
    "y_total",
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
_EOT = typer.Option(
    None,
    "--eot",
    help="Particles on target of the hypothetical exposure, e.g. 1e12 (default: the --exposure's).",
)
_EXPOSURE = typer.Option(
    None,
    "--exposure",
    help="Named exposure of the preset ([exposures.NAME]: 2016-2018, 2016-2022, positron-100gev) that fills "
    "--eot, --beam, --energy, --efficiency and --background; each option overrides it.",
)
_PRODUCTION = typer.Option(
    None,
    "--production",
    help="Production in the total limit (epsilon_total): brems, annihilation or brems,annihilation "
    "(default: both for e± beams, brems for muons); epsilon_etl stays brems only.",
)
_ENERGY = typer.Option(None, "--energy", help="Beam energy in GeV (default: the preset's).")
_TARGET = typer.Option(None, "--target", help="ECAL absorber element (default: the preset's).")
_THRESHOLD = typer.Option(None, "--threshold", help="E_A′ threshold in GeV (default: half the beam energy).")
_BACKGROUND = typer.Option(
    None,
    "--background",
    help="Expected background events (default: the exposure's, else 0.12 per 4.3e10 EOT, scaled).",
)
_EFFICIENCY = typer.Option(
    None,
    "--efficiency",
    help="Total signal efficiency in (0, 1], brems and annihilation (default: the exposure's, else 0.5).",
)
_MASS = typer.Option(None, "--mass", help="A′ masses in GeV (comma-separated; default: the preset's grid).")
_SHOWERS = typer.Option(None, "--showers", help="Showers for the brems yields (default: the preset's).")
_POSITRON_SHOWERS = typer.Option(
    None, "--positron-showers", help="Showers of the positron tally for annihilation (default 500000)."
)
_SEED = typer.Option(0, "--seed", callback=at_least(0, "seed"), help="Seed of the yield showers.")
_WORKERS = workers_option("Worker processes for the showers.")
_SCHEDULER = scheduler_option()
_JSON = typer.Option(False, "--json", help="Print JSON only.")
_MEDIATOR = typer.Option(Mediator.vector, "--mediator", help="Spin and parity of the boson.")
_MODEL = typer.Option(None, "--model", help="Couplings of a vector (default dark-photon).")
_BEAM = typer.Option(
    None,
    "--beam",
    help="Beam particle (default e-; mu±: yields per muon on target, the [muon_beam] defaults).",
)
_LEPTON = typer.Option(None, "--lepton", help="Old name of --beam: e = e-, mu = mu-.")
_MCHI = typer.Option(None, "--mchi", help="Dark-matter mass [GeV]: adds V → χχ̄ to the invisible fraction.")
_ALPHA_D = typer.Option("0.5", "--alpha-d", help="Dark coupling α_D of V → χχ̄ (with --mchi).")


def _run(
    preset: str,
    eot: str | None,
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
    physics: dict[str, Any] | None = None,
    out: str | None = None,
    scheduler: str | None = None,
) -> list[Any]:
    """Parse the CLI values and run :func:`darkmiss.interpret.projection.project` (after checking every
    input and, if given, the output figure ``out``; ``physics``: the mediator, model, beam and
    dark-matter options, as keywords of ``project``)."""
    from darkmiss.interpret.projection import project

    n_eot = None
    if eot is not None:
        eots = parse_floats([eot], "eot", positive=True)
        if len(eots) != 1:
            raise UserInputError("eot", eot, "a single positive number of particles on target")
        n_eot = eots[0]
    masses = parse_floats(mass, "mass", positive=True) if mass else None
    if showers is not None and showers < 2:
        raise UserInputError("showers", showers, "at least 2")
    if out is not None:
        output_file(out)
    pos = (physics or {}).get("positron_showers")
    if pos is not None and pos < 2:
        raise UserInputError("positron-showers", pos, "at least 2")

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
        scheduler=scheduler,
        progress=prog,
        **(physics or {}),
    )


def _physics(
    mediator: Mediator,
    model: Model | None,
    beam: Beam | None,
    lepton: Lepton | None,
    mchi: str | None,
    alpha_d: str,
    production: Production | None = None,
    exposure: str | None = None,
    positron_showers: int | None = None,
) -> dict[str, Any]:
    """The boson, beam, production and exposure keywords of ``project`` from the CLI options (no beam
    given: the exposure's, else e-)."""
    return {
        "mediator": mediator.value,
        "model": value_of(model),
        "beam": None if beam is None and lepton is None else beam_of(beam, lepton),
        "mchi": _one_float(mchi, "mchi"),
        "alpha_d": _one_float(alpha_d, "alpha-d"),
        "production": value_of(production),
        "exposure": exposure,
        "positron_showers": positron_showers,
    }


def _title(points: list[Any]) -> str:
    s = points[0].setup
    ex = (
        ""
        if s.exposure is None
        else f"exposure {s.exposure.name} (assumed: {', '.join(s.exposure.assumed) or '-'}), "
    )
    return (
        f"Expected 90% CL sensitivity ({s.mediator}, {s.model}, {'+'.join(s.production)}): {ex}"
        f"{s.eot:.3g} particles on target, {s.energy:g} GeV {s.beam} on {s.target}, eff {s.efficiency:g}, "
        f"b = {s.background:.3g} ± {s.background_err:.2g}"
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
        scheduler: str = _SCHEDULER,
        mediator: Mediator = _MEDIATOR,
        model: Model = _MODEL,
        beam: Beam = _BEAM,
        lepton: Lepton = _LEPTON,
        mchi: str = _MCHI,
        alpha_d: str = _ALPHA_D,
        production: Production = _PRODUCTION,
        exposure: str = _EXPOSURE,
        positron_showers: int = _POSITRON_SHOWERS,
        as_json: bool = _JSON,
    ) -> None:
        """Expected 90% C.L. sensitivity (median, ±1σ) in ε, y (α_D = 0.5, 0.005) and α_D (pseudo-Dirac):
        brems only (epsilon_etl) and with the selected productions (epsilon_total), side by side."""
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
            _physics(mediator, model, beam, lepton, mchi, alpha_d, production, exposure, positron_showers),
            scheduler=scheduler,
        )
        records = [p.record() for p in points]
        if as_json:
            emit(records, True)
            return
        cols = _TABLE_COLUMNS if points[0].setup.production == ("brems",) else _TABLE_COLUMNS_TOTAL
        emit([{k: r[k] for k in cols} for r in records], False, title=_title(points))

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
        scheduler: str = _SCHEDULER,
        beam: Beam = _BEAM,
        production: Production = _PRODUCTION,
        exposure: str = _EXPOSURE,
        positron_showers: int = _POSITRON_SHOWERS,
        out: str = typer.Option("projection.png", "--out", help="Output figure (.png or .pdf)."),
        as_json: bool = _JSON,
    ) -> None:
        """Expected sensitivity in ε (vs m_A′) and y (vs m_χ, α_D = 0.5) with ±1σ bands and published bounds;
        brems only and with the selected productions (brems + annihilation by default)."""
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
            _physics(Mediator.vector, None, beam, None, None, "0.5", production, exposure, positron_showers),
            out=out,
            scheduler=scheduler,
        )
        from darkmiss.plots.projection_figures import projection_figure

        rec = projection_figure(points, out)
        emit(rec, as_json, title=f"{_title(points)} -> {out}")
