"""`darkmiss simulate` (event files for runs I-III, data or MC mode) and `darkmiss plot fig7`."""

from __future__ import annotations

# The chain's modules are imported inside each command, so that `--help` and argument errors answer
# without loading numba, pyhf or matplotlib (the CLI's only in-function imports).
from pathlib import Path
from typing import Any

import typer

from darkmiss.cli.choices import Beam, EventMode, Mediator, Model, Trigger, beam_of, value_of
from darkmiss.cli.common import (
    at_least,
    below_threshold,
    emit,
    output_folder,
    parse_floats,
    parse_names,
    progress,
    scheduler_option,
    workers_option,
)
from darkmiss.config.load import load_preset
from darkmiss.config.schema import select_runs
from darkmiss.errors import UserInputError

#: What a folder written by ``darkmiss simulate`` holds (besides temporary ``*.part`` files).
_SUMMARY = "simulation.json"
_CHUNKS = "*/*/chunk_*.root"


def _one(value: str | None, parameter: str) -> float | None:
    """One positive number from an option value (None: not given)."""
    if value is None:
        return None
    values = parse_floats(value, parameter, positive=True)
    if len(values) != 1:
        raise UserInputError(parameter, value, "a single positive number")
    return values[0]


def _check_inputs(
    preset: str,
    run: str,
    process: list[str] | None,
    eot: str | None,
    mass: str | None,
    epsilon: str | None,
    out: Path,
    beam: str | None = None,
) -> tuple[list[str] | None, float | None, float | None, float | None]:
    """Every input of ``simulate`` and its output folder, checked before any event is simulated: the
    beam (e- or e+; muon beams do not go through the 2016 chain), the processes, the EOT, the A′ mass
    [GeV] and ε."""
    from darkmiss.detsim.beam import with_beam
    from darkmiss.detsim.processes import available_processes

    pr = with_beam(load_preset(preset), beam)
    select_runs(pr, run)
    procs = parse_names(process, "process", available_processes()) if process else None
    eot_v, mass_v, eps_v = _one(eot, "eot"), _one(mass, "mass"), _one(epsilon, "epsilon")
    if mass_v is not None:
        below_threshold([mass_v], pr)
    if eps_v is not None and eps_v >= 1:
        raise UserInputError("epsilon", eps_v, "a mixing strength 0 < ε < 1")
    check_simulation_folder(out)
    return procs, eot_v, mass_v, eps_v


