"""The base of every preset table model, and the value types the tables share."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: Two numbers (a range ``[lo, hi]`` or a pair of variations).
Pair = Annotated[list[float], Field(min_length=2, max_length=2)]
#: A non-empty list of numbers (masses in GeV, quantiles, …).
Numbers = Annotated[list[float], Field(min_length=1)]


class Table(BaseModel):
    """Base of every table model: unknown keys and loose types are refused; floats are finite."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False, frozen=True)
