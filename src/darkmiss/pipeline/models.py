"""Limits per model in ``darkmiss reproduce --mediator ... --model ...``: the extra stages of each
(mediator, model) pair beside the vector dark photon of the spec.

The analysis (selection, ECAL cut chosen blind, unblinded observed counts and backgrounds) is the one
of the default chain; for a model only the signal changes:

- ``yields_<mediator>``: the A′-like yields per EOT of the mediator at g_e = εe on the plot masses
  (:func:`darkmiss.shower.yields.aprime_yields`, same showers and seed as the headline yields);
- ``mc_<mediator>``: signal MC of the mediator at the efficiency masses for every run (the seed offset
  of the headline signal MC), the mediator in the files' metadata;
- ``efficiency_<mediator>``: the unblinded analysis with the signal efficiencies (and their signal
  systematics) taken from that MC — the mediator's own E_ECAL spectrum — through the analysis code
  (dimuon f, RR reweighting and calibration corrections of the same pseudo-data and MC);
- ``limits_<mediator>``: the 90% CL N90 per mass of that analysis (:func:`compute_limits`);
- ``model_<mediator>_<model>``: the limit on the model's coupling g per mass.

The vector mediator reuses the headline stages (its yields, MC, analysis and limits). A vector model's
yield is its production factor |g_e/(εe)|² (:meth:`Model.production_factor`, for an electron beam) × the
vector's, which changes neither the efficiency nor N90.

Coupling limit: the signal is ε² PF f_inv(ε) S₁ with S₁ the mediator's signal at ε = 1 (spec Eq. 26),
PF the production factor and f_inv = B_inv + B_vis P(decay beyond the HCAL) the invisible fraction with
decays in flight over the mediator's energy spectrum (:mod:`darkmiss.physics.mediator_widths`;
decay volume = the ECAL+HCAL length of the setup); ε_90 solves ε² PF f_inv(ε) S₁ = N90
(:func:`darkmiss.interpret.projection.epsilon_with_decays`), and ``coupling`` = g_90 = ε_90 e. The dark
photon keeps the spec's invisible branching ratio 1. ``epsilon_equivalent`` = ε_90 √(PF f_inv(ε_90)):
the ε of a dark photon with invisible branching ratio 1 and this mediator's production and efficiency
that gives the same number of signal events. It is the limit on ε_eff = (g/e) |g_e/g| √f_inv, i.e.
√(N90/S₁), and is given at every mass, also where no g is excluded (a mediator that decays visibly inside
the HCAL at every coupling the signal could exclude); equal to ε_90 for the dark photon.
B−L is limited to masses below m_π⁰ (hadronic widths are not modelled). Masses in GeV.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import shutil
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss.analysis.context import build_context
from darkmiss.analysis.dimuon import dimuon_benchmark
from darkmiss.analysis.efficiency import calibration_efficiencies
from darkmiss.analysis.inputs import load_inputs
from darkmiss.analysis.result import AnalysisResult
from darkmiss.analysis.signal import run_efficiencies, signal_mc_efficiencies
from darkmiss.analysis.systematics import systematic_uncertainties
from darkmiss.cache import write_json_atomic
from darkmiss.config.load import Preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.errors import UserInputError
from darkmiss.events.io import event_files
from darkmiss.interpret.projection import epsilon_with_decays
from darkmiss.physics.mediator_widths import model_widths
from darkmiss.physics.models import MODELS, Model, get_mediator, get_model
from darkmiss.pipeline.analysis import RECO_CACHE
from darkmiss.pipeline.mc import SampleCall, simulate_samples
from darkmiss.pipeline.mc import StageContext as Context
from darkmiss.pipeline.results import E_CHARGE, LimitRow, finite_or_none
from darkmiss.pipeline.stages import StageRunner
from darkmiss.pipeline.yield_files import YIELDS_SCHEMA_VERSION, read_yields, yield_records
from darkmiss.reco.config import AnalysisConfig
from darkmiss.shower.yields import aprime_yields, setup_geometry
from darkmiss.stats.limits import SimpleYield, compute_limits

#: Layout version of the stage file ``model_limits.json``.
MODEL_LIMITS_SCHEMA_VERSION = 2
#: The MC sub-folders of the headline MC that the efficiency of another mediator re-uses.
_SHARED_MC = ("calibration", "dimuon")


def model_pairs(mediators: Sequence[str] | None = None, models: Sequence[str] | None = None) -> list[Model]:
    """The (mediator, model) pairs of ``--mediator a,b --model x,y``, the first one the headline.

    Each vector mediator gets every model (default the dark photon), every other mediator its universal
    lepton coupling. A model other than the dark photon without the vector mediator is a user error."""
    meds = [get_mediator(m).name for m in (mediators or ["vector"])]
    names = list(models or [])
    for name in names:
        if name not in MODELS:
            raise UserInputError("model", name, f"one of {', '.join(MODELS)}")
    if names and "vector" not in meds:
        raise UserInputError(
            "model",
            ",".join(names),
            f"--mediator vector with --model (the models set the couplings of a vector; {', '.join(meds)} "
            "couple universally to charged leptons)",
        )
    pairs: list[Model] = []
    for med in meds:
        choices: list[str | None] = list(names or ["dark-photon"]) if med == "vector" else [None]
        for choice in choices:
            mod = get_model(choice, med)
            if all(p.record() != mod.record() for p in pairs):
                pairs.append(mod)
    return pairs


def is_dark_photon(model: Model) -> bool:
    """Whether ``model`` is the spec's vector dark photon (the default chain's headline)."""
    return model.name == "dark-photon"


def stage_suffix(model: Model) -> str:
    """The stage-name suffix of a pair: ``<mediator>_<model>``."""
    return f"{model.mediator.name}_{model.name}"


def stage_mediator_yields(ctx: Context, folder: Path, *, mediator: str) -> dict[str, Any]:
    """Yields per EOT at ε = 1 of ``mediator`` (universal coupling g_e = εe) on the plot masses."""
    ys = aprime_yields(
        ctx.preset, list(ctx.cfg.plot_masses), showers=ctx.cfg.yield_showers, seed=ctx.seed,
        workers=ctx.workers, scheduler=ctx.scheduler, mediator=mediator,
    )  # fmt: skip
    records = yield_records(list(ys))
    write_json_atomic(folder / "yields.json", {"schema_version": YIELDS_SCHEMA_VERSION, "records": records})
    return {"n_masses": len(ys), "mediator": mediator}


def stage_mediator_mc(ctx: Context, folder: Path, *, mediator: str) -> dict[str, Any]:
    """Signal MC of ``mediator`` at the efficiency masses for every run (the headline's seed offset 2; the
    samples side by side, :func:`darkmiss.pipeline.mc.simulate_samples`)."""
    options = {"processes": ["signal"], "epsilon": ctx.cfg.signal_epsilon, "mediator": mediator}
    simulate_samples(
        ctx,
        [
            SampleCall(
                name,
                folder / f"signal_m{m:.6g}",
                2,
                options | {"mass": m, "eot": run.eot * ctx.cfg.mc_eot_scale},
            )
            for name, run in ctx.runs.items()
            for m in ctx.cfg.efficiency_masses
        ],
    )
    return {"masses": list(ctx.cfg.efficiency_masses), "mediator": mediator}


@contextlib.contextmanager
def mc_view(folder: Path, shared_mc: Path, signal_mc: Path) -> Iterator[Path]:
    """A temporary folder of links to the event files of the shared MC samples (calibration, dimuons)
    and of ``signal_mc``: the MC of an analysis whose signal is another mediator's."""
    view = folder / "mc_view"
    view.mkdir(parents=True)
    try:
        sources = [shared_mc / s for s in _SHARED_MC if (shared_mc / s).is_dir()] + [signal_mc]
        for i, src in enumerate(sources):
            for f in event_files(src, "mc"):
                link = view / f"{i:02d}" / f.relative_to(src)
                link.parent.mkdir(parents=True, exist_ok=True)
                link.symlink_to(f.resolve())
        yield view
    finally:
        shutil.rmtree(view, ignore_errors=True)


