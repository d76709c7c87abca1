"""``darkmiss plot signal-ecal``: Fig. 6 (ECAL energy of signal events)."""

from __future__ import annotations

# The chain's modules are imported inside each command, so that `--help` and argument errors answer
# without loading numba, pyhf or matplotlib (the CLI's only in-function imports).
from pathlib import Path

import typer

from darkmiss.cli.choices import ShowerMode
from darkmiss.cli.common import at_least, emit, output_file, parse_floats
from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.errors import UserInputError


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    @plot_app.command("signal-ecal", short_help="Fig. 6: ECAL energy of signal events per A′ mass.")
    def signal_ecal(
        mass: list[str] = typer.Option(
            ["0.002,0.02,0.2"], "--mass", help="A′ masses [GeV], comma-separated."
        ),
        preset: str = typer.Option("na64-2016", "--preset", help="Experiment preset."),
        showers: int = typer.Option(2000, "--showers", help="Signal showers per mass."),
        seed: int = typer.Option(0, "--seed", callback=at_least(0, "seed"), help="Master seed."),
        mode: ShowerMode = typer.Option(ShowerMode.fast, "--mode", help="Shower simulation mode."),
        out: Path = typer.Option(
            Path("fig6_signal_ecal.png"), "--out", help="Output figure file.", resolve_path=True
        ),
        as_json: bool = typer.Option(False, "--json", help="Print JSON only."),
    ) -> None:
        """ECAL energy of signal events for several A′ masses (spec Fig. 6)."""
        from darkmiss.plots.shower_figures import signal_ecal_figure

        masses = parse_floats(mass, "mass", positive=True)
        if showers <= 0:
            raise UserInputError("showers", showers, "a positive number")
        pr = load_preset(preset)
        energy = float(pr.section("beam")["energy"])
        for m in masses:
            if m >= energy / 2:
                raise UserInputError("mass", m, f"an A′ mass below half the beam energy ({energy / 2:g} GeV)")
        setup = SetupGeometry.from_preset(pr)
        output_file(out)
        res = signal_ecal_figure(setup, masses, out, showers=showers, seed=seed, mode=mode.value)
        emit({"figure": str(out), **res}, as_json)
