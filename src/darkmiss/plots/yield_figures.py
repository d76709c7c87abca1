"""Figures of the A′ yields: thick-target spectra (spec Fig. 4)."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np

from darkmiss.plots.style import hep_style, png_bytes


@hep_style
def spectra_figure(yields: list[dict[str, Any]]) -> bytes | None:
    """Thick-target A′ spectra dn/dE per EOT at ε = 1 [1/GeV], ETL and WW (spec Fig. 4), as PNG bytes."""
    with_spec = [y for y in yields if len(y.get("spectrum_edges", [])) > 1]
    if not with_spec:
        return None
    fig, ax = plt.subplots(figsize=(7, 5))
    for y in with_spec[:: max(1, len(with_spec) // 4)]:
        e = np.asarray(y["spectrum_edges"])
        for key, ls in (("spectrum_etl", "-"), ("spectrum_ww", "--")):
            v = np.asarray(y.get(key, []))
            if v.size == e.size - 1 and v.sum() > 0:
                ax.stairs(v, e, linestyle=ls, label=f"{y['mass'] * 1e3:.3g} MeV {key.split('_')[1].upper()}")
    ax.set_yscale("log")
    ax.set_xlabel(r"$E_{A'}$ [GeV]")
    ax.set_ylabel(r"$dn_{A'}/dE$ per EOT at $\epsilon=1$")
    ax.legend(fontsize=9)
    ax.set_title("A' energy spectra in the thick target (Fig. 4)", fontsize=12)
    return png_bytes(fig)
