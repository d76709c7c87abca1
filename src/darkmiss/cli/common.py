"""Helpers shared by every CLI command: list parsing, output, progress (conventions of architecture.md).

- Masses and energies in GeV; lists comma-separated (repeating the option works too).
- ``--json`` prints a JSON array of records (or one object) on stdout and nothing else.
- Progress bars go to stderr.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from rich.table import Table

from darkmiss.errors import UserInputError
from darkmiss.util import progress, stderr_console, stdout_console, to_json

__all__ = [
    "emit",
    "parse_floats",
    "parse_names",
    "progress",
    "stderr_console",
    "stdout_console",
    "to_json",
]


def parse_floats(
    values: Sequence[str] | str | None,
    parameter: str,
    *,
    positive: bool = False,
    allow_empty: bool = False,
) -> list[float]:
    """Parse comma-separated (and/or repeated) numbers; bad entries raise :class:`UserInputError`."""
    if values is None:
        values = []
    if isinstance(values, str):
        values = [values]
    out: list[float] = []
    for chunk in values:
        for item in str(chunk).split(","):
            item = item.strip()
            if not item:
                continue
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
        raise UserInputError(parameter, ",".join(values), "at least one number")
    return out


def parse_names(values: Sequence[str] | str | None, parameter: str, allowed: Iterable[str]) -> list[str]:
    """Parse a comma-separated list of names, each one of ``allowed``."""
    allowed = list(allowed)
    if values is None:
        return []
    if isinstance(values, str):
        values = [values]
    out = [v.strip() for chunk in values for v in str(chunk).split(",") if v.strip()]
    for v in out:
        if v not in allowed:
            raise UserInputError(parameter, v, f"one of {', '.join(allowed)}")
    return out


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