def model_efficiency_analysis(
    unblinded: AnalysisResult,
    data_dir: Path,
    mc_dir: Path,
    preset: Preset,
    workers: int,
    reco_cache: Path | None = None,
) -> AnalysisResult:
    """The unblinded analysis with its signal efficiencies, their MC errors, components and signal
    systematics from the signal MC in ``mc_dir`` (with the calibration and dimuon MC), at the frozen
    cuts; observed counts, backgrounds and cuts are those of ``unblinded`` (spec Sec. VI–VII, Eq. 23)."""
    cfg = AnalysisConfig.from_preset(preset).with_cuts(ecal_cut=unblinded.ecal_cut)
    inputs = load_inputs(
        data_dir, mc_dir, cfg, SetupGeometry.from_preset(preset), workers=workers, blinded=False,
        reco_cache=reco_cache, reco_cache_store=False,
    )  # fmt: skip
    ctx = build_context(inputs, cfg, preset, blinded=False)
    dimuons = dimuon_benchmark(ctx)
    calibration = calibration_efficiencies(ctx)
    signal = signal_mc_efficiencies(ctx)
    effs = run_efficiencies(ctx, signal, dimuons, calibration)
    syst = systematic_uncertainties(ctx, signal, effs, dimuons, calibration)
    runs = []
    for r in unblinded.runs:
        e, sy = effs.runs[r.run], syst.runs[r.run]
        runs.append(
            replace(
                r,
                efficiency_masses=e.masses,
                efficiency=e.efficiency,
                efficiency_err=e.efficiency_err,
                efficiency_mc_err=e.efficiency_mc_err,
                efficiency_components=e.components,
                signal_ecal_edges=e.signal_ecal_edges,
                signal_ecal_eff=e.signal_ecal_eff,
                systematics=sy.sources,
                systematics_total=sy.total,
            )
        )
    extra = dict(unblinded.extra) | {"signal_models": [list(p) for p in inputs.signal_models]}
    return replace(unblinded, runs=runs, extra=extra)


