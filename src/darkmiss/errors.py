"""User-facing errors: one clear line naming the parameter, the value and what is allowed."""

from __future__ import annotations

from typing import Any


class DarkmissError(Exception):
    """Base class of every error darkmiss raises on purpose."""


class UserInputError(DarkmissError, ValueError):
    """A bad value supplied by a user (CLI option, preset entry, function argument).

    The CLI prints ``str(err)`` as one line and exits with code 2.
    """

    def __init__(self, parameter: str, value: Any, allowed: str) -> None:
        self.parameter = parameter
        self.value = value
        self.allowed = allowed
        super().__init__(f"invalid {parameter}={value!r}: {allowed}")

    def __reduce__(self):  # picklable across worker processes (map_chunks)
        return (type(self), (self.parameter, self.value, self.allowed))


class BlindingError(DarkmissError):
    """An operation would reveal the blinded signal box, or violates the unblinding order."""


def require(condition: bool, parameter: str, value: Any, allowed: str) -> None:
    """Raise :class:`UserInputError` unless ``condition`` holds."""
    if not condition:
        raise UserInputError(parameter, value, allowed)
