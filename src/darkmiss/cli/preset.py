"""``darkmiss preset show|check``: print a resolved preset, validate a user's own.

A preset is validated against the schema of :mod:`darkmiss.config.models` (unknown keys, wrong types,
missing tables or keys: one line naming the file, the table and the key) and then read by every stage's
configuration, which checks the ranges and relations of its values.
"""

from __future__ import annotations

import sys

import typer

from darkmiss.cli.common import emit
from darkmiss.config.load import available_presets, load_preset, preset_toml

preset_app = typer.Typer(
    help="Experiment presets: print a resolved one, validate your own.", no_args_is_help=True
)


@preset_app.command("show", short_help="Print a preset's resolved tables (TOML).")
def show(
    name: str = typer.Argument(
        ..., help=f"A shipped preset ({', '.join(available_presets())}) or a path to a preset folder/file."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the tables as one JSON object."),
) -> None:
    """Print the preset's merged tables, each with the file it came from (validated first)."""
    preset = load_preset(name)
    if as_json:
        emit(preset.data, True)
        return
    sys.stdout.write(preset_toml(preset))


@preset_app.command("check", short_help="Validate a preset folder or TOML file.")
def check(
    path: str = typer.Argument(..., help="A preset folder (TOML files) or one TOML file, or a shipped name."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Validate a preset: the schema (keys, types, tables), then every stage's configuration reader."""
    # the stage readers live above the CLI's lazy-import line: loading them needs numba and pyhf
    from darkmiss.pipeline.reproduce import check_preset

    preset = load_preset(path)
    check_preset(preset)
    if as_json:
        emit(
            {"preset": preset.name, "path": preset.origin, "valid": True, "tables": sorted(preset.data)}, True
        )
        return
    sys.stdout.write(f"{preset.origin}: a valid darkmiss preset ({', '.join(sorted(preset.data))})\n")


def register(app: typer.Typer, plot_app: typer.Typer) -> None:
    """Add the ``preset`` group to the darkmiss app."""
    del plot_app
    app.add_typer(preset_app, name="preset", short_help="Show a resolved preset; check your own.")