def stage_mediator_efficiency(
    ctx: Context,
    data_dir: Path,
    mc_dir: Path,
    signal_dir: Path,
    unblind_dir: Path,
    analysis_dir: Path,
    folder: Path,
) -> dict[str, Any]:
    """``analysis.json``: the unblinded analysis with the efficiencies of the signal MC in ``signal_dir``;
    the pseudo-data and the shared MC are read from the analysis stage's reconstructions (only the signal
    MC is reconstructed, and not kept)."""
    with mc_view(folder, mc_dir, signal_dir) as view:
        an = model_efficiency_analysis(
            AnalysisResult.read(unblind_dir), data_dir, view, ctx.preset, ctx.workers,
            reco_cache=analysis_dir / RECO_CACHE,
        )  # fmt: skip
    an.provenance = dict(an.provenance) | {"signal_mc": str(signal_dir)}
    write_json_atomic(folder / "analysis.json", an.to_dict())
    return {"signal_models": an.extra["signal_models"]}


def stage_mediator_limits(ctx: Context, yields_dir: Path, analysis_dir: Path, folder: Path) -> dict[str, Any]:
    """``limits.json``: N90 and the ε limits of the mediator's analysis and yields (spec Sec. IX)."""
    ys = [
        SimpleYield(
            r["mass"], r["yield_ww"], r["yield_etl"], r["yield_etl_direct"], r.get("yield_etl_err", 0.0)
        )
        for r in read_yields(yields_dir)
    ]
    lim = compute_limits(
        AnalysisResult.read(analysis_dir),
        ys,
        preset=ctx.preset,
        workers=ctx.workers,
        scheduler=ctx.scheduler,
        clean_workers=True,
    )
    write_json_atomic(folder / "limits.json", lim.to_dict())
    return {"n_masses": len(lim.records)}


