"""Systematic uncertainties (spec Sec. VII, Table III): each source is the relative change of the
signal yield under the variation the spec describes; the inputs without a variation (EOT, signal
cross section) come from the preset's ``[systematics]`` table. Combined in quadrature.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

#: Table III sources in order.
SOURCES: tuple[str, ...] = (
    "eot",
    "signal_cross_section",
    "primary_e_selection",
    "ecal_selection",
    "ecal_reweighting",
    "v2_threshold",
    "hcal_threshold",
)


def relative_shift(nominal: float, varied: list[float]) -> float:
    """Largest |varied − nominal| / nominal (spec Sec. VII: 'taking the largest change')."""
    if nominal <= 0 or not varied:
        return 0.0
    return max(abs(v - nominal) for v in varied) / nominal


def reweighting_uncertainty(shift: float, stat: float) -> float:
    """Reweighting systematic: quadratic sum of the observed shift and its statistical error
    (spec Sec. VII, 4% in the paper's run III)."""
    return math.hypot(shift, stat)


@dataclass
class SystematicsTable:
    """Table III for one run and mass [GeV]: relative uncertainties per source."""

    run: str
    mass: float
    sources: dict[str, float]

    @property
    def total(self) -> float:
        """Quadrature sum of the efficiency and normalisation sources (Table III's 'Total', which
        leaves out the signal cross section: sqrt(2²+4²+2²+7²+3²+2²) = 9%)."""
        return math.sqrt(sum(v * v for k, v in self.sources.items() if k != "signal_cross_section"))

    @property
    def total_with_cross_section(self) -> float:
        return math.sqrt(sum(v * v for v in self.sources.values()))

    def to_record(self) -> dict[str, float | str]:
        rec: dict[str, float | str] = {"run": self.run, "mass": self.mass}
        rec.update(self.sources)
        rec["total"] = self.total
        rec["total_with_cross_section"] = self.total_with_cross_section
        return rec
