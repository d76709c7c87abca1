"""The ``calibrated`` and ``comparison`` tables of ``results.json``: every number the preset takes from
the paper's measurements on data, and every reproduced quantity beside the spec's value.

A comparison record is ``{quantity, run, darkmiss, darkmiss_err, darkmiss_upper, spec, spec_err,
spec_upper, kind}``: ``run`` is "I", "II", "III" or "all"; ``*_upper`` hold 90% CL upper limits (where no
simulated event survives, or where the spec gives only a bound); ``kind`` is "prediction", or "closure"
when the quantity follows from a calibrated input (``[from_spec]``), which never counts as a prediction
met. The spec values below are read from the spec's text (section beside each); they are never inputs.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss.analysis.efficiency import interpolate_log_mass
from darkmiss.analysis.result import AnalysisResult
from darkmiss.analysis.table_iv import SPEC_EOT, SPEC_TABLE_IV, TABLE_IV_ROWS, UPSTREAM_ROW
from darkmiss.cache import write_json_atomic
from darkmiss.config.calibrated import calibrated_inputs
from darkmiss.config.load import Preset
from darkmiss.detsim.spill import DeadTime
from darkmiss.interpret.published import published_at
from darkmiss.reco.fig7 import Fig7Panel

PREDICTION, CLOSURE = "prediction", "closure"
#: Table I (spec Sec. V.B): f, n_data and n_EOT [1e6] of the dimuon samples per run.
SPEC_F = {"I": 0.92, "II": 0.85, "III": 0.81}
SPEC_DIMUONS = {"I": (1124, 171e6), "II": (1268, 208.5e6), "III": (3417, 597e6)}
#: Side band C slopes [1/GeV] (spec Sec. VIII).
SPEC_SLOPE = {"I": (0.315, 0.0021), "II": (0.396, 0.0072), "III": (0.49, 0.0026)}
#: Table II (spec Sec. VI.B), run III, m_A' = 10 (100) MeV: row → (value at 10 MeV, value at 100 MeV).
SPEC_TABLE_II = {
    "primary e\u2212, \u03b5e": ("e", 0.58, None),
    "ECAL, \u03b5ECAL": ("ecal", 0.93, 0.90),
    "V2, \u03b5V": ("v2", 0.94, None),
    "HCAL, \u03b5HCAL": ("hcal", 0.98, None),
    "Total": ("total", 0.50, 0.48),
}
#: Sec. VI.B: trigger and SRD efficiencies from unbiased samples, "with a small uncertainty 2%".
SPEC_TRIGGER_EFF = (0.95, 0.02)
SPEC_SRD_EFF = (0.97, 0.02)
#: Sec. VI.B: DAQ dead time "7.4% averaged over the full data-taking period".
SPEC_DEAD_TIME = 0.074
#: Sec. IV: Fig. 7 region III "from about a few % up to ~20%".
SPEC_PILEUP_MAX = 0.20


def record(
    quantity: str,
    run: str,
    value: float | None,
    err: float | None = None,
    upper: float | None = None,
    spec: float | None = None,
    spec_err: float | None = None,
    spec_upper: float | None = None,
    kind: str = PREDICTION,
) -> dict[str, Any]:
    """One comparison record (module docstring); non-finite numbers become None."""

    def num(v: float | None) -> float | None:
        return None if v is None or not math.isfinite(float(v)) else float(v)

    return {
        "quantity": quantity,
        "run": run,
        "darkmiss": num(value),
        "darkmiss_err": num(err),
        "darkmiss_upper": num(upper),
        "spec": num(spec),
        "spec_err": num(spec_err),
        "spec_upper": num(spec_upper),
        "kind": kind,
    }


def calibrated_table(preset: Preset) -> dict[str, dict[str, Any]]:
    """``results.json`` ``calibrated``: name → {value, source (, err, unit)} of ``[from_spec]``."""
    return {k: v.to_record() for k, v in calibrated_inputs(preset).items()}


def _efficiency_records(analysis: AnalysisResult) -> list[dict[str, Any]]:
    """ε_tot at 10 and 100 MeV per run (interpolated in log m) and the Table II rows of run III."""
    out: list[dict[str, Any]] = []
    for r in analysis.runs:
        if not r.efficiency_masses:
            continue
        for mass, label, spec_tot in ((0.01, "10 MeV", 0.50), (0.1, "100 MeV", 0.48)):
            eps = float(interpolate_log_mass(r.efficiency_masses, r.efficiency, mass))
            e_err = float(interpolate_log_mass(r.efficiency_masses, r.efficiency_err, mass))
            out.append(
                record(f"epsilon_tot {label}", r.run, eps, e_err, spec=spec_tot if r.run == "III" else None)
            )
        if r.run != "III":
            continue
        comps = r.efficiency_components.to_dict()
        for row, (key, s10, s100) in SPEC_TABLE_II.items():
            for mass, spec_row, suffix in ((0.01, s10, ""), (0.1, s100, " (100 MeV)")):
                if spec_row is None:
                    continue
                vals = r.efficiency if key == "total" else comps[key]
                v = float(interpolate_log_mass(r.efficiency_masses, vals, mass))
                err = (
                    float(interpolate_log_mass(r.efficiency_masses, r.efficiency_err, mass))
                    if key == "total"
                    else None
                )
                out.append(record(f"Table II: {row}{suffix}", "III", v, err, spec=spec_row))
    return out


def _table_iv_records(analysis: AnalysisResult) -> list[dict[str, Any]]:
    """Table IV rows and total from the MC, all runs, scaled to the spec's 4.3e10 EOT."""
    t = analysis.extra.get("table_iv", {})
    rows = t.get("all", {})
    eot = float(t.get("eot") or 0.0)
    if not rows or eot <= 0:
        return []
    scale = SPEC_EOT / eot
    out = []
    for row in [*TABLE_IV_ROWS, "total"]:
        est = rows.get(row)
        if est is None:
            continue
        val, err, up = SPEC_TABLE_IV[row]
        upper = est["upper"] * scale if est.get("upper") is not None else None
        kind = CLOSURE if row in (UPSTREAM_ROW, "total") else PREDICTION
        name = "Table IV: total" if row == "total" else f"Table IV: {row}"
        out.append(record(name, "all", est["value"] * scale, est["err"] * scale, upper, val, err, up, kind))
    return out


