"""Preset tables of ``from_spec.toml``: the numbers taken from the paper's measurements on data."""

from __future__ import annotations

from darkmiss.config.models.base import Table


class FromSpecEntry(Table):
    """``[from_spec.NAME]``: one calibrated input: its value (a number, or run → number), its error (same
    shape, optional), its unit and the spec section it is read from."""

    value: dict[str, float] | float
    err: dict[str, float] | float | None = None
    unit: str
    source: str
