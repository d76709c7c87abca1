"""``results.json`` of ``darkmiss reproduce``: its typed content, its ``schema_version`` and its
serialisation. This module is the one owner of the file's layout; a change of layout bumps
:data:`SCHEMA_VERSION`. Masses and energies in GeV, counts in events, ε dimensionless.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from darkmiss.analysis.result import AnalysisResult
from darkmiss.cache import write_json_atomic
from darkmiss.constants import ALPHA
from darkmiss.errors import UserInputError
from darkmiss.stats.epsilon import interpolate_efficiency

#: The layout version of results.json (readers refuse others). 2: ``epsilon_etl_err`` per mass, and the
#: ``calibrated``, ``comparison`` and ``published_limits`` tables; 3: the stage records in ``provenance``,
#: and ``yield_annihilation``/``epsilon_total`` per mass; 4: ``model``, ``mediator``, ``coupling`` and
#: ``epsilon_equivalent`` per mass, the ``headline_model`` and the ``model_limits`` of other models.
SCHEMA_VERSION = 4
#: The electron charge e = √(4πα): the coupling g = ε e of a dark photon.
E_CHARGE = math.sqrt(4.0 * math.pi * ALPHA)


def finite_or_none(v: Any) -> float | None:
    """``v`` as a float, or None when missing or not finite (JSON has no NaN)."""
    if v is None:
        return None
    f = float(v)
    return f if math.isfinite(f) else None


@dataclass
class LimitRow:
    """The limits and yields at one A′ mass [GeV] (yields per EOT at ε = 1). ``epsilon_etl_err``: the
    error of the headline ``epsilon_etl`` from the Monte-Carlo statistics of the yield and the signal
    efficiency (``darkmiss.stats.limits.epsilon_mc_error``). ``yield_annihilation`` [per EOT per ε²]:
    resonant annihilation of shower positrons; ``epsilon_total``: the limit with bremsstrahlung and
    annihilation, each signal at its own efficiency (:func:`epsilon_with_annihilation`, :func:`total_limit`),
    an extra column beside the brems-only headline.
    ``model``/``mediator``: whose limits (``darkmiss.physics.models``); the ε columns are limits on the
    model's ε = g/e; ``coupling``: the limit on g = ε e; ``epsilon_equivalent``: the ε of a dark photon
    with invisible branching ratio 1 giving as many signal events (``darkmiss.pipeline.models``;
    = ``epsilon_etl`` for the dark photon)."""

    mass: float
    epsilon_ww: float | None
    epsilon_etl: float | None
    epsilon_etl_err: float | None
    epsilon_etl_direct: float | None
    epsilon_etl_expected: float | None
    epsilon_etl_expected_bands: list[float | None]
    epsilon_etl_asymptotic: float | None
    epsilon_etl_simplified: float | None
    n90: float | None
    n90_asymptotic: float | None
    yield_ww: float | None
    yield_etl: float | None
    yield_etl_direct: float | None
    kfactor_effective: float | None
    efficiency: list[float]
    y_alpha_d_0p5: float | None
    y_alpha_d_0p005: float | None
    alpha_d_pseudodirac: float | None
    alpha_d_majorana: float | None
    default_mass: bool
    yield_annihilation: float | None = None
    epsilon_total: float | None = None
    model: str = "dark-photon"
    mediator: str = "vector"
    coupling: float | None = None
    epsilon_equivalent: float | None = None

    #: JSON names of the fields whose Python names cannot hold a dot.
    JSON_NAMES: ClassVar[dict[str, str]] = {
        "y_alpha_d_0p5": "y_alpha_d_0.5",
        "y_alpha_d_0p005": "y_alpha_d_0.005",
    }

    def to_dict(self) -> dict[str, Any]:
        return {self.JSON_NAMES.get(k, k): v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> LimitRow:
        back = {v: k for k, v in cls.JSON_NAMES.items()}
        return cls(**{back.get(k, k): v for k, v in d.items()})


@dataclass
class Results:
    """The content of results.json (the keys a physicist reads first come first)."""

    limits: list[LimitRow]
    background: dict[str, Any]
    observed: list[int | None]
    eot: list[float]
    runs: list[str]
    efficiency: list[dict[str, Any]]
    dimuon_ratio: list[dict[str, Any]]
    systematics: list[dict[str, Any]]
    ecal_cut: float
    hcal_cut: float
    cut_optimisation: dict[str, Any]
    blinded: bool
    limits_method: str | None
    limits_notes: list[str]
    seed: int
    quick: bool
    #: Every number taken from the paper's measurements on data: name → {value, source (, err, unit)}.
    calibrated: dict[str, Any] = field(default_factory=dict)
    #: Reproduced quantities beside the spec (pipeline.comparison records).
    comparison: list[dict[str, Any]] = field(default_factory=list)
    #: The limits at the Table V masses beside the published ones (comparison only).
    published_limits: list[dict[str, Any]] = field(default_factory=list)
    #: The first (mediator, model) pair asked for: its limits are ``limits`` for the dark photon, else the
    #: first rows of ``model_limits``.
    headline_model: dict[str, str] = field(
        default_factory=lambda: {"model": "dark-photon", "mediator": "vector"}
    )
    #: The limit rows (the layout of ``limits``) of every other (mediator, model) pair asked for.
    model_limits: list[dict[str, Any]] = field(default_factory=list)
    #: How the numbers were made (versions, machine, workers, and per stage whether it was reused, its
    #: wall and CPU time and peak memory): the one part of results.json that may differ between two
    #: runs with the same seed.
    provenance: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"schema_version": SCHEMA_VERSION}
        for k, v in asdict(self).items():
            d[k] = [r.to_dict() for r in self.limits] if k == "limits" else v
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any], source: str = "results.json") -> Results:
        version = d.get("schema_version")
        if version != SCHEMA_VERSION:
            raise UserInputError(
                "results", source, f"a results.json with schema_version {SCHEMA_VERSION} (found {version!r})"
            )
        d = {k: v for k, v in d.items() if k != "schema_version"}
        try:
            d["limits"] = [LimitRow.from_dict(r) for r in d["limits"]]
            return cls(**d)
        except (TypeError, KeyError, AttributeError) as exc:
            raise UserInputError(
                "results", source, f"a results.json written by `darkmiss reproduce` ({exc})"
            ) from None

    def write(self, path: str | Path) -> Path:
        """Write results.json atomically."""
        return write_json_atomic(path, self.to_dict())

    @classmethod
    def read(cls, path: str | Path) -> Results:
        p = Path(path)
        try:
            data = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise UserInputError("results", str(p), f"a readable results.json ({exc})") from None
        if not isinstance(data, dict):
            raise UserInputError("results", str(p), "a results.json holding one JSON object")
        return cls.from_dict(data, str(p))


def epsilon_with_annihilation(
    epsilon: float | None,
    yield_brems: float | None,
    yield_annihilation: float | None,
    efficiency_ratio: float = 1.0,
) -> float | None:
    """The ε limit with annihilation added to the bremsstrahlung signal.

    The signal is ε² Σ_runs N_EOT (ε_b Y_brems + ε_a Y_ann) (spec Eq. 26 with both productions), so at the
    same N90 the limit scales as ε_total = ε_brems · (Y_brems/(Y_brems + ρ Y_ann))^½ with
    ρ = Σ N_EOT ε_a / Σ N_EOT ε_b (``efficiency_ratio``, :func:`annihilation_efficiency_ratio`; 1 puts
    the annihilation signal at the brems efficiency). The Monte-Carlo error of Y_ann and the change of
    the signal's split over the runs are left out of N90.
    """
    if epsilon is None or not yield_brems or yield_annihilation is None:
        return None
    s_ann = max(efficiency_ratio, 0.0) * max(yield_annihilation, 0.0)
    return float(epsilon * math.sqrt(yield_brems / (yield_brems + s_ann)))


def annihilation_efficiency_ratio(analysis: AnalysisResult | None, mass: float) -> float:
    """ρ(m) = Σ_runs N_EOT ε_a(m) / Σ_runs N_EOT ε_b(m): the annihilation signal's ε_tot (from its own
    simulated samples, ``annihilation_efficiency``) over the bremsstrahlung one, both interpolated
    linearly in log m between their simulated masses [GeV] and constant beyond them (as the limits
    interpolate ε_b). 1 (the brems efficiency assumed for annihilation too) when the analysis has no
    annihilation samples."""
    if analysis is None or not any(r.annihilation_masses for r in analysis.runs):
        return 1.0
    s_b = s_a = 0.0
    for r in analysis.runs:
        if r.efficiency_masses:
            s_b += r.eot * interpolate_efficiency(r.efficiency_masses, r.efficiency, mass)[0]
        if r.annihilation_masses:
            s_a += r.eot * interpolate_efficiency(r.annihilation_masses, r.annihilation_efficiency, mass)[0]
    return s_a / s_b if s_b > 0 else 1.0


def total_limit(
    epsilon: float | None,
    yields: dict[str, Any],
    production: tuple[str, ...] = ("brems",),
    efficiency_ratio: float = 1.0,
) -> float | None:
    """``epsilon_total``, the limit with bremsstrahlung and annihilation, from the headline limit
    ``epsilon`` whose signal counts ``production``: :func:`epsilon_with_annihilation` for brems only,
    the headline itself when it counts both, ε_ann · (ρY_ann/(Y_brems + ρY_ann))^½ for annihilation only
    (ρ = ``efficiency_ratio``, :func:`annihilation_efficiency_ratio`; spec Eq. 26 with the summed signal)."""
    yb, ya = yields.get("yield_etl"), yields.get("yield_annihilation")
    if production == ("brems",):
        return epsilon_with_annihilation(epsilon, yb, ya, efficiency_ratio)
    if "brems" in production:
        return epsilon
    if epsilon is None or not ya or yb is None:
        return None
    s_ann = max(efficiency_ratio, 0.0) * ya
    return float(epsilon * math.sqrt(s_ann / (yb + s_ann)))


def limit_rows(
    limits: list[dict[str, Any]],
    yields: list[dict[str, Any]],
    default_masses: tuple[float, ...],
    production: tuple[str, ...] = ("brems",),
    analysis: AnalysisResult | None = None,
) -> list[LimitRow]:
    """One :class:`LimitRow` per mass of ``limits.json``'s records, with the yields of that mass;
    ``production``: what the headline limits count; ``epsilon_total`` (:func:`total_limit`) with the
    annihilation efficiencies of ``analysis`` (:func:`annihilation_efficiency_ratio`)."""
    by_mass = {round(y["mass"], 9): y for y in yields}
    rows = []
    for r in limits:
        y = by_mass.get(round(r["mass"], 9), {})
        eps = finite_or_none(r["epsilon_etl"])
        rows.append(
            LimitRow(
                mass=r["mass"],
                epsilon_ww=finite_or_none(r["epsilon_ww"]),
                epsilon_etl=finite_or_none(r["epsilon_etl"]),
                epsilon_etl_err=finite_or_none(r["epsilon_etl_err"]),
                epsilon_etl_direct=finite_or_none(r["epsilon_etl_direct"]),
                epsilon_etl_expected=finite_or_none(r["epsilon_etl_expected"]),
                epsilon_etl_expected_bands=r["epsilon_etl_expected_bands"],
                epsilon_etl_asymptotic=finite_or_none(r["epsilon_etl_asymptotic"]),
                epsilon_etl_simplified=finite_or_none(r["epsilon_etl_simplified"]),
                n90=finite_or_none(r["n90"]),
                n90_asymptotic=finite_or_none(r["n90_asymptotic"]),
                yield_ww=y.get("yield_ww"),
                yield_etl=y.get("yield_etl"),
                yield_etl_direct=y.get("yield_etl_direct"),
                kfactor_effective=(y["yield_ww"] / y["yield_etl"]) if y.get("yield_etl") else None,
                efficiency=r["efficiency"],
                y_alpha_d_0p5=finite_or_none(r["y_alpha_d_0p5"]),
                y_alpha_d_0p005=finite_or_none(r["y_alpha_d_0p005"]),
                alpha_d_pseudodirac=finite_or_none(r["alpha_d_pseudodirac"]),
                alpha_d_majorana=finite_or_none(r["alpha_d_majorana"]),
                default_mass=any(abs(r["mass"] - m) < 1e-9 for m in default_masses),
                yield_annihilation=y.get("yield_annihilation"),
                epsilon_total=total_limit(
                    eps, y, production, annihilation_efficiency_ratio(analysis, float(r["mass"]))
                ),
                coupling=None if eps is None else eps * E_CHARGE,
                epsilon_equivalent=eps,
            )
        )
    return rows


def build_results(
    analysis: AnalysisResult,
    limits: dict[str, Any],
    yields: list[dict[str, Any]],
    optimisation: dict[str, Any],
    *,
    default_masses: tuple[float, ...],
    seed: int,
    quick: bool,
    production: tuple[str, ...] = ("brems",),
    notes: tuple[str, ...] = (),
) -> Results:
    """The results of a reproduction from its unblinded analysis, ``limits.json``, the yields and the
    cut optimisation; ``production``: what the headline limits count, ``notes``: added to the limits'."""
    bkg = [r.background for r in analysis.runs]
    bkg_err = [r.background_err for r in analysis.runs]
    return Results(
        limits=limit_rows(limits["records"], yields, default_masses, production, analysis),
        background={
            "total": float(sum(bkg)),
            "total_err": float(math.sqrt(sum(e * e for e in bkg_err))),
            "per_run": [
                {
                    "run": r.run,
                    "value": r.background,
                    "err": r.background_err,
                    "components": r.background_components,
                }
                for r in analysis.runs
            ],
        },
        observed=[r.observed for r in analysis.runs],
        eot=[r.eot for r in analysis.runs],
        runs=[r.run for r in analysis.runs],
        efficiency=[
            {
                "run": r.run,
                "masses": r.efficiency_masses,
                "efficiency": r.efficiency,
                "components": r.efficiency_components,
            }
            for r in analysis.runs
        ],
        dimuon_ratio=[{"run": r.run, "f": r.dimuon_ratio, "err": r.dimuon_ratio_err} for r in analysis.runs],
        systematics=[{"run": r.run, **r.systematics} for r in analysis.runs],
        ecal_cut=analysis.ecal_cut,
        hcal_cut=analysis.hcal_cut,
        cut_optimisation={"chosen_cut": optimisation.get("chosen_cut")},
        blinded=analysis.blinded,
        limits_method=limits.get("method"),
        limits_notes=[*limits.get("notes", []), *notes],
        seed=seed,
        quick=quick,
    )


__all__ = [
    "E_CHARGE",
    "SCHEMA_VERSION",
    "LimitRow",
    "Results",
    "annihilation_efficiency_ratio",
    "build_results",
    "epsilon_with_annihilation",
    "finite_or_none",
    "limit_rows",
    "total_limit",
]