def trigger_efficiency(data_dir: Path, process: str = "dimuon") -> dict[str, tuple[float, int]]:
    """Per run, the fraction of the pre-filtered beam e⁻ events of ``process`` (dimuons: a normal e⁻
    shower) read out in data mode that fire the physics trigger (pile-up, counters, V1, thresholds),
    with the number read out."""
    out: dict[str, tuple[float, int]] = {}
    for f in sorted(data_dir.glob("*/simulation.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        for run, procs in d.get("digitised_events", {}).items():
            n = int(procs.get(process, 0))
            if n:
                out[run] = (d["stored_events"][run][process] / n, n)
    return out


#: Layout of ``panels.json`` (:func:`data_panels`).
PANELS_LAYOUT = 1


def data_panels(
    data_dir: Path, folder: Path, *, workers: int = 1, scheduler: str | None = None
) -> dict[str, Any]:
    """Read the pseudo-data of ``data_dir`` once: draw the Fig. 7 (left) panels into ``folder`` and write
    their region counts and the physics-trigger efficiency (:func:`trigger_efficiency`) to
    ``folder/panels.json``, so that a rerun of the report need not read the events again. The files are
    read and the panels drawn over ``workers`` local processes or the dask cluster at ``scheduler``."""
    # matplotlib takes ~1 s to import; a cached rerun draws nothing, so the drawing module is loaded here
    from darkmiss.plots.detsim_figures import fig7_left

    panels = fig7_left(data_dir / "physics", folder, workers=workers, scheduler=scheduler)
    write_json_atomic(
        folder / "panels.json",
        {
            "schema_version": PANELS_LAYOUT,
            "panels": [p.to_record() for p in panels],
            "trigger": trigger_efficiency(data_dir / "physics"),
        },
    )
    return {"runs": [p.run for p in panels]}


def read_panels(folder: Path, figures_dir: Path) -> tuple[list[Fig7Panel], dict[str, tuple[float, int]]]:
    """The Fig. 7 panels and trigger efficiencies that :func:`data_panels` wrote into ``folder``; their
    figures are copied into ``figures_dir``."""
    d = json.loads((folder / "panels.json").read_text(encoding="utf-8"))
    figures_dir.mkdir(parents=True, exist_ok=True)
    panels = []
    for r in d["panels"]:
        src = folder / Path(r["figure"]).name
        dst = figures_dir / src.name
        shutil.copyfile(src, dst)
        panels.append(
            Fig7Panel(
                r["run"], int(r["events"]), float(r["weighted"]), float(r["region_I"]), float(r["region_II"]),
                float(r["region_III"]), float(r["pileup_fraction"]), dst,
            )
        )  # fmt: skip
    trig = {run: (float(e), int(n)) for run, (e, n) in d["trigger"].items()}
    return panels, trig


def build_comparison(
    analysis: AnalysisResult,
    panels: list[Fig7Panel],
    dead: DeadTime,
    trig: dict[str, tuple[float, int]],
) -> list[dict[str, Any]]:
    """Every comparison record (module docstring) from the unblinded analysis, the Fig. 7 panels of the
    pseudo-data, the dead time of the spill model and the trigger efficiency of the production."""
    out: list[dict[str, Any]] = []
    for r in analysis.runs:
        out.append(record("f", r.run, r.dimuon_ratio, r.dimuon_ratio_err, spec=SPEC_F.get(r.run)))
    for p in panels:
        err = math.sqrt(p.pileup_fraction * (1 - p.pileup_fraction) / p.n_events) if p.n_events else None
        out.append(record("pile-up fraction", p.run, p.pileup_fraction, err, spec_upper=SPEC_PILEUP_MAX))
    for run, d in dead.per_run.items():
        out.append(record("dead time", run, d, kind=CLOSURE))
    out.append(record("dead time", "all", dead.mean, spec=SPEC_DEAD_TIME, kind=CLOSURE))
    out += _efficiency_records(analysis)
    for run, (eff, n) in trig.items():
        err = math.sqrt(eff * (1 - eff) / n) if n else None
        out.append(
            record(
                "trigger efficiency", run, eff, err, spec=SPEC_TRIGGER_EFF[0], spec_err=SPEC_TRIGGER_EFF[1]
            )
        )
    bench = analysis.extra.get("benchmarks", {})
    for r in analysis.runs:
        b = bench.get(r.run, {})
        if b.get("srd_efficiency") is not None:
            out.append(
                record(
                    "SRD efficiency",
                    r.run,
                    b["srd_efficiency"],
                    b.get("srd_efficiency_err"),
                    spec=SPEC_SRD_EFF[0],
                    spec_err=SPEC_SRD_EFF[1],
                )
            )
        if r.run in SPEC_DIMUONS and r.eot > 0 and b.get("dimuons_data") is not None:
            n, n_eot = SPEC_DIMUONS[r.run]
            nd = float(b["dimuons_data"])
            out.append(
                record(
                    "dimuons per EOT",
                    r.run,
                    nd / r.eot,
                    math.sqrt(nd) / r.eot,
                    spec=n / n_eot,
                    spec_err=math.sqrt(n) / n_eot,
                )
            )
        if r.sideband_fit is not None and r.run in SPEC_SLOPE:
            cov = np.asarray(r.sideband_fit.cov, dtype=float)
            err = float(np.sqrt(cov[1, 1])) if cov.shape == (2, 2) else None
            s, se = SPEC_SLOPE[r.run]
            out.append(
                record("side-band C slope", r.run, r.sideband_fit.p2, err, spec=s, spec_err=se, kind=CLOSURE)
            )
    out += _table_iv_records(analysis)
    return out


def published_limits(limits: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The reproduced 90% CL limits on ε beside the spec's Table V (comparison only): per Table V mass,
    darkmiss and published ε (WW, ETL) and the ratios darkmiss/published."""
    out = []
    for r in limits:
        pub = published_at(float(r["mass"]))
        if pub is None:
            continue
        ww, etl = r.get("epsilon_ww"), r.get("epsilon_etl")
        out.append(
            {
                "mass": r["mass"],
                "epsilon_ww": ww,
                "epsilon_ww_published": pub[0],
                "ratio_ww": ww / pub[0] if ww else None,
                "epsilon_etl": etl,
                "epsilon_etl_published": pub[1],
                "ratio_etl": etl / pub[1] if etl else None,
            }
        )
    return out
