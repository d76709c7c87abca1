"""File front ends of the analysis: ``darkmiss analyze`` (reconstruct, select blinded, write
``analysis.json``, the tables and the figures), ``darkmiss optimise`` (freeze the ECAL cut) and
``darkmiss unblind`` (spec Sec. IV–IX). The analysis itself is :func:`darkmiss.analysis.run.run_analysis`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from darkmiss.analysis.inputs import load_inputs
from darkmiss.analysis.result import AnalysisResult
from darkmiss.analysis.run import AnalysisOutput, run_analysis
from darkmiss.analysis.table_iv import SPEC_TABLE_IV
from darkmiss.cache import write_json_atomic, write_text_atomic
from darkmiss.config.load import Preset, load_preset
from darkmiss.config.schema import SetupGeometry
from darkmiss.errors import BlindingError, UserInputError
from darkmiss.reco.config import AnalysisConfig
from darkmiss.stats.optimise import OptimisationResult, optimise_cut
from darkmiss.util import to_json

#: Sub-folder of an analysis folder (the analysis stage of ``reproduce``) that keeps each event file's
#: reconstruction for the next analyses of the same files (:func:`darkmiss.analysis.inputs.load_inputs`).
RECO_CACHE = "reco"
#: Layout versions of ``tables.json`` and ``optimisation.json``.
TABLES_SCHEMA_VERSION = 1
OPTIMISATION_SCHEMA_VERSION = 1


def text_tables(out: AnalysisOutput) -> str:
    """Readable text version of the tables (cut-flows, regions, Tables I-IV)."""
    res = out.result
    lines = [f"darkmiss analysis — preset {res.preset}; blinded: {res.blinded}"]
    lines.append(
        f"signal box: E_ECAL < {res.ecal_cut:g} GeV, E_HCAL < {res.hcal_cut:g} GeV; cut frozen: {res.cut_frozen}"
    )
    lines.append(out.blinding.note)
    for r, rows in out.cutflows.cutflow_records().items():
        lines.append(f"\nCut-flow, run {r} (data, visible events)")
        lines.append(f"{'cut':16s} {'sequential':>12s} {'rel.eff':>8s} {'N-1':>12s}")
        for row in rows:
            re = row["relative_eff"]
            lines.append(
                f"{row['cut']:16s} {row['sequential']:12.0f} {re if re is not None else float('nan'):8.4f} "
                f"{row['n_minus_one']:12.0f}"
            )
    lines.append("\nRegions (all cuts)")
    for rc in out.cutflows.runs.values():
        for reg in rc.regions:
            ev = "blinded" if reg.events is None else reg.events
            lines.append(f"  run {reg.run:4s} {reg.region:12s} {ev}")
    lines.append("\nTable I — dimuons (E_ECAL < 60 GeV)")
    for dm in out.dimuons.runs.values():
        d = dm.ratio
        ftxt = "-" if d.f is None else f"{d.f:.3f} ± {d.f_err:.3f}"
        lines.append(
            f"  run {d.run:4s} intensity {d.intensity:.3g}  n_MC {d.n_mc:.1f}  n_data {d.n_data:.1f}  f {ftxt}"
        )
    lines.append("\nTable II — efficiencies")
    for e in out.efficiencies.rows():
        fa = e.factors
        lines.append(
            f"  run {e.run:4s} m={e.mass:.4g} GeV  eps_e {fa['e']:.3f}  eps_A' {fa['aprime']:.3f}"
            f"  eps_ECAL {fa['ecal']:.3f}  eps_V {fa['v2']:.3f}  eps_HCAL {fa['hcal']:.3f}"
            f"  total {e.total:.3f}"
        )
    lines.append("\nTable III — systematics (relative)")
    for st in out.systematics.tables():
        srcs = "  ".join(f"{k} {v:.3f}" for k, v in st.to_record().items() if k not in ("run", "mass"))
        lines.append(f"  run {st.run:4s} m={st.mass:.4g}  {srcs}")
    lines.append("\nTable IV — background in the signal box")
    for rb in out.background.runs.values():
        lines.append(f"  run {rb.run} (EOT {rb.eot:.3g}): total {rb.total.value:.4g} ± {rb.total.err:.2g}")
        for k, v in rb.components.items():
            est = rb.table_iv.get(k.replace(" [not summed]", ""))
            if est is not None and est.value == 0.0 and est.upper is not None:
                lines.append(f"      {k:45s} < {est.upper:.2g} (90% CL, no MC event passes)")
            else:
                lines.append(f"      {k:45s} {v.value:.4g} ± {v.err:.2g}")
    summ = out.background.summary
    lines.append(f"  Table IV from the MC, all runs ({summ.eot:.3g} EOT), beside the spec (4.3e10 EOT):")
    for k, est in summ.table_iv.items():
        val, err, up = SPEC_TABLE_IV.get(k, (None, None, None))
        spec_txt = (
            f"< {up:.3g}" if up is not None else f"{val:.3g} ± {err or 0:.2g}" if val is not None else "-"
        )
        ours = (
            f"< {est.upper:.2g}"
            if (est.value == 0 and est.upper is not None)
            else f"{est.value:.4g} ± {est.err:.2g}"
        )
        lines.append(f"      {k:45s} {ours:>20s}    spec: {spec_txt}")
    lines.append(f"  background of the limits (all runs): {summ.total.value:.4g} ± {summ.total.err:.2g}")
    return "\n".join(lines) + "\n"


def write_outputs(
    out: AnalysisOutput,
    out_dir: str | Path,
    *,
    figures: bool = True,
    workers: int = 1,
    scheduler: str | None = None,
) -> Path:
    """Write analysis.json, tables (JSON + text) and figures (drawn over ``workers`` processes or the dask
    cluster at ``scheduler``) into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out_dir / "analysis.json", to_json(out.result.to_dict()))
    write_text_atomic(
        out_dir / "tables.json", to_json({"schema_version": TABLES_SCHEMA_VERSION, **out.tables()})
    )
    write_text_atomic(out_dir / "tables.txt", text_tables(out))
    if figures:
        # matplotlib takes ~1 s to import and a cached rerun draws nothing: the drawing module is loaded here
        from darkmiss.plots.analysis_figures import make_figures

        make_figures(out, out_dir / "figures", workers=workers, scheduler=scheduler)
    return out_dir / "analysis.json"


