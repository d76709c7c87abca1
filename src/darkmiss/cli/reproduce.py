"""`darkmiss reproduce`: the whole NA64 2016 search in one command, with an HTML report."""

from __future__ import annotations

# The chain's modules are imported inside each command, so that `--help` and argument errors answer
# without loading numba, pyhf or matplotlib (the CLI's only in-function imports).
from pathlib import Path

import typer

from darkmiss.cli.choices import Beam, Mediator, Model, Production, beam_of, value_of
from darkmiss.cli.common import (
    at_least,
    emit,
    parse_floats,
    parse_names,
    scheduler_option,
    stderr_console,
    workers_option,
)

_COLUMNS = ("mass", "epsilon_etl", "epsilon_etl_expected", "epsilon_ww", "epsilon_etl_direct")
_MODEL_COLUMNS = ("mass", "coupling", "epsilon_etl", "epsilon_equivalent", "epsilon_etl_expected")


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    @app.command("reproduce", short_help="The whole NA64 2016 search in one command, with a report.")
    def reproduce_cmd(
        preset: str = typer.Option("na64-2016", "--preset", help="Experiment preset."),
        out: Path = typer.Option(
            ..., "--out", help="Output folder (stages are cached inside it).", resolve_path=True
        ),
        mass: list[str] = typer.Option(
            None, "--mass", help="A' masses [GeV], comma-separated (default: preset list)."
        ),
        quick: bool = typer.Option(
            False, "--quick", help="Reduced statistics, the same chain (CI's end-to-end test)."
        ),
        workers: int = workers_option("Local worker processes."),
        scheduler: str = scheduler_option(),
        seed: int = typer.Option(0, "--seed", callback=at_least(0, "seed"), help="Master random seed."),
        force: bool = typer.Option(False, "--force", help="Re-run every stage even if cached."),
        beam: Beam = typer.Option(
            None,
            "--beam",
            help="Beam particle: e- or e+ (the H4 line at positive polarity, [beam.positron]; default: the "
            "preset's, e-); muon beams do not go through the 2016 chain.",
        ),
        production: Production = typer.Option(
            None,
            "--production",
            help="What the headline limit counts: brems, annihilation or brems,annihilation "
            "(default: brems for e-, brems,annihilation for e+).",
        ),
        mediator: str = typer.Option(
            "vector",
            "--mediator",
            help="Mediators, comma-separated (vector, scalar, pseudoscalar, axial); the first is the headline.",
        ),
        model: str = typer.Option(
            None,
            "--model",
            help="Vector models, comma-separated (dark-photon, B-L, Lmu-Ltau; need the vector mediator).",
        ),
        as_json: bool = typer.Option(False, "--json", help="Print results.json on stdout."),
    ) -> None:
        """Yields → pseudo-data and MC → analysis → optimisation → unblinding → limits → report."""
        from darkmiss.pipeline.reproduce import reproduce

        masses = parse_floats(mass, "mass", positive=True, allow_empty=True)
        bm = None if beam is None else beam_of(beam, None)
        mediators = parse_names(mediator, "mediator", [m.value for m in Mediator])
        models = parse_names(model, "model", [m.value for m in Model]) if model else None
        res = reproduce(
            preset,
            out,
            masses=masses or None,
            quick=quick,
            workers=workers,
            scheduler=scheduler,
            seed=seed,
            force=force,
            quiet=as_json,
            beam=bm,
            production=value_of(production),
            mediators=mediators,
            models=models,
        )
        if as_json:
            emit(res.results, True)
            return
        head = res.results["headline_model"]
        if head["model"] == "dark-photon":
            rows = [{k: r[k] for k in _COLUMNS} for r in res.results["limits"] if r.get("default_mass")]
            emit(rows, False, title="90% C.L. upper limits on ε")
        for pair in [head] + [p for p in _pairs(res.results["model_limits"]) if p != head]:
            if pair["model"] == "dark-photon":
                continue
            rows = [
                {k: r[k] for k in _MODEL_COLUMNS}
                for r in res.results["model_limits"]
                if r.get("default_mass") and r["model"] == pair["model"] and r["mediator"] == pair["mediator"]
            ]
            emit(rows, False, title=f"90% C.L. upper limits on g ({pair['mediator']}, {pair['model']})")
        stderr_console.print(f"report: {res.report}")


def _pairs(rows: list[dict]) -> list[dict[str, str]]:
    """The (mediator, model) pairs of ``model_limits`` rows, in order of appearance."""
    out: list[dict[str, str]] = []
    for r in rows:
        p = {"model": r["model"], "mediator": r["mediator"]}
        if p not in out:
            out.append(p)
    return out
