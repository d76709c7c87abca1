"""The content of the `darkmiss reproduce` report: every table and figure of the chain, with provenance.

Pure apart from reading the stage folders' JSON and PNG files; returns the HTML string.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from darkmiss.plots.yield_figures import spectra_figure
from darkmiss.report.html import Report, Section

_DEFAULT_COLS = (
    "mass",
    "epsilon_etl",
    "epsilon_etl_expected",
    "epsilon_etl_asymptotic",
    "epsilon_etl_direct",
    "epsilon_ww",
    "yield_etl",
    "kfactor_effective",
)


def _records(obj: Any) -> list[dict[str, Any]] | None:
    """Turn a table-like JSON object into records, or None."""
    if isinstance(obj, list) and obj and all(isinstance(r, dict) for r in obj):
        return [{k: v for k, v in r.items() if not isinstance(v, (dict,))} for r in obj]
    if isinstance(obj, dict) and obj and all(isinstance(v, dict) for v in obj.values()):
        rows = []
        for k, v in obj.items():
            if all(not isinstance(x, (dict, list)) for x in v.values()):
                rows.append({"": k, **v})
        return rows or None
    return None


def _add_tables(rep: Report, sec: Section, tables: dict[str, Any], prefix: str = "") -> None:
    """Every table of a nested ``tables.json`` object, titled by its path of keys."""
    for name, obj in tables.items():
        recs = _records(obj)
        title = f"{prefix}{name}".replace("_", " ")
        if recs is not None:
            rep.table(sec, recs, title=title)
        elif isinstance(obj, dict):
            _add_tables(rep, sec, obj, prefix=f"{title} · ")


def _figures(rep: Report, sec: Section, folder: Path) -> None:
    """Every PNG of ``folder`` (sorted by name), titled by its file name."""
    if not folder.is_dir():
        return
    for png in sorted(folder.glob("*.png")):
        rep.figure(sec, png, title=png.stem.replace("_", " "), caption=png.stem.replace("_", " "))


def build_report(
    results: dict[str, Any],
    provenance: dict[str, Any],
    stages: list[dict[str, Any]],
    yields_dir: Path,
    data_dir: Path,
    opt_dir: Path,
    unblind_dir: Path,
    limits_dir: Path,
) -> str:
    """The HTML report of a reproduction (see module docstring): one section per stage of the chain."""
    quick = " (quick mode: reduced statistics)" if results.get("quick") else ""
    rep = Report(
        title="darkmiss · NA64 2016 invisible dark-photon search, reproduced",
        subtitle=(
            f"preset {provenance.get('preset')} · darkmiss {provenance.get('darkmiss_version')} · seed "
            f"{provenance.get('seed')}{quick}"
        ),
    )
    _summary_section(rep, results, limits_dir)
    _production_section(rep, yields_dir)
    _simulation_section(rep, data_dir)
    _analysis_section(rep, results, unblind_dir)
    _optimisation_section(rep, results, opt_dir)
    _limits_section(rep, results, limits_dir)
    _provenance_section(rep, provenance, stages)
    return rep.to_html()


def _summary_section(rep: Report, results: dict[str, Any], limits_dir: Path) -> None:
    """Exposure [EOT], observed events, background and the 90% C.L. limits on ε at the default masses."""
    s = rep.section("Summary")
    eot = results.get("eot", [])
    bkg = results.get("background", {})
    rep.text(
        s,
        f"Runs {', '.join(results.get('runs', []))}: {sum(eot):.3g} EOT in total. Observed events in the signal box "
        f"(E_ECAL < {results.get('ecal_cut')} GeV, E_HCAL < {results.get('hcal_cut')} GeV): {results.get('observed')}. "
        f"Expected background: {bkg.get('total', float('nan')):.3g} ± {bkg.get('total_err', float('nan')):.2g}. "
        f"Headline limits: {results.get('limits_method')} CLs at 90% C.L. with ETL cross-sections (k-factor method, "
        "Eq. 13); the exact-folding, WW, expected (median) and asymptotic limits are given beside them.",
    )
    rows = [r for r in results.get("limits", []) if r.get("default_mass")] or results.get("limits", [])
    rep.table(s, [{k: r.get(k) for k in _DEFAULT_COLS} for r in rows], title="90% C.L. upper limits on ε")
    for note in results.get("limits_notes", []):
        rep.text(s, note)
    lim_figs = limits_dir / "figures"
    if lim_figs.is_dir():
        for png in sorted(lim_figs.glob("*eps*.png"))[:1]:
            rep.figure(s, png, title="Exclusion in (m_A', ε)", caption="90% C.L. exclusion (Fig. 15)")


def _production_section(rep: Report, yields_dir: Path) -> None:
    """A′ per EOT at ε = 1 (WW, ETL, direct ETL; spec Eqs. 8, 13) per mass [GeV], and their spectra (Fig. 4)."""
    s = rep.section("A' production and yields")
    yields = json.loads((yields_dir / "yields.json").read_text(encoding="utf-8"))["records"]
    rep.table(
        s,
        [
            {
                "mass": y["mass"],
                "yield_ww": y.get("yield_ww"),
                "yield_etl": y.get("yield_etl"),
                "yield_etl_direct": y.get("yield_etl_direct"),
                "yield_etl_err": y.get("yield_etl_err"),
                "k_eff = yield_ww/yield_etl": (y["yield_ww"] / y["yield_etl"])
                if y.get("yield_etl")
                else None,
            }
            for y in yields
        ],
        title="A' per EOT at ε = 1 above the energy threshold (Eq. 8, Eq. 13)",
    )
    spec = spectra_figure(yields)
    if spec:
        rep.figure(
            s, spec, title="A' spectra", caption="Thick-target A' spectra, WW (dashed) vs ETL (solid), Fig. 4"
        )


def _simulation_section(rep: Report, data_dir: Path) -> None:
    """Stored events and production plan per run and process (physics and calibration triggers), pile-up."""
    s = rep.section("Simulation of the 2016 runs")
    for sub in ("physics", "calibration"):
        summaries = [
            json.loads(f.read_text(encoding="utf-8"))
            for f in sorted((data_dir / sub).glob("*/simulation.json"))
        ]
        if not summaries:
            continue
        stored = [
            {"run": run, **procs} for d in summaries for run, procs in d.get("stored_events", {}).items()
        ]
        rep.table(s, stored, title=f"Stored events per process ({sub} trigger, pseudo-data)")
        plans = [p for d in summaries for p in d.get("plans", [])]
        if plans:
            keys = (
                "run",
                "process",
                "rate_per_eot",
                "rate_source",
                "expected_events",
                "prescale",
                "n_events",
            )
            rep.table(s, [{k: p.get(k) for k in keys} for p in plans], title=f"Production plan ({sub})")
        pile = {run: v for d in summaries for run, v in d.get("mean_pileup", {}).items()}
        dead = {run: v for d in summaries for run, v in d.get("dead_time", {}).items()}
        if pile and sub == "physics":
            rep.table(
                s,
                [{"run": k, "mean pile-up particles": v, "dead time": dead.get(k)} for k, v in pile.items()],
                title="Pile-up and dead time",
            )


def _analysis_section(rep: Report, results: dict[str, Any], unblind_dir: Path) -> None:
    """The unblinded analysis: its tables, the dimuon ratio (Table I), systematics (Table III), figures."""
    s = rep.section("Analysis (after unblinding)")
    tables_path = unblind_dir / "tables.json"
    if tables_path.is_file():
        _add_tables(rep, s, json.loads(tables_path.read_text(encoding="utf-8")))
    rep.table(s, results.get("dimuon_ratio", []), title="Dimuon benchmark: data/MC ratio f per run (Table I)")
    rep.table(
        s, results.get("systematics", []), title="Relative systematic uncertainties per run (Table III)"
    )
    _figures(rep, s, unblind_dir / "figures")


def _optimisation_section(rep: Report, results: dict[str, Any], opt_dir: Path) -> None:
    """The ECAL cut [GeV] chosen before unblinding (spec Sec. IX, Fig. 14)."""
    s = rep.section("ECAL-cut optimisation (before unblinding)")
    rep.text(
        s,
        f"The ECAL cut was optimised on MC signal efficiencies and side-band backgrounds only, then frozen at "
        f"{results.get('cut_optimisation', {}).get('chosen_cut')} GeV before the box was opened (spec Sec. IX, Fig. 14).",
    )
    _figures(rep, s, opt_dir / "figures")


_LIMIT_COLS = (
    "mass",
    "n90",
    "n90_asymptotic",
    "epsilon_etl",
    "epsilon_etl_expected",
    "epsilon_etl_asymptotic",
    "epsilon_etl_simplified",
    "epsilon_ww",
    "epsilon_etl_direct",
    "y_alpha_d_0.5",
    "y_alpha_d_0.005",
    "alpha_d_pseudodirac",
    "alpha_d_majorana",
)


def _limits_section(rep: Report, results: dict[str, Any], limits_dir: Path) -> None:
    """90% C.L. limits on ε, y and α_D at every mass [GeV] (spec Sec. X, Figs. 15-17)."""
    s = rep.section("Limits and interpretation")
    rep.table(s, [{k: r.get(k) for k in _LIMIT_COLS} for r in results.get("limits", [])], title="All masses")
    _figures(rep, s, limits_dir / "figures")


def _provenance_section(rep: Report, provenance: dict[str, Any], stages: list[dict[str, Any]]) -> None:
    """Versions, preset digest, seed and the stages (cached or re-run; wall and CPU seconds and peak
    memory [MB] of the main process and of its worker processes)."""
    s = rep.section("Provenance")
    rep.table(s, [{"item": k, "value": v} for k, v in provenance.items() if k != "stages"], title="Run")
    rows = []
    for st in stages:
        workers = st.get("workers", [])
        rows.append(
            {
                "stage": st["stage"],
                "reused": st["reused"],
                "wall [s]": st["seconds"],
                "CPU main [s]": st.get("cpu_seconds", ""),
                "peak main [MB]": st.get("peak_rss_mb", ""),
                "workers": len(workers),
                "CPU workers [s]": round(sum(w["cpu_seconds"] for w in workers), 1),
                "peak per worker [MB]": max((w["peak_rss_mb"] for w in workers), default=""),
            }
        )
    rep.table(s, rows, title="Stages (reused = cached, inputs unchanged)")