def analyze(
    events_dir: str | Path,
    mc_dir: str | Path | None,
    out_dir: str | Path,
    preset: str | Preset = "na64-2016",
    *,
    workers: int = 1,
    seed: int = 0,
    figures: bool = True,
    blinded: bool = True,
    ecal_cut: float | None = None,
    cut_frozen: bool = False,
    extra: dict[str, Any] | None = None,
    reco_cache: Path | None = None,
    scheduler: str | None = None,
) -> AnalysisResult:
    """Run the analysis on event files and write ``out_dir`` (the reproduce command's API); ``reco_cache``:
    a folder keeping the files' reconstructions for the next analysis of the same files, ``scheduler``: a
    dask cluster for the reconstruction and the figures (:func:`darkmiss.analysis.inputs.load_inputs`)."""
    p = preset if isinstance(preset, Preset) else load_preset(preset)
    cfg = AnalysisConfig.from_preset(p).with_cuts(ecal_cut=ecal_cut)
    geometry = SetupGeometry.from_preset(p)  # a bad [setup] table stops the analysis with its error
    inputs = load_inputs(
        events_dir,
        mc_dir,
        cfg,
        geometry,
        workers=workers,
        blinded=blinded,
        reco_cache=reco_cache,
        scheduler=scheduler,
    )
    out = run_analysis(inputs, cfg, p, blinded=blinded, cut_frozen=cut_frozen, seed=seed)
    out.result.provenance.update(
        {
            "events": str(Path(events_dir).resolve()),
            "mc": str(Path(mc_dir).resolve()) if mc_dir else None,
            "workers": int(workers),
            "preset": p.origin or p.name,
        }
    )
    if extra:
        merged = dict(extra)
        merged.update(out.result.extra)
        out.result.extra = merged
    write_outputs(out, out_dir, figures=figures, workers=workers, scheduler=scheduler)
    return out.result


