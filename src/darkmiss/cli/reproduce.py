"""`darkmiss reproduce`: the whole NA64 2016 search in one command, with an HTML report."""

from __future__ import annotations

# The chain's modules are imported inside each command, so that `--help` and argument errors answer
# without loading numba, pyhf or matplotlib (the CLI's only in-function imports).
from pathlib import Path

import typer

from darkmiss.cli.choices import Beam, Production, beam_of, value_of
from darkmiss.cli.common import at_least, emit, parse_floats, scheduler_option, stderr_console, workers_option


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
        as_json: bool = typer.Option(False, "--json", help="Print results.json on stdout."),
    ) -> None:
        """Yields → pseudo-data and MC → analysis → optimisation → unblinding → limits → report."""
        from darkmiss.pipeline.reproduce import reproduce

        masses = parse_floats(mass, "mass", positive=True, allow_empty=True)
        bm = None if beam is None else beam_of(beam, None)
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
        )
        if as_json:
            emit(res.results, True)
            return
        rows = [
            {
                k: r[k]
                for k in ("mass", "epsilon_etl", "epsilon_etl_expected", "epsilon_ww", "epsilon_etl_direct")
            }
            for r in res.results["limits"]
            if r.get("default_mass")
        ]
        emit(rows, False, title="90% C.L. upper limits on ε")
        stderr_console.print(f"report: {res.report}")
