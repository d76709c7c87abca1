"""`darkmiss analyze` and `darkmiss unblind`: the analysis of spec Sec. IV–VIII on event files.

Energies in GeV. ``--json`` prints one JSON object (the summary) on stdout and nothing else.
"""

from __future__ import annotations

# The chain's modules are imported inside each command, so that `--help` and argument errors answer
# without loading numba, pyhf or matplotlib (the CLI's only in-function imports).
from pathlib import Path
from typing import Any

import typer

from darkmiss.cli.common import at_least, emit, input_folder, output_folder, stderr_console, workers_option
from darkmiss.config.load import load_preset
from darkmiss.errors import UserInputError


def _summary(res: Any, out: Path) -> dict[str, Any]:
    return {
        "out": str(out),
        "blinded": res.blinded,
        "cut_frozen": res.cut_frozen,
        "ecal_cut": res.ecal_cut,
        "hcal_cut": res.hcal_cut,
        "yield_threshold": res.yield_threshold,
        "runs": [
            {
                "run": r.run,
                "eot": r.eot,
                "intensity": r.intensity,
                "observed": r.observed,
                "background": r.background,
                "background_err": r.background_err,
                "dimuon_ratio": r.dimuon_ratio,
                "masses": r.efficiency_masses,
                "efficiency": r.efficiency,
                "systematics_total": r.systematics_total,
            }
            for r in res.runs
        ],
    }


def _print_table(summary: dict[str, Any], as_json: bool) -> None:
    if as_json:
        emit(summary, True)
        return
    rows = []
    for r in summary["runs"]:
        rows.append(
            {
                "run": r["run"],
                "EOT": r["eot"],
                "observed": "blinded" if summary["blinded"] else r["observed"],
                "background": r["background"],
                "bkg err": r["background_err"],
                "f (dimuon)": r["dimuon_ratio"],
                "eff (per mass)": r["efficiency"],
            }
        )
    emit(rows, False, title=f"darkmiss analysis -> {summary['out']} (blinded: {summary['blinded']})")


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    """Add `analyze` and `unblind` to the app."""

    @app.command("analyze", short_help="Reconstruct, select (blinded) and analyse event files.")
    def analyze_cmd(
        events: Path = typer.Option(
            ..., "--events", help="Folder (or file) of data-mode event files.", resolve_path=True
        ),
        mc: Path | None = typer.Option(
            None, "--mc", help="Folder of MC event files (signal, dimuon, backgrounds).", resolve_path=True
        ),
        out: Path = typer.Option(
            ..., "--out", help="Output folder (analysis.json, tables, figures).", resolve_path=True
        ),
        preset: str = typer.Option("na64-2016", "--preset", help="Experiment preset."),
        seed: int = typer.Option(
            0, "--seed", callback=at_least(0, "seed"), help="Seed of the uncertainty toys."
        ),
        workers: int = workers_option("Worker processes for the reconstruction."),
        figures: bool = typer.Option(True, "--figures/--no-figures", help="Draw the figures (Figs. 7-13)."),
        as_json: bool = typer.Option(False, "--json", help="Print only JSON on stdout."),
    ) -> None:
        """Reconstruct, select (blinded) and analyse events: cut-flows, regions, dimuons, efficiencies,
        background and systematics (spec Sec. IV-VIII)."""
        from darkmiss.events.io import check_event_files
        from darkmiss.pipeline.analysis import analyze

        # every input and the output folder are checked before anything is reconstructed
        load_preset(preset)
        files = check_event_files(events, "events")
        if not any(meta.get("mode") == "data" for meta in files.values()):
            raise UserInputError("events", str(events), "event files of data mode (pseudo-data) among them")
        if mc is not None:
            check_event_files(input_folder(mc, "mc", "of MC event files"), "mc")
        output_folder(out, "out")
        if not as_json:
            stderr_console.print(f"analysing {events} (mc: {mc}) ...")
        res = analyze(events, mc, out, preset, workers=workers, seed=seed, figures=figures)
        _print_table(_summary(res, out), as_json)

    @app.command("unblind", short_help="Open the signal box at the frozen cuts.")
    def unblind_cmd(
        analysis: Path = typer.Option(
            ..., "--analysis", help="Folder written by `darkmiss analyze`.", resolve_path=True
        ),
        workers: int = workers_option("Worker processes for the reconstruction."),
        figures: bool = typer.Option(True, "--figures/--no-figures", help="Redraw the figures."),
        as_json: bool = typer.Option(False, "--json", help="Print only JSON on stdout."),
    ) -> None:
        """Open the signal box at the frozen cuts (refused until `darkmiss optimise` froze the ECAL cut)."""
        from darkmiss.analysis.result import AnalysisResult
        from darkmiss.events.io import check_event_files
        from darkmiss.pipeline.analysis import unblind

        # the analysis, its event folders and its folder's writability are checked before reconstructing
        res = AnalysisResult.read(input_folder(analysis, "analysis", "written by `darkmiss analyze`"))
        for key in ("events", "mc"):
            if res.provenance.get(key):
                check_event_files(Path(res.provenance[key]), f"analysis {key}")
        output_folder(analysis, "analysis")
        res = unblind(analysis, workers=workers, figures=figures)
        _print_table(_summary(res, analysis), as_json)