def unblind(
    analysis_dir: str | Path,
    *,
    workers: int = 1,
    figures: bool = True,
    preset: str | Preset | None = None,
    reco_cache: Path | None = None,
    scheduler: str | None = None,
) -> AnalysisResult:
    """Open the box (``darkmiss unblind``): refuses unless the ECAL cut was frozen by the
    optimisation; re-runs the analysis at the frozen cuts with the box open and fills ``observed``.
    ``preset`` defaults to the one the analysis was made with (by name); ``reco_cache``: the blinded
    analysis's reconstructions (:func:`analyze`), reused where the files and settings are the same;
    ``scheduler``: as in :func:`analyze`."""
    res = AnalysisResult.read(analysis_dir)
    if not res.cut_frozen:
        raise BlindingError(
            f"refusing to unblind {analysis_dir}: the ECAL cut is not frozen (run `darkmiss optimise --analysis "
            f"{analysis_dir}` first)"
        )
    if not res.blinded:
        return res
    prov = res.provenance
    events = prov.get("events")
    if not events or not Path(events).exists():
        raise UserInputError("analysis", str(analysis_dir), "an analysis whose event folder still exists")
    new = analyze(
        events,
        prov.get("mc"),
        analysis_dir,
        preset if preset is not None else prov.get("preset", res.preset),
        workers=workers,
        seed=int(prov.get("seed", 0)),
        figures=figures,
        blinded=False,
        ecal_cut=res.ecal_cut,
        cut_frozen=True,
        extra=res.extra,
        reco_cache=reco_cache,
        scheduler=scheduler,
    )
    return new


def read_tables(analysis_dir: str | Path) -> dict[str, Any]:
    """The tables written by :func:`analyze`."""
    return json.loads((Path(analysis_dir) / "tables.json").read_text(encoding="utf-8"))


def freeze_cut(folder: str | Path, result: OptimisationResult) -> AnalysisResult:
    """Write the chosen ECAL cut into ``folder/analysis.json`` (cut_frozen = True), atomically.

    Refused (:class:`BlindingError`) if the analysis in ``folder`` is already unblinded.
    """
    analysis = AnalysisResult.read(folder)
    if not analysis.blinded:
        raise BlindingError("the analysis is unblinded: its ECAL cut can no longer be changed")
    analysis.ecal_cut = float(result.chosen_cut)
    analysis.cut_frozen = True
    analysis.extra = dict(analysis.extra)
    analysis.extra["cut_optimisation"] = result.to_dict()
    write_json_atomic(Path(folder) / "analysis.json", analysis.to_dict())
    return analysis


def optimise(
    analysis_dir: str | Path,
    masses: list[float] | None = None,
    *,
    preset: str | Preset | None = None,
    freeze: bool = True,
    figure: str | Path | None = None,
) -> OptimisationResult:
    """``darkmiss optimise``: the ECAL cut from the average expected limit (Fig. 14), written to
    ``optimisation.json`` (and ``figure``), and frozen into ``analysis.json`` unless ``freeze`` is False.
    Masses in GeV."""
    folder = Path(analysis_dir)
    an = AnalysisResult.read(folder)
    res = optimise_cut(an, masses, preset=preset or an.provenance.get("preset") or an.preset or "na64-2016")
    write_json_atomic(
        folder / "optimisation.json", {"schema_version": OPTIMISATION_SCHEMA_VERSION, **res.to_dict()}
    )
    if figure is not None:
        # matplotlib takes ~1 s to import and a cached rerun draws nothing: the drawing module is loaded here
        from darkmiss.plots.limit_figures import plot_optimisation

        plot_optimisation(res, figure)
    if freeze:
        freeze_cut(folder, res)
    return res