def invisible_fraction_of(
    model: Model, mass: float, yield_record: dict[str, Any], length_cm: float
) -> Callable[[float], float]:
    """f_inv(ε) of ``model`` at ``mass`` [GeV]: B_inv + B_vis P(decay beyond ``length_cm``) over the V energy
    spectrum of ``yield_record`` (``spectrum_edges``, ``spectrum_etl``); 1 for the dark photon (the spec's
    invisible branching ratio)."""
    if is_dark_photon(model):
        return lambda _eps: 1.0
    edges = np.asarray(yield_record.get("spectrum_edges", []), dtype=float)
    weights = np.asarray(yield_record.get("spectrum_etl", []), dtype=float) * np.diff(edges)
    centers = 0.5 * (edges[1:] + edges[:-1])
    if not np.any(weights > 0):
        weights = np.ones_like(centers)

    @functools.cache
    def f_inv(eps: float) -> float:
        return model_widths(model, mass, eps).invisible_fraction(centers, length_cm, weights)

    return f_inv


def _epsilon_equivalent(n90: float | None, signal_per_eps2: float | None) -> float | None:
    """√(N90/S₁): the limit on ε_eff = (g/e) |g_e/g| √f_inv with S₁ the mediator's signal at ε = 1 (module
    docstring); defined also where no g is excluded (then ε_eff(g) stays below it for every g)."""
    if n90 is None or not signal_per_eps2:
        return None
    return finite_or_none(math.sqrt(float(n90) / float(signal_per_eps2)))


