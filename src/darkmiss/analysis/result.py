"""The analysis output (``DIR/analysis.json``): what ``darkmiss analyze`` writes and
``darkmiss limits``/``optimise``/``reproduce`` read.

Owned by the analysis stage; fields may be added (with defaults), never renamed. The file carries
``schema_version`` (:data:`SCHEMA_VERSION`); a file of another version is refused. Energies in GeV.
While ``blinded`` is true, ``observed`` is None for every run: the signal-box count of data-mode
events is not stored anywhere.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from darkmiss.analysis.background import Estimate, FitVariation, SidebandEstimate
from darkmiss.errors import UserInputError
from darkmiss.util import jsonable

#: Layout version of ``analysis.json``; bumped when a field changes meaning or shape
#: (2: ``efficiency_mc_err`` per run, read by the limits' ``epsilon_etl_err``; 3: the annihilation
#: signal's ``annihilation_masses``, ``annihilation_efficiency``, ``annihilation_efficiency_err`` per run).
SCHEMA_VERSION = 3


def _num(x: Any) -> float:
    """A float read back from JSON, where NaN and ±inf were written as null."""
    return math.nan if x is None else float(x)


@dataclass
class SidebandFit:
    """The side-band C fit of a run (spec Sec. VIII, Fig. 13): dN/dE = exp(p1 + p2·E) [events/GeV] on
    ``range`` [GeV] with the covariance of (p1, p2), its ``extrapolation`` into the box over
    [0, E_cut] as (value, stat, variation) [events], and the alternative fit ranges.

    Read by the cut optimisation as a record: ``fit["p1"]`` and ``"p1" in fit`` work as on the
    ``analysis.json`` mapping (:meth:`to_dict`)."""

    p1: float
    p2: float
    cov: list[list[float]]
    range: tuple[float, float]
    n_events: int = 0
    valid: bool = True
    extrapolation: tuple[float, float, float] = (math.nan, math.nan, math.nan)
    variations: list[FitVariation] = field(default_factory=list)

    @classmethod
    def from_estimate(cls, est: SidebandEstimate) -> SidebandFit:
        """The record of a side-band C estimate."""
        f = est.fit
        return cls(
            p1=f.p1,
            p2=f.p2,
            cov=f.cov,
            range=f.range,
            n_events=f.n_events,
            valid=f.valid,
            extrapolation=(est.value, est.stat, est.variation),
            variations=list(est.variations),
        )

    def to_dict(self) -> dict[str, Any]:
        """The ``analysis.json`` layout: the ExpFit keys, then extrapolation and variations."""
        return {
            "p1": self.p1,
            "p2": self.p2,
            "cov": self.cov,
            "range": list(self.range),
            "n_events": self.n_events,
            "valid": self.valid,
            "extrapolation": list(self.extrapolation),
            "variations": [v.to_dict() for v in self.variations],
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> SidebandFit:
        """Read :meth:`to_dict`'s layout (``n_events``, ``valid``, ``extrapolation``, ``variations``
        optional)."""
        lo, hi = d["range"]
        ext = d.get("extrapolation")
        return cls(
            p1=_num(d["p1"]),
            p2=_num(d["p2"]),
            cov=[[_num(c) for c in row] for row in d["cov"]],
            range=(float(lo), float(hi)),
            n_events=int(d.get("n_events", 0)),
            valid=bool(d.get("valid", True)),
            extrapolation=(_num(ext[0]), _num(ext[1]), _num(ext[2])) if ext else (math.nan,) * 3,
            variations=[FitVariation.from_dict(v) for v in d.get("variations", [])],
        )

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __contains__(self, key: object) -> bool:
        return key in self.to_dict()


@dataclass
class EfficiencyComponents:
    """Per-run factors of Eq. 23 after the data-driven corrections, one entry per mass of
    ``RunAnalysis.efficiency_masses``, and the RR reweighting correction alone (``rr_factor``)."""

    e: list[float] = field(default_factory=list)
    aprime: list[float] = field(default_factory=list)
    ecal: list[float] = field(default_factory=list)
    v2: list[float] = field(default_factory=list)
    hcal: list[float] = field(default_factory=list)
    rr_factor: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, list[float]]:
        return {f.name: list(getattr(self, f.name)) for f in fields(self)}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> EfficiencyComponents:
        return cls(**{k: [_num(x) for x in v] for k, v in d.items()})


@dataclass
class RunAnalysis:
    """Per-run results of the analysis.

    efficiency: ε_tot (Eq. 23) at the frozen cuts for each mass in ``efficiency_masses``, with the
    denominator the A′ population the yield counts (E_A′ above the yield threshold); efficiency_err its
    uncertainty (signal MC and dimuon f), efficiency_mc_err the signal MC's binomial part alone (empty
    for efficiencies given by hand).
    annihilation_masses/annihilation_efficiency/annihilation_efficiency_err: ε_tot of the
    resonant-annihilation signal samples (their own E_ECAL spectrum, the same corrections) per
    simulated mediator mass [GeV] (empty without annihilation MC).
    signal_ecal_edges/signal_ecal_eff: per mass, the efficiency per E_ECAL bin with every cut
    applied except the E_ECAL cut (for the cut optimisation of Sec. IX, Fig. 14).
    background_components: Table IV rows, name → (value, err) [events]; rows whose name ends in
    " [not summed]" are listed beside the total, not in it.
    sideband_fit: the exponential fit of side band C (:class:`SidebandFit`, None if there is none);
    background(E_cut) is its integral over [0, E_cut] plus the other components.
    systematics: relative uncertainties per source (Table III), e.g. {"eot": 0.02, ...}.

    The record fields also accept their ``analysis.json`` form (a mapping for ``sideband_fit`` and
    ``efficiency_components``, [value, err] pairs for ``background_components``) and store it typed.
    """

    run: str
    eot: float
    intensity: float
    observed: int | None = None
    background: float = 0.0
    background_err: float = 0.0
    background_components: dict[str, Estimate] = field(default_factory=dict)
    sideband_fit: SidebandFit | None = None
    efficiency_masses: list[float] = field(default_factory=list)
    efficiency: list[float] = field(default_factory=list)
    efficiency_err: list[float] = field(default_factory=list)
    efficiency_mc_err: list[float] = field(default_factory=list)
    efficiency_components: EfficiencyComponents = field(default_factory=EfficiencyComponents)
    signal_ecal_edges: list[float] = field(default_factory=list)
    signal_ecal_eff: dict[str, list[float]] = field(default_factory=dict)  # str(mass) -> per bin
    systematics: dict[str, float] = field(default_factory=dict)
    dimuon_ratio: float | None = None
    dimuon_ratio_err: float | None = None
    systematics_total: float = (
        0.0  # quadrature sum of Table III without the cross section (largest over masses)
    )
    annihilation_masses: list[float] = field(default_factory=list)
    annihilation_efficiency: list[float] = field(default_factory=list)
    annihilation_efficiency_err: list[float] = field(default_factory=list)

    def __post_init__(self) -> None:
        fit: Any = self.sideband_fit
        if isinstance(fit, dict):
            self.sideband_fit = SidebandFit.from_dict(fit) if fit else None
        comps: Any = self.efficiency_components
        if isinstance(comps, dict):
            self.efficiency_components = EfficiencyComponents.from_dict(comps)
        self.background_components = {
            k: Estimate(_num(v[0]), _num(v[1])) for k, v in self.background_components.items()
        }

    def to_dict(self) -> dict[str, Any]:
        """The ``analysis.json`` record of the run (fields in declaration order)."""
        d: dict[str, Any] = {f.name: getattr(self, f.name) for f in fields(self)}
        d["background_components"] = {k: [v.value, v.err] for k, v in self.background_components.items()}
        d["sideband_fit"] = self.sideband_fit.to_dict() if self.sideband_fit is not None else {}
        d["efficiency_components"] = self.efficiency_components.to_dict()
        for k in (
            "efficiency_masses",
            "efficiency",
            "efficiency_err",
            "efficiency_mc_err",
            "signal_ecal_edges",
            "annihilation_masses",
            "annihilation_efficiency",
            "annihilation_efficiency_err",
        ):
            d[k] = list(d[k])
        d["signal_ecal_eff"] = {k: list(v) for k, v in self.signal_ecal_eff.items()}
        d["systematics"] = dict(self.systematics)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RunAnalysis:
        """Read :meth:`to_dict`'s layout."""
        return cls(**d)


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
        """The ``analysis.json`` content, JSON-ready (NaN and ±inf as None): ``schema_version``, then the
        fields in declaration order."""
        d: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        for f in fields(self):
            d[f.name] = getattr(self, f.name)
        d["runs"] = [r.to_dict() for r in self.runs]
        return jsonable(d)

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "analysis.json") -> AnalysisResult:
        """Read :meth:`to_dict`'s layout; refuses (:class:`UserInputError` naming ``source``) a
        ``schema_version`` other than :data:`SCHEMA_VERSION`."""
        version = d.get("schema_version")
        if version != SCHEMA_VERSION:
            raise UserInputError(
                "analysis",
                source,
                f"an analysis.json with schema_version {SCHEMA_VERSION} (found {version!r})",
            )
        d = {k: v for k, v in d.items() if k != "schema_version"}
        d["runs"] = [RunAnalysis.from_dict(r) for r in d.get("runs", [])]
        return cls(**d)

    @classmethod
    def read(cls, folder: str | Path) -> AnalysisResult:
        """Read ``folder/analysis.json``; a missing, unreadable or malformed file, or one of another
        ``schema_version``, is a :class:`UserInputError` naming it."""
        p = Path(folder) / "analysis.json"
        if not p.is_file():
            raise UserInputError(
                "analysis", str(folder), "a folder written by `darkmiss analyze` (with analysis.json)"
            )
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UserInputError("analysis", str(p), f"a readable analysis.json ({exc})") from None
        if not isinstance(data, dict):
            raise UserInputError("analysis", str(p), "an analysis.json holding one JSON object")
        try:
            return cls.from_dict(data, str(p))
        except (TypeError, KeyError, ValueError, AttributeError, IndexError) as exc:
            if isinstance(exc, UserInputError):
                raise
            raise UserInputError(
                "analysis", str(p), f"an analysis.json written by `darkmiss analyze` ({exc})"
            ) from None
