"""Utilities shared by every layer: JSON encoding, the consoles and progress bars (rich), and the
unweighting of weighted events.

Progress bars and messages go to stderr, so that ``--json`` output on stdout stays clean.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

T = TypeVar("T")

stderr_console = Console(stderr=True)
stdout_console = Console()


def jsonable(obj: Any) -> Any:
    """``obj`` with numpy scalars and arrays turned into Python numbers and lists, NaN/inf into None."""
    if isinstance(obj, dict):
        return {str(k): jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return jsonable(obj.tolist())
    if isinstance(obj, (np.floating, float)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, np.integer):
        return int(obj)
    if isinstance(obj, np.bool_):
        return bool(obj)
    return obj


def to_json(obj: Any) -> str:
    """Serialise records to JSON (numpy scalars and arrays allowed; NaN/inf become null)."""
    return json.dumps(jsonable(obj), indent=1)


def progress(
    iterable: Iterable[T], total: int | None = None, description: str = "", disable: bool = False
) -> Iterator[T]:
    """Iterate over ``iterable`` with a progress bar on stderr (rich; nothing is drawn when ``disable``)."""
    if disable:
        yield from iterable
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=stderr_console, transient=True) as bar:
        task = bar.add_task(description, total=total)
        for item in iterable:
            yield item
            bar.advance(task)


def unit_weight_copies(weight: np.ndarray, rng: np.random.Generator | np.ndarray) -> np.ndarray:
    """Accept-reject of weighted events into unit-weight ones: how many copies each event of relative
    ``weight`` w ≥ 0 gets, ⌊w⌋ and one more with probability w − ⌊w⌋, so that the expected number is w
    (one uniform per event, from ``rng``, or the uniforms themselves when ``rng`` is an array)."""
    base = np.floor(weight)
    u = rng.random(np.shape(weight)) if isinstance(rng, np.random.Generator) else np.asarray(rng)
    return (base + (u < (weight - base))).astype(np.int64)