def check_simulation_folder(out: Path) -> Path:
    """The output folder of ``simulate``, checked before any computing: writable, not a file, and new,
    empty or written by ``darkmiss simulate`` (a summary or chunk files in it), never another's."""
    if out.is_dir():
        entries = [p for p in out.iterdir() if not p.name.endswith(".part")]
        if entries and not ((out / _SUMMARY).is_file() or any(out.glob(_CHUNKS))):
            raise UserInputError(
                "out",
                str(out),
                "a new or empty folder, or one written by `darkmiss simulate` (this one holds other files)",
            )
    return output_folder(out)


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    """Add the ``simulate`` command and ``plot fig7``."""

    @app.command("simulate", short_help="Event files of runs I–III, pseudo-data or MC (ROOT).")
    def simulate_cmd(
        preset: str = typer.Option("na64-2016", "--preset", help="Experiment preset (name or path)."),
        run: str = typer.Option("all", "--run", help="Run: I, II, III, a comma list, or all."),
        mode: EventMode = typer.Option(
            EventMode.data, "--mode", help="data (pile-up, rate effects, blinded) or mc (ideal)."
        ),
        process: list[str] = typer.Option(
            None,
            "--process",
            help="Processes, comma-separated: em, signal, dimuon, hadronic, upstream, decays, hadron_target, "
            "punchthrough, accidental, muon_decay, annihilation (default: all available but annihilation; "
            "signal with --mass and --epsilon).",
        ),
        eot: str = typer.Option(None, "--eot", help="EOT per run (default: the run's full EOT)."),
        mass: str = typer.Option(
            None, "--mass", help="A' (mediator) mass [GeV] for the signal and annihilation processes."
        ),
        epsilon: str = typer.Option(
            None, "--epsilon", help="Mixing strength epsilon for the signal and annihilation processes."
        ),
        mediator: Mediator = typer.Option(
            Mediator.vector, "--mediator", help="Spin and parity of the signal's boson (signal process)."
        ),
        model: Model = typer.Option(
            None, "--model", help="Couplings of a vector signal boson (default dark-photon)."
        ),
        trigger: Trigger = typer.Option(
            Trigger.physics, "--trigger", help="physics (Eq. 14) or calibration (no ECAL threshold)."
        ),
        beam: Beam = typer.Option(
            None,
            "--beam",
            help="Beam particle: e- or e+ (the H4 line at positive polarity, [beam.positron]; default: the "
            "preset's, e-); muon beams do not go through the 2016 chain.",
        ),
        out: Path = typer.Option(..., "--out", help="Output folder for the event files.", resolve_path=True),
        workers: int = workers_option("Local worker processes."),
        seed: int = typer.Option(0, "--seed", callback=at_least(0, "seed"), help="Master random seed."),
        scheduler: str = scheduler_option(),
        as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    ) -> None:
        """Simulate NA64 2016 events (pseudo-data or MC) into chunked ROOT files; reruns resume."""
        from darkmiss.detsim.generate import simulate
        from darkmiss.detsim.processes.signal import signal_model_options

        bm = None if beam is None else beam_of(beam, None)
        signal_model_options(mediator.value, value_of(model))  # a vector model with another mediator: refused
        procs, eot_v, mass_v, eps_v = _check_inputs(preset, run, process, eot, mass, epsilon, out, bm)

        def bar(it: Any, total: int) -> Any:
            return progress(it, total, description="chunks")

        s = simulate(
            preset,
            run,
            mode.value,
            out,
            processes=procs,
            eot=eot_v,
            mass=mass_v,
            epsilon=eps_v,
            trigger=trigger.value,
            mediator=mediator.value,
            model=value_of(model),
            workers=workers,
            seed=seed,
            scheduler=scheduler,
            progress=bar,
            beam=bm,
        )
        records = [
            {
                "run": p.run,
                "process": p.process,
                "rate_per_eot": p.rate_per_eot,
                "eot": p.eot,
                "expected": p.expected_events,
                "prescale": p.prescale,
                "generated": p.n_events,
                "stored": s.stored_events[p.run][p.process],
                "weighted": s.weighted_events[p.run][p.process],
                "chunks": p.n_chunks,
            }
            for p in s.plans
        ]
        if as_json:
            emit(
                {
                    "out": str(s.out_dir),
                    "beam": s.extra["beam"],
                    "chunks_written": s.chunks_written,
                    "chunks_skipped": s.chunks_skipped,
                    "dead_time": s.dead_time,
                    "mean_pileup": s.mean_pileup,
                    "processes": records,
                },
                True,
            )
        else:
            emit(
                records,
                False,
                title=f"darkmiss simulate ({s.extra['beam']}, {mode.value}, {trigger.value}) -> {s.out_dir}",
            )

    @plot_app.command("fig7", short_help="Fig. 7 (left): E_ECAL vs E_HCAL per run.")
    def fig7_cmd(
        events: Path = typer.Option(
            ..., "--events", help="Folder of event files (darkmiss simulate --out).", resolve_path=True
        ),
        out: Path = typer.Option(..., "--out", help="Output folder for the figures.", resolve_path=True),
        as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    ) -> None:
        """Fig. 7 left panels: E_ECAL vs E_HCAL (HCAL1+HCAL2) per run, SRD-tagged events."""
        from darkmiss.events.io import check_event_files
        from darkmiss.plots.detsim_figures import fig7_left

        check_event_files(events, "events")
        output_folder(out)
        res = fig7_left(events, out)
        emit([r.to_record() for r in res], as_json, title="Fig. 7 (left): regions I-III per run")