def model_rows(
    model: Model,
    limits: dict[str, Any],
    yields: list[dict[str, Any]],
    length_cm: float,
    default_masses: Sequence[float],
) -> list[LimitRow]:
    """The results.json rows of ``model`` from the limits (N90 and S₁ per mass, ``limits.json``) and the
    yields of its mediator (module docstring: ε_90 with the production factor and decays in flight,
    ``coupling``, ``epsilon_equivalent``). ``epsilon_etl_err`` keeps the relative Monte-Carlo error of the
    mediator's invisible limit. Masses at or above the model's ``max_mass`` are left out."""
    by_mass = {round(float(y["mass"]), 9): y for y in yields}
    rows = []
    for r in limits["records"]:
        m = float(r["mass"])
        if not m < model.max_mass:
            continue
        y = by_mass.get(round(m, 9), {})
        pf = model.production_factor("e-", m)
        f_inv = invisible_fraction_of(model, m, y, length_cm)

        def eps(n: Any, s: Any, f_inv: Callable[[float], float] = f_inv, pf: float = pf) -> float | None:
            if n is None or s is None:
                return None
            return finite_or_none(epsilon_with_decays(float(n), pf * float(s), f_inv))

        e_etl = eps(r["n90"], r["signal_per_eps2_etl"])
        rel = (
            (r["epsilon_etl_err"] / r["epsilon_etl"])
            if r.get("epsilon_etl_err") and r.get("epsilon_etl")
            else None
        )
        bands = [eps(b, r["signal_per_eps2_etl"]) for b in r["n90_expected"]]

        def scaled(key: str, pf: float = pf, y: dict[str, Any] = y) -> float | None:
            return None if y.get(key) is None else pf * float(y[key])

        rows.append(
            LimitRow(
                mass=m,
                epsilon_ww=eps(r["n90"], r["signal_per_eps2_ww"]),
                epsilon_etl=e_etl,
                epsilon_etl_err=None if (e_etl is None or rel is None) else e_etl * rel,
                epsilon_etl_direct=eps(r["n90"], r["signal_per_eps2_etl_direct"]),
                epsilon_etl_expected=bands[len(bands) // 2] if bands else None,
                epsilon_etl_expected_bands=bands,
                epsilon_etl_asymptotic=eps(r.get("n90_asymptotic"), r["signal_per_eps2_etl"]),
                epsilon_etl_simplified=eps(r.get("n90_simplified"), r["signal_per_eps2_etl"]),
                n90=finite_or_none(r["n90"]),
                n90_asymptotic=finite_or_none(r.get("n90_asymptotic")),
                yield_ww=scaled("yield_ww"),
                yield_etl=scaled("yield_etl"),
                yield_etl_direct=scaled("yield_etl_direct"),
                kfactor_effective=(y["yield_ww"] / y["yield_etl"]) if y.get("yield_etl") else None,
                efficiency=r["efficiency"],
                y_alpha_d_0p5=None,
                y_alpha_d_0p005=None,
                alpha_d_pseudodirac=None,
                alpha_d_majorana=None,
                default_mass=any(abs(m - d) < 1e-9 for d in default_masses),
                model=model.name,
                mediator=model.mediator.name,
                coupling=None if e_etl is None else e_etl * E_CHARGE,
                epsilon_equivalent=_epsilon_equivalent(r["n90"], r["signal_per_eps2_etl"]),
            )
        )
    return rows


def stage_model_limits(
    ctx: Context, yields_dir: Path, limits_dir: Path, folder: Path, *, model: Model
) -> dict[str, Any]:
    """``model_limits.json``: the rows of ``model`` (:func:`model_rows`) from its mediator's stages."""
    limits = json.loads((limits_dir / "limits.json").read_text(encoding="utf-8"))
    length = setup_geometry(ctx.preset).length_cm
    rows = model_rows(model, limits, read_yields(yields_dir), length, ctx.cfg.masses)
    write_json_atomic(
        folder / "model_limits.json",
        {
            "schema_version": MODEL_LIMITS_SCHEMA_VERSION,
            **model.record(),
            "records": [r.to_dict() for r in rows],
        },
    )
    return {"n_masses": len(rows), **model.record()}


def read_model_limits(folder: Path) -> list[dict[str, Any]]:
    """The rows of the stage file ``folder/model_limits.json``."""
    d = json.loads((folder / "model_limits.json").read_text(encoding="utf-8"))
    if not (isinstance(d, dict) and d.get("schema_version") == MODEL_LIMITS_SCHEMA_VERSION):
        raise UserInputError(
            "model limits", str(folder), f"a model_limits.json of layout {MODEL_LIMITS_SCHEMA_VERSION}"
        )
    return list(d["records"])


def run_model_stages(
    ctx: Context,
    runner: StageRunner,
    pairs: Sequence[Model],
    common: dict[str, Any],
    log: Callable[[str], None],
) -> list[dict[str, Any]]:
    """The extra stages of every pair but the dark photon (module docstring), after the headline stages
    ran in ``runner``; returns their results.json rows, pair by pair in the order of ``pairs``. Each extra
    stage depends on the headline stage it parallels (its key carries the preset tables and statistics)."""

    def stage(
        name: str, params: dict[str, Any], fn: Callable[..., dict[str, Any]], *deps: str, after: str = ""
    ) -> Path:
        """Stage ``name`` reading the folders of ``deps``; its key also carries the key of ``after``."""
        log(f"stage {name}")
        inputs = [runner.folder(d) for d in deps]
        keys = (*deps, after) if after else deps
        return runner.run(name, common | params, functools.partial(fn, ctx, *inputs), depends=keys)

    folders: dict[str, tuple[str, str]] = {"vector": ("yields", "limits")}
    rows: list[dict[str, Any]] = []
    for model in pairs:
        if is_dark_photon(model):
            continue
        med = model.mediator.name
        if med not in folders:
            p = {"mediator": med}
            y = f"yields_{med}"
            stage(y, p, functools.partial(stage_mediator_yields, mediator=med), after="yields")
            stage(f"mc_{med}", p, functools.partial(stage_mediator_mc, mediator=med), after="mc")
            stage(
                f"efficiency_{med}",
                p,
                stage_mediator_efficiency,
                "data",
                "mc",
                f"mc_{med}",
                "unblind",
                "analysis",
            )
            stage(f"limits_{med}", p, stage_mediator_limits, y, f"efficiency_{med}", after="limits")
            folders[med] = (y, f"limits_{med}")
        y, lim = folders[med]
        out = stage(
            f"model_{stage_suffix(model)}",
            model.record() | {"masses": ctx.cfg.masses, "layout": MODEL_LIMITS_SCHEMA_VERSION},
            functools.partial(stage_model_limits, model=model),
            y,
            lim,
        )
        rows += read_model_limits(out)
    return rows


__all__ = [
    "E_CHARGE",
    "MODEL_LIMITS_SCHEMA_VERSION",
    "invisible_fraction_of",
    "is_dark_photon",
    "model_efficiency_analysis",
    "model_pairs",
    "model_rows",
    "read_model_limits",
    "run_model_stages",
    "stage_suffix",
]
