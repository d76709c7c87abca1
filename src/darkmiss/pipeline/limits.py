"""File outputs of the limits (spec Sec. IX–X): ``limits.json``, one pyhf workspace per mass with its
settings, the HEPData record and the figures."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from darkmiss.analysis.result import AnalysisResult
from darkmiss.cache import write_json_atomic
from darkmiss.interpret.limits import InterpretedLimits
from darkmiss.report.hepdata import write_hepdata
from darkmiss.stats.limits import build_model
from darkmiss.stats.model import StatsConfig
from darkmiss.stats.workspace import to_workspace_spec, workspace_settings

#: Layout version of the ``workspace_mA*.settings.json`` files (the workspaces are pyhf's format, with
#: pyhf's own ``version``).
SETTINGS_SCHEMA_VERSION = 1


def write_outputs(
    result: InterpretedLimits,
    analysis: AnalysisResult,
    out: Path,
    *,
    plots: bool = True,
    workers: int = 1,
    scheduler: str | None = None,
) -> dict[str, Any]:
    """limits.json, one pyhf workspace per mass (+ settings), HEPData folder and figures under ``out``
    (the figures one per task over ``workers`` or the dask cluster at ``scheduler``)."""
    config = StatsConfig.from_preset(result.preset)
    files: dict[str, Any] = {"limits": str(write_json_atomic(out / "limits.json", result.to_dict()))}
    ws_files = []
    for rec in result.records:
        per_run = [r.eot * e for r, e in zip(analysis.runs, rec.efficiency, strict=False)]
        yrel = rec.yield_etl_rel_err
        model = build_model(
            analysis,
            [p / sum(per_run) for p in per_run],
            config=config,
            yield_rel_err=yrel,
        )
        spec = to_workspace_spec(model, measurement=f"NA64_invisible_mA{rec.mass:.6g}GeV")
        name = f"workspace_mA{rec.mass:.6g}.json"
        ws_files.append(str(write_json_atomic(out / "workspaces" / name, spec)))
        settings = {
            "schema_version": SETTINGS_SCHEMA_VERSION,
            **workspace_settings(model, config.pyhf_interpcode),
        }
        settings["poi_meaning"] = (
            "mu = total expected signal events (signal samples are the runs' fractions n_EOT,i eps_tot,i / sum); "
            "epsilon^2 = mu / signal_per_eps2_etl (spec Eq. 26); kept O(1) so that the fits converge"
        )
        settings["signal_per_eps2_etl"] = rec.signal_per_eps2_etl
        settings["signal_per_eps2_ww"] = rec.signal_per_eps2_ww
        settings["signal_per_eps2_etl_direct"] = rec.signal_per_eps2_etl_direct
        settings["mass_GeV"] = rec.mass
        write_json_atomic(out / "workspaces" / name.replace(".json", ".settings.json"), settings)
    files["workspaces"] = ws_files
    files["hepdata"] = str(write_hepdata(result, out / "hepdata"))
    if plots:
        # matplotlib takes ~1 s to import and a cached rerun draws nothing: the drawing module is loaded here
        from darkmiss.plots.limit_figures import plot_all

        figures = plot_all(result, out / "figures", workers=workers, scheduler=scheduler)
        files["figures"] = [str(p) for p in figures]
    return files
