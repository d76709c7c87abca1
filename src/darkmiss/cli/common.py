"""Helpers shared by every CLI command: list parsing, path checks, output, progress (conventions of
architecture.md).

- Masses and energies in GeV; lists comma-separated (repeating the option works too); an empty item
  (``0.1,,0.2``) is an error, never skipped.
- Every input path and output location is checked before any computing starts (:func:`input_folder`,
  :func:`input_file`, :func:`output_folder`, :func:`output_file`).
- ``--json`` prints a JSON array of records (or one object) on stdout and nothing else.
- Progress bars go to stderr.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import typer
from rich.table import Table

from darkmiss.cache import check_output_file, check_output_folder
from darkmiss.config.load import Preset
from darkmiss.errors import UserInputError
from darkmiss.parallel import default_workers
from darkmiss.util import progress, stderr_console, stdout_console, to_json

__all__ = [
    "at_least",
    "below_threshold",
    "emit",
    "input_file",
    "input_folder",
    "output_file",
    "output_folder",
    "parse_floats",
    "parse_names",
    "progress",
    "stderr_console",
    "stdout_console",
    "to_json",
]


def _items(values: Sequence[str] | str | None, parameter: str, what: str) -> list[str]:
    """The items of comma-separated (and/or repeated) option values; an empty item is an error."""
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for chunk in values:
        text = str(chunk)
        if not text.strip():
            continue
        items = [item.strip() for item in text.split(",")]
        if any(not item for item in items):
            raise UserInputError(parameter, text, f"a comma-separated list of {what} without empty items")
        out.extend(items)
    return out


def parse_floats(
    values: Sequence[str] | str | None,
    parameter: str,
    *,
    positive: bool = False,
    allow_empty: bool = False,
) -> list[float]:
    """Parse comma-separated (and/or repeated) numbers; bad entries (not a number, not finite, not
    positive with ``positive``, an empty item) raise :class:`UserInputError`."""
    out: list[float] = []
    for item in _items(values, parameter, "numbers"):
        try:
            v = float(item)
        except ValueError:
            raise UserInputError(parameter, item, "a number (comma-separated list allowed)") from None
        if not math.isfinite(v):
            raise UserInputError(parameter, item, "a finite number")
        if positive and v <= 0:
            raise UserInputError(parameter, item, "a positive number")
        out.append(v)
    if not out and not allow_empty:
        shown = values if isinstance(values, str) or values is None else ",".join(values)
        raise UserInputError(parameter, shown, "at least one number")
    return out


def parse_names(values: Sequence[str] | str | None, parameter: str, allowed: Iterable[str]) -> list[str]:
    """Parse a comma-separated list of names, each one of ``allowed`` (an empty item is an error)."""
    allowed = list(allowed)
    out = _items(values, parameter, "names")
    for v in out:
        if v not in allowed:
            raise UserInputError(parameter, v, f"one of {', '.join(allowed)}")
    return out


def at_least(minimum: int, parameter: str) -> Callable[[int | None], int | None]:
    """An option callback refusing integers below ``minimum`` at parse time (seeds >= 0, workers >= 1)."""

    def check(value: int | None) -> int | None:
        if value is not None and value < minimum:
            raise UserInputError(parameter, value, f"an integer >= {minimum}")
        return value

    return check


def workers_option(help_text: str) -> Any:
    """The ``--workers`` option of every command: at least 1, by default the cores this process may use
    (``os.sched_getaffinity``, which honours taskset, cgroups and batch-system CPU sets)."""
    return typer.Option(
        default_workers(),
        "--workers",
        callback=at_least(1, "workers"),
        help=f"{help_text.rstrip('.')} (default: the cores this process may use).",
    )


def scheduler_option() -> Any:
    """The ``--scheduler`` option: the address of a dask.distributed scheduler that runs the chunks."""
    return typer.Option(
        None,
        "--scheduler",
        help="dask.distributed scheduler address (tcp://host:8786): run the chunks on its workers.",
    )


def below_threshold(
    masses: Sequence[float], preset: Preset, energy: float | None = None, threshold: float | None = None
) -> float:
    """Check that every A′ mass [GeV] is below the yield threshold (``threshold``, else the preset's
    ``[shower] threshold_fraction`` of the beam energy ``energy``, else of the preset's); return it."""
    e0 = float(preset.section("beam")["energy"]) if energy is None else energy
    if not e0 > 0:
        raise UserInputError("energy", e0, "a positive beam energy in GeV")
    th = float(preset.section("shower")["threshold_fraction"]) * e0 if threshold is None else threshold
    if not 0 < th < e0:
        raise UserInputError(
            "threshold", th, f"an A′ energy threshold between 0 and the beam energy {e0:g} GeV"
        )
    for m in masses:
        if not m < th:
            raise UserInputError("mass", m, f"an A′ mass below the energy threshold {th:g} GeV")
    return th


def input_folder(path: Path, parameter: str, what: str) -> Path:
    """An existing folder (``what`` says whose, e.g. "written by `darkmiss analyze`"); else a user error."""
    if not path.exists():
        raise UserInputError(parameter, str(path), f"an existing folder {what} (it does not exist)")
    if not path.is_dir():
        raise UserInputError(parameter, str(path), f"a folder {what} (this path is a file)")
    return path


def input_file(path: Path, parameter: str, what: str) -> Path:
    """An existing file (``what`` says which, e.g. "limits.json written by `darkmiss limits`")."""
    if not path.exists():
        raise UserInputError(parameter, str(path), f"an existing {what} (it does not exist)")
    if not path.is_file():
        raise UserInputError(parameter, str(path), f"a {what} (this path is a folder)")
    return path


def output_folder(path: Path | str, parameter: str = "out") -> Path:
    """An output folder that can be written (checked before any computing; nothing is created)."""
    return check_output_folder(path, parameter)


def output_file(path: Path | str, parameter: str = "out") -> Path:
    """An output file that can be written (checked before any computing; nothing is created)."""
    return check_output_file(path, parameter)


def emit(records: list[dict[str, Any]] | dict[str, Any], as_json: bool, title: str | None = None) -> None:
    """Print records as JSON (``as_json``) or as a readable table."""
    if as_json:
        sys.stdout.write(to_json(records) + "\n")
        return
    rows = [records] if isinstance(records, dict) else records
    if not rows:
        stdout_console.print("(no records)")
        return
    cols: list[str] = []
    for r in rows:
        for k in r:
            if k not in cols:
                cols.append(k)
    table = Table(title=title)
    for c in cols:
        table.add_column(c)
    for r in rows:
        table.add_row(*(_fmt(r.get(c)) for c in cols))
    stdout_console.print(table)


def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, (float, np.floating)):
        return f"{float(v):.5g}"
    if isinstance(v, (list, tuple, np.ndarray)):
        seq = list(v)
        if len(seq) > 6:
            return f"[{len(seq)} values]"
        return "[" + ", ".join(_fmt(x) for x in seq) + "]"
    return str(v)
