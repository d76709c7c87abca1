"""The stage file ``yields.json`` of ``darkmiss reproduce``: A′ yields per EOT at ε = 1 on the plot mass
grid (masses GeV, spectra in GeV of the emitted boson), one record per mass."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss.cache import atomic_write_path
from darkmiss.errors import require

#: Layout version of the stage file ``yields.json`` (A′ yields on the plot mass grid).
YIELDS_SCHEMA_VERSION = 2
#: The spectra figure (spec Fig. 4) that :func:`draw_spectra` writes into its stage folder.
SPECTRA_PNG = "spectra.png"


def yield_records(yields: list[Any]) -> list[dict[str, Any]]:
    """JSON records of yield objects (``darkmiss.shower.yields.AprimeYield``): their scalar fields and the
    spectra (``spectrum_edges``, ``spectrum_ww``, ``spectrum_etl``) as lists."""
    out = []
    for y in yields:
        d = asdict(y)
        out.append(
            {k: v for k, v in d.items() if not isinstance(v, (list, np.ndarray))}
            | {
                "spectrum_edges": list(np.asarray(d.get("spectrum_edges", []), float)),
                "spectrum_ww": list(np.asarray(d.get("spectrum_ww", []), float)),
                "spectrum_etl": list(np.asarray(d.get("spectrum_etl", []), float)),
            }
        )
    return out


def read_yields(folder: Path) -> list[dict[str, Any]]:
    """The yield records of the stage file ``folder/yields.json`` (of layout :data:`YIELDS_SCHEMA_VERSION`)."""
    d = json.loads((folder / "yields.json").read_text(encoding="utf-8"))
    require(
        isinstance(d, dict) and d.get("schema_version") == YIELDS_SCHEMA_VERSION,
        "yields",
        str(folder / "yields.json"),
        f"a yields.json with schema_version {YIELDS_SCHEMA_VERSION}",
    )
    return list(d["records"])


def draw_spectra(yields_dir: Path, folder: Path) -> dict[str, Any]:
    """Draw the thick-target A′ spectra of ``yields_dir`` (spec Fig. 4) once per yields stage, into
    ``folder/spectra.png`` (none when the records carry no spectra), so that a rerun of the report draws
    nothing."""
    # matplotlib takes ~1 s to import and a cached rerun draws nothing: the drawing module is loaded here
    from darkmiss.plots.yield_figures import spectra_figure

    png = spectra_figure(read_yields(yields_dir))
    if png is not None:
        with atomic_write_path(folder / SPECTRA_PNG) as tmp:
            tmp.write_bytes(png)
    return {"figure": png is not None}
