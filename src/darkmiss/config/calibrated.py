"""Calibrated inputs: every number a preset takes from the paper's measurements on data.

They live in one table, ``[from_spec]`` (``from_spec.toml`` of the shipped preset), one sub-table per
input with its ``value`` (a number, or a table of numbers per run), an optional ``err`` of the same
shape, its ``unit`` and the ``source`` (the spec section it is read from). Everything else in a preset
is an input (run conditions, cut values, published physics constants) or an assumption; a quantity
that follows from a calibrated input is a closure, never a prediction (``results.json`` ``comparison``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from darkmiss.config.load import Preset
from darkmiss.errors import UserInputError

#: The preset table holding the calibrated inputs.
TABLE = "from_spec"


def _number(v: Any, where: str) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        raise UserInputError(f"preset [{where}]", v, "a number or a table of numbers") from None
    if not math.isfinite(f):
        raise UserInputError(f"preset [{where}]", v, "a finite number")
    return f


def _values(v: Any, where: str) -> float | dict[str, float]:
    if isinstance(v, dict):
        return {str(k): _number(x, f"{where}.{k}") for k, x in v.items()}
    return _number(v, where)


@dataclass(frozen=True)
class CalibratedValue:
    """One calibrated input: its value (scalar or per run), uncertainty (same shape or None), unit and source."""

    name: str
    value: float | dict[str, float]
    err: float | dict[str, float] | None
    unit: str
    source: str

    def scalar(self) -> float:
        """The value as a number; a per-run value is a user error naming the input."""
        if isinstance(self.value, dict):
            raise UserInputError(f"preset [{TABLE}.{self.name}] value", self.value, "a single number")
        return self.value

    def per_run(self, run: str) -> float:
        """The value of ``run`` (a scalar applies to every run)."""
        if not isinstance(self.value, dict):
            return self.value
        if run not in self.value:
            raise UserInputError(f"preset [{TABLE}.{self.name}] value", self.value, f"a value for run {run}")
        return self.value[run]

    def err_per_run(self, run: str) -> float:
        """The uncertainty of ``run`` (0 when none is given)."""
        if self.err is None:
            return 0.0
        if isinstance(self.err, dict):
            return float(self.err.get(run, 0.0))
        return self.err

    def to_record(self) -> dict[str, Any]:
        """The ``results.json`` ``calibrated`` entry: value (with err and unit when given) and source."""
        rec: dict[str, Any] = {"value": self.value, "source": self.source}
        if self.err is not None:
            rec["err"] = self.err
        if self.unit:
            rec["unit"] = self.unit
        return rec


def calibrated_inputs(preset: Preset) -> dict[str, CalibratedValue]:
    """Every entry of ``[from_spec]`` (an empty dict when the preset has none)."""
    table = preset.data.get(TABLE, {})
    if not isinstance(table, dict):
        raise UserInputError(f"preset [{TABLE}]", table, "a TOML table of calibrated inputs")
    out: dict[str, CalibratedValue] = {}
    for name, t in table.items():
        where = f"{TABLE}.{name}"
        if not isinstance(t, dict) or "value" not in t or "source" not in t:
            raise UserInputError(f"preset [{where}]", t, "a table with 'value' and 'source'")
        err = t.get("err")
        out[name] = CalibratedValue(
            name=name,
            value=_values(t["value"], where),
            err=None if err is None else _values(err, f"{where}.err"),
            unit=str(t.get("unit", "")),
            source=str(t["source"]),
        )
    return out


def calibrated(preset: Preset, name: str) -> CalibratedValue:
    """The calibrated input ``name`` of ``preset``; a missing one is a user error naming it."""
    inputs = calibrated_inputs(preset)
    if name not in inputs:
        raise UserInputError("preset", preset.name, f"a [{TABLE}.{name}] table (calibrated input)")
    return inputs[name]
