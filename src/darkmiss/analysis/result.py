"""The analysis output (``DIR/analysis.json``): what ``darkmiss analyze`` writes and
``darkmiss limits``/``optimise``/``reproduce`` read.

Owned by the analysis stage; fields may be added (with defaults), never renamed. Energies in GeV.
While ``blinded`` is true, ``observed`` is None for every run: the signal-box count of data-mode
events is not stored anywhere.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from darkmiss.errors import UserInputError


@dataclass
class RunAnalysis:
    """Per-run results of the analysis.

    efficiency: ε_tot (Eq. 23) at the frozen cuts for each mass in ``efficiency_masses``, with the
    denominator the A′ population the yield counts (E_A′ above the yield threshold).
    signal_ecal_edges/signal_ecal_eff: per mass, the efficiency per E_ECAL bin with every cut
    applied except the E_ECAL cut (for the cut optimisation of Sec. IX, Fig. 14).
    sideband_fit: the exponential fit of side band C, {"p1", "p2", "cov": [[..]], "range": [lo, hi],
    "n_events"}; background(E_cut) is its integral over [0, E_cut] plus the other components.
    systematics: relative uncertainties per source (Table III), e.g. {"eot": 0.02, ...}.
    """

    run: str
    eot: float
    intensity: float
    observed: int | None = None
    background: float = 0.0
    background_err: float = 0.0
    background_components: dict[str, list[float]] = field(default_factory=dict)  # name -> [value, err]
    sideband_fit: dict[str, Any] = field(default_factory=dict)
    efficiency_masses: list[float] = field(default_factory=list)
    efficiency: list[float] = field(default_factory=list)
    efficiency_err: list[float] = field(default_factory=list)
    efficiency_components: dict[str, list[float]] = field(default_factory=dict)  # name -> per mass
    signal_ecal_edges: list[float] = field(default_factory=list)
    signal_ecal_eff: dict[str, list[float]] = field(default_factory=dict)  # str(mass) -> per bin
    systematics: dict[str, float] = field(default_factory=dict)
    dimuon_ratio: float | None = None
    dimuon_ratio_err: float | None = None
    systematics_total: float = (
        0.0  # quadrature sum of Table III without the cross section (largest over masses)
    )


@dataclass
class AnalysisResult:
    """The whole analysis: cuts, blinding state and per-run results."""

    preset: str
    blinded: bool
    ecal_cut: float  # E_ECAL upper edge of the signal box [GeV]
    hcal_cut: float  # E_HCAL upper edge of the signal box [GeV]
    cut_frozen: bool  # true once `darkmiss optimise` froze the ECAL cut (must precede unblinding)
    yield_threshold: float  # E_A' threshold of the yield population [GeV]
    runs: list[RunAnalysis]
    provenance: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> AnalysisResult:
        d = dict(d)
        d["runs"] = [RunAnalysis(**r) for r in d.get("runs", [])]
        return cls(**d)

    @classmethod
    def read(cls, folder: str | Path) -> AnalysisResult:
        """Read ``folder/analysis.json``."""
        p = Path(folder) / "analysis.json"
        if not p.is_file():
            raise UserInputError(
                "analysis", str(folder), "a folder written by `darkmiss analyze` (with analysis.json)"
            )
        return cls.from_dict(json.loads(p.read_text(encoding="utf-8")))
