"""The figures' style: mplhep's ROOT style, applied per figure (never to the user's global settings).

Decorate a function that draws with :func:`hep_style`; it runs inside ``plt.style.context`` of the style.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import matplotlib.pyplot as plt
import mplhep
from matplotlib.figure import Figure

P = ParamSpec("P")
R = TypeVar("R")

#: The style every darkmiss figure uses.
STYLE = mplhep.style.ROOT


def hep_style(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` inside the mplhep ROOT style context."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with plt.style.context(STYLE):
            return fn(*args, **kwargs)

    return wrapper


def png_bytes(fig: Figure, dpi: int = 90) -> bytes:
    """``fig`` as PNG bytes; closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()


__all__ = ["STYLE", "hep_style", "png_bytes"]
