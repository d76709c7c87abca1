"""`darkmiss limits` (90% C.L. limits and interpretation, spec Sec. IX-X), `darkmiss optimise`
(ECAL cut before unblinding, Sec. IX Fig. 14) and `darkmiss plot limits`.

The chain's modules are imported inside each command, so that ``--help`` and argument errors answer
without loading numba, pyhf and matplotlib.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from darkmiss.cli.choices import LimitMethod, Mediator, Model, value_of
from darkmiss.cli.common import (
    at_least,
    below_threshold,
    emit,
    input_file,
    input_folder,
    output_folder,
    parse_floats,
    progress,
    stderr_console,
    workers_option,
)
from darkmiss.config.load import load_preset
from darkmiss.errors import UserInputError


def _read_yields(path: Path) -> list[Any]:
    from darkmiss.stats.limits import SimpleYield

    input_file(path, "yields", "JSON file of records {mass, yield_ww, yield_etl, yield_etl_direct}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict):
            data = data.get("records", data.get("yields", []))
        return [
            SimpleYield(
                float(d["mass"]),
                float(d["yield_ww"]),
                float(d["yield_etl"]),
                float(d["yield_etl_direct"]),
                float(d.get("yield_etl_err", 0.0) or 0.0),
            )
            for d in data
        ]
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise UserInputError(
            "yields", str(path), f"JSON records with mass and yield_ww/etl/etl_direct ({exc})"
        ) from None


def _compute_yields(
    preset: str, masses: list[float], showers: int | None, seed: int, workers: int, mediator: str = "vector"
) -> list[Any]:
    from darkmiss.shower.yields import aprime_yields

    return list(aprime_yields(preset, masses, showers=showers, seed=seed, workers=workers, mediator=mediator))


def check_signal_mediator(an: Any, mediator: str) -> None:
    """Refuse an analysis whose signal MC is of another mediator than ``mediator`` (its efficiencies
    belong to that mediator's E_ECAL spectrum). An analysis that does not record its signal models
    (``extra["signal_models"]``, older versions) had vector signal MC."""
    found = sorted({str(p[0]) for p in an.extra.get("signal_models", [["vector", "dark-photon"]])})
    if found and mediator not in found:
        raise UserInputError(
            "mediator",
            mediator,
            f"the mediator of the analysis's signal MC ({', '.join(found)}); simulate the signal with "
            f"`darkmiss simulate --process signal --mediator {mediator}` and analyse it first",
        )


def _model_records(
    model: Any, result: Any, ys: list[Any], yields_file: Path | None, pname: str, masses: list[float]
) -> list[Any]:
    """The limit rows of ``model`` (coupling, ε-equivalent) from the mediator's limits and yields."""
    from darkmiss.config.load import load_preset
    from darkmiss.pipeline.models import model_rows
    from darkmiss.pipeline.yield_files import yield_records
    from darkmiss.shower.yields import setup_geometry

    if yields_file is not None:  # the file's records, with their spectra if it has them
        raw: Any = json.loads(yields_file.read_text(encoding="utf-8"))
        if isinstance(raw, dict):
            raw = raw.get("records", raw.get("yields", []))
        recs = [r for r in raw or [] if isinstance(r, dict)]
    else:
        recs = yield_records(ys)
    if model.name != "dark-photon" and not all(len(r.get("spectrum_edges", [])) > 1 for r in recs):
        raise UserInputError(
            "yields", "file", "yields with their spectra (spectrum_edges, spectrum_etl) for decays in flight"
        )
    length = setup_geometry(load_preset(pname)).length_cm
    return model_rows(model, result.to_dict(), recs, length, masses)


def _summary(rec: Any) -> dict[str, Any]:
    return {
        "mass": rec.mass,
        "n90": rec.n90,
        "epsilon_etl": rec.epsilon_etl,
        "epsilon_ww": rec.epsilon_ww,
        "epsilon_etl_direct": rec.epsilon_etl_direct,
        "epsilon_etl_expected": rec.epsilon_etl_expected,
        "epsilon_etl_asymptotic": rec.epsilon_etl_asymptotic,
        "epsilon_etl_simplified": rec.epsilon_etl_simplified,
        "y_alpha_d_0p5": rec.y_alpha_d_0p5,
        "alpha_d_pseudodirac": rec.alpha_d_pseudodirac,
    }


def _limit_yields(
    an: Any,
    masses: list[float] | None,
    yields: Path | None,
    preset: str,
    showers: int | None,
    seed: int,
    workers: int,
    mediator: str = "vector",
) -> list[Any]:
    """The A′ yields per EOT of the limits: read from ``yields`` (optionally only ``masses``), or
    simulated for ``mediator`` at ``masses`` (default: the analysis's efficiency masses) [GeV]."""
    if yields is not None:
        ys = _read_yields(yields)
        if masses is not None:
            want = set(round(m, 12) for m in masses)
            ys = [y for y in ys if round(y.mass, 12) in want]
            if not ys:
                raise UserInputError("mass", masses, "masses present in the yields file")
        return ys
    if masses is None:
        masses = sorted(set(an.runs[0].efficiency_masses)) if an.runs else []
    if not masses:
        raise UserInputError("mass", None, "--mass values (the analysis lists no masses)")
    return _compute_yields(preset, masses, showers, seed, workers, mediator)


def limits_cmd(
    analysis: Path = typer.Option(
        ..., "--analysis", help="Folder written by `darkmiss analyze`.", resolve_path=True
    ),
    mass: list[str] = typer.Option(
        None, "--mass", help="A' masses [GeV], comma-separated (default: the analysis masses)."
    ),
    yields: Path = typer.Option(
        None,
        "--yields",
        help="JSON yields per EOT (mass, yield_ww, yield_etl, yield_etl_direct).",
        resolve_path=True,
    ),
    preset: str = typer.Option(None, "--preset", help="Preset (default: the analysis's)."),
    method: LimitMethod = typer.Option(
        None, "--method", help="exact (headline), asymptotic or simplified (default: the preset's)."
    ),
    showers: int = typer.Option(None, "--showers", help="Showers per mass for the yields."),
    seed: int = typer.Option(0, "--seed", callback=at_least(0, "seed"), help="Seed of the yield simulation."),
    workers: int = workers_option("Worker processes."),
    asymptotic: bool = typer.Option(
        True, "--asymptotic/--no-asymptotic", help="Also compute pyhf asymptotic CLs."
    ),
    mediator: Mediator = typer.Option(
        Mediator.vector, "--mediator", help="Spin and parity of the boson (must be the signal MC's)."
    ),
    model: Model = typer.Option(None, "--model", help="Couplings of a vector (default dark-photon)."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write figures."),
    out: Path = typer.Option(..., "--out", help="Output folder.", resolve_path=True),
    as_json: bool = typer.Option(False, "--json", help="Print JSON records only."),
) -> None:
    """90% C.L. limits on ε, y and α_D (exact CLs; asymptotic and simplified beside it); with
    --mediator/--model also the limit on the model's coupling g and the ε-equivalent."""
    from darkmiss.analysis.result import AnalysisResult
    from darkmiss.cache import write_json_atomic
    from darkmiss.interpret.limits import interpret_limits
    from darkmiss.physics.models import get_model
    from darkmiss.pipeline.limits import write_outputs
    from darkmiss.stats.limits import compute_limits

    # every input and the output folder are checked before the yields or limits are computed
    mod = get_model(value_of(model), mediator.value)
    an = AnalysisResult.read(input_folder(analysis, "analysis", "written by `darkmiss analyze`"))
    check_signal_mediator(an, mod.mediator.name)
    if showers is not None and showers < 2:
        raise UserInputError("showers", showers, "an integer >= 2")
    pname = preset or an.provenance.get("preset") or an.preset or "na64-2016"
    masses = parse_floats(mass, "mass", positive=True) if mass else None
    if yields is None:
        below_threshold(masses or [], load_preset(pname))
    else:
        load_preset(pname)
    output_folder(out)
    ys = _limit_yields(an, masses, yields, pname, showers, seed, workers, mod.mediator.name)

    def prog(it: Any, n: int) -> Any:
        return progress(it, total=n, description="limits", disable=as_json)

    result = interpret_limits(
        compute_limits(
            an,
            ys,
            method=value_of(method),
            preset=pname,
            asymptotic=asymptotic,
            workers=workers,
            progress=prog,
        ),
        pname,
    )
    files = write_outputs(result, an, out, plots=plots)
    rows = _model_records(mod, result, ys, yields, pname, [r.mass for r in result.records])
    write_json_atomic(out / "model_limits.json", {**mod.record(), "records": [r.to_dict() for r in rows]})
    by_mass = {round(m.mass, 9): m.to_dict() for m in rows}
    summary = []
    for r in result.records:
        m = by_mass.get(round(r.mass, 9), {})
        s = _summary(r) | mod.record()
        s |= {"coupling": m.get("coupling"), "epsilon_equivalent": m.get("epsilon_equivalent")}
        if mod.name != "dark-photon":  # the model's ε = g/e with its production and decays in flight
            s["epsilon_etl"] = m.get("epsilon_etl")
        summary.append(s)
    if as_json:
        emit(summary, True)
        return
    emit(summary, False, title=f"{result.cl:.0%} CL limits ({result.method} CLs)")
    for note in result.notes:
        stderr_console.print(f"note: {note}")
    stderr_console.print(
        f"wrote {files['limits']}, {len(files['workspaces'])} workspaces, {files['hepdata']}"
    )


def optimise_cmd(
    analysis: Path = typer.Option(
        ..., "--analysis", help="Folder written by `darkmiss analyze` (still blinded).", resolve_path=True
    ),
    mass: list[str] = typer.Option(
        None, "--mass", help="A' masses [GeV] of the curves (default: preset, 0.002,0.02)."
    ),
    preset: str = typer.Option(None, "--preset", help="Preset (default: the analysis's)."),
    freeze: bool = typer.Option(True, "--freeze/--dry-run", help="Write the chosen cut into analysis.json."),
    plots: bool = typer.Option(True, "--plots/--no-plots", help="Write the Fig. 14 figure."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
) -> None:
    """Choose the ECAL cut from the average expected limit (Fig. 14) and freeze it before unblinding."""
    from darkmiss.analysis.result import AnalysisResult
    from darkmiss.pipeline.analysis import optimise

    masses = parse_floats(mass, "mass", positive=True) if mass else None
    an = AnalysisResult.read(input_folder(analysis, "analysis", "written by `darkmiss analyze`"))
    load_preset(preset or an.provenance.get("preset") or an.preset or "na64-2016")
    output_folder(analysis, "analysis")
    figure = analysis / "figures" / "ecal_cut_optimisation.png" if plots else None
    res = optimise(analysis, masses, preset=preset, freeze=freeze, figure=figure)
    payload = {
        "chosen_cut": res.chosen_cut,
        "previous_cut": res.previous_cut,
        "frozen": freeze,
        "best_cut_per_mass": {f"{c.mass:g}": c.best_cut for c in res.curves},
        "curves": [
            {"mass": c.mass, "cuts": c.cuts, "sensitivity": c.sensitivity, "n90_mean": c.n90_mean}
            for c in res.curves
        ],
        "notes": res.notes,
    }
    if as_json:
        emit(payload, True)
        return
    rows = [
        {"mass": c.mass, "cut": cut, "background": b, "n90_mean": n, "rel_sensitivity": s}
        for c in res.curves
        for cut, b, n, s in zip(c.cuts, c.background, c.n90_mean, c.sensitivity, strict=False)
    ]
    emit(rows, False, title="Average expected limit vs ECAL cut (Fig. 14)")
    stderr_console.print(f"chosen ECAL cut: {res.chosen_cut:g} GeV ({'frozen' if freeze else 'dry run'})")


def plot_limits_cmd(
    limits: Path = typer.Option(
        ..., "--limits", help="limits.json written by `darkmiss limits`.", resolve_path=True
    ),
    out: Path = typer.Option(..., "--out", help="Folder for the figures.", resolve_path=True),
) -> None:
    """Figures of Figs. 15-17 and the Brazil band from limits.json."""
    from darkmiss.interpret.limits import InterpretedLimits
    from darkmiss.plots.limit_figures import plot_all

    res = InterpretedLimits.read(input_file(limits, "limits", "limits.json written by `darkmiss limits`"))
    output_folder(out)
    for p in plot_all(res, out):
        typer.echo(str(p))


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    """Add ``limits``, ``optimise`` and ``plot limits``."""
    app.command("limits", short_help="90% C.L. upper limits on ε, y and α_D (exact CLs).")(limits_cmd)
    app.command("optimise", short_help="Choose and freeze the ECAL cut before unblinding (Fig. 14).")(
        optimise_cmd
    )
    plot_app.command("limits", short_help="Figs. 15–17 and the Brazil band from limits.json.")(
        plot_limits_cmd
    )
