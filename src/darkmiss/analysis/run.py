"""The whole analysis of spec Sec. IV–VIII as a function of the reconstructed events (:func:`run_analysis`),
and :func:`load_inputs`, which reads and reconstructs the event files. The file front ends (``darkmiss
analyze``/``unblind``, which also write the tables and draw the figures) are :mod:`darkmiss.pipeline.analysis`.

Order: reconstruct → hide the blinded box (data mode) → cut-flows and regions → dimuon benchmark
(f, RR) → calibration-trigger efficiencies → signal efficiencies per mass and run → background
(side bands C and A, simulated components) → systematics. Energies GeV.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss import __version__
from darkmiss.analysis import background as bkg
from darkmiss.analysis.blinding import assert_blind, blinding_record, hide_box
from darkmiss.analysis.dimuon import dimuon_mask, dimuon_ratio, rr_double_ratio, rr_variations
from darkmiss.analysis.efficiency import (
    FACTORS,
    CalibrationEfficiency,
    calibration_efficiency,
    corrected_factors,
    mass_efficiency,
    signal_masses,
)
from darkmiss.analysis.result import AnalysisResult, RunAnalysis
from darkmiss.analysis.systematics import SystematicsTable, relative_shift, reweighting_uncertainty
from darkmiss.config.load import Preset
from darkmiss.config.schema import RUN_NAMES, SetupGeometry, runs_from_preset
from darkmiss.errors import UserInputError
from darkmiss.events.io import event_files, read_metadata
from darkmiss.events.schema import Process
from darkmiss.parallel import map_chunks
from darkmiss.reco.config import AnalysisConfig, yield_threshold
from darkmiss.reco.reconstruct import FileInfo, RecoEvents, build_selection, reconstruct_file
from darkmiss.reco.regions import regions
from darkmiss.reco.selection import CUT_NAMES

#: Cuts against upstream interactions (spec Sec. VIII), left out for Fig. 7 (middle).
UPSTREAM_CUTS = ("upstream_hits", "hcal_lateral", "hcal_time")


@dataclass
class AnalysisInputs:
    """Reconstructed events: data (pseudo-data) and MC (signal, dimuon, background, calibration)."""

    data: RecoEvents
    data_files: list[FileInfo]
    mc: RecoEvents | None = None
    mc_files: list[FileInfo] = field(default_factory=list)


@dataclass
class AnalysisOutput:
    """The analysis result and every table (lists of records) and figure input."""

    result: AnalysisResult
    tables: dict[str, Any]
    figures: dict[str, Any]


def _run_name(value: Any) -> str:
    s = str(value)
    if s.isdigit() and int(s) < len(RUN_NAMES):
        return RUN_NAMES[int(s)]
    return s


def _group_norms(files: list[FileInfo], metas: list[dict[str, Any]]) -> list[float]:
    """Per-file factor turning weights into events per EOT, pooling the chunks of one production
    (run, process, trigger): the weights of a production sum to its expected events in its EOT,
    and the chunks' EOT add up to the production's (detsim/generate.py).

    Unweighted/prescaled files: 1/ΣEOT of the group; per-EOT weighted files: 1/number of files."""
    groups: dict[tuple[str, str, str, bool], list[int]] = {}
    for i, (f, m) in enumerate(zip(files, metas, strict=True)):
        groups.setdefault((f.run, f.process, f.trigger, bool(m.get("weights_per_eot"))), []).append(i)
    out = [0.0] * len(files)
    for (_run, _proc, _trig, per_eot), idx in groups.items():
        if per_eot:
            for i in idx:
                out[i] = 1.0 / len(idx)
        else:
            tot = sum(files[i].eot for i in idx)
            for i in idx:
                out[i] = 1.0 / tot if tot > 0 else 0.0
    return out


def _reco_task(
    path: str, cfg: AnalysisConfig, geometry: SetupGeometry | None
) -> tuple[RecoEvents, FileInfo, dict]:
    reco, info = reconstruct_file(path, cfg, geometry)
    return reco, info, read_metadata(path)


def load_inputs(
    events: str | Path,
    mc: str | Path | None,
    cfg: AnalysisConfig,
    geometry: SetupGeometry | None,
    *,
    workers: int = 1,
    blinded: bool = True,
) -> AnalysisInputs:
    """Read and reconstruct every event file; data-mode box events are dropped here when ``blinded``.

    Files under ``events`` may be data or MC mode (the file metadata decides); ``mc`` holds the MC
    samples (any layout: the ``true_process``/``true_mass`` branches identify them).
    """

    def load(folder: str | Path) -> tuple[list[RecoEvents], list[FileInfo], list[dict]]:
        files = event_files(folder)
        res = map_chunks(_reco_task, [(str(p), cfg, geometry) for p in files], workers=workers)
        recos, infos, metas = [], [], []
        for reco, info, meta in res:
            info.run = _run_name(info.run)
            # blinding happens per file, before anything is kept
            recos.append(hide_box(reco, cfg, blinded=blinded))
            infos.append(info)
            metas.append(meta)
        return recos, infos, metas

    d_recos, d_infos, d_metas = load(events)
    m_recos: list[RecoEvents] = []
    m_infos: list[FileInfo] = []
    m_metas: list[dict] = []
    if mc is not None:
        m_recos, m_infos, m_metas = load(mc)
    # MC files inside the events folder count as MC too
    data_parts, data_infos, mc_parts, mc_infos, mc_metas = [], [], list(m_recos), list(m_infos), list(m_metas)
    for r, i, m in zip(d_recos, d_infos, d_metas, strict=True):
        if i.mode == "data":
            data_parts.append(r)
            data_infos.append(i)
        else:
            mc_parts.append(r)
            mc_infos.append(i)
            mc_metas.append(m)
    norms = _group_norms(mc_infos, mc_metas)
    for r, nrm in zip(mc_parts, norms, strict=True):
        r.norm[:] = nrm
    if not data_parts:
        raise UserInputError("events", str(events), "a folder with data-mode event files (pseudo-data)")
    return AnalysisInputs(
        data=RecoEvents.concat(data_parts),
        data_files=data_infos,
        mc=RecoEvents.concat(mc_parts) if mc_parts else None,
        mc_files=mc_infos,
    )


def _rate_mask(mc: RecoEvents, base: np.ndarray, run_index: int) -> tuple[np.ndarray, float]:
    """MC events of a run (if the MC has that run) or all, with the divisor for pooled runs."""
    runs_present = np.unique(mc.run[base])
    if run_index in runs_present:
        return base & (mc.run == run_index), 1.0
    return base, float(max(len(runs_present), 1))


def run_analysis(
    inputs: AnalysisInputs,
    cfg: AnalysisConfig,
    preset: Preset,
    *,
    blinded: bool = True,
    cut_frozen: bool = False,
    seed: int = 0,
) -> AnalysisOutput:
    """The analysis of spec Sec. IV–VIII on reconstructed events (no file access)."""
    rng = np.random.default_rng(seed)
    data = inputs.data
    if blinded:
        assert_blind(data, cfg)
    mc = inputs.mc
    ythr = yield_threshold(preset, cfg)
    preset_runs = runs_from_preset(preset)
    regs = regions(cfg)
    dsel = build_selection(data, cfg)
    msel = build_selection(mc, cfg) if mc is not None else None
    data_runs = data.run_names()
    run_list = [r for r in RUN_NAMES if np.any(data_runs == r)] + sorted(
        {str(r) for r in np.unique(data_runs)} - set(RUN_NAMES)
    )
    eot: dict[str, float] = {}
    intensity: dict[str, float] = {}
    for r in run_list:
        files = [f for f in inputs.data_files if f.run == r]
        # each production (process, trigger) of a run covers the run's EOT: take the largest sum
        prod: dict[tuple[str, str], float] = {}
        for fi in files:
            prod[(fi.process, fi.trigger)] = prod.get((fi.process, fi.trigger), 0.0) + fi.eot
        eot[r] = max(prod.values(), default=0.0) or (preset_runs[r].eot if r in preset_runs else 0.0)
        ints = [fi.intensity for fi in files if fi.intensity > 0]
        intensity[r] = (
            float(np.mean(ints))
            if ints
            else (preset_runs[r].intensity_per_spill if r in preset_runs else 0.0)
        )

    tables: dict[str, Any] = {"blinding": blinding_record(blinded, cfg)}
    if data.n and not np.all(data.weight == 1.0):
        tables["warnings"] = [
            f"data-mode events carry weights (min {data.weight.min():.3g}, max {data.weight.max():.3g}): "
            "counts, fits and f use the weights; the observed count in the box is the raw number of events"
        ]
    figures: dict[str, Any] = {"runs": {}}
    all_cuts = dsel.all(*CUT_NAMES)
    no_upstream = dsel.all(*[c for c in CUT_NAMES if c not in UPSTREAM_CUTS])

    # ---- cut-flows and region counts (data: visible events only) ----
    tables["cutflow"] = {}
    tables["regions"] = []
    for r in run_list:
        inrun = data_runs == r
        # weighted: prescaled abundant classes of the pseudo-data carry their prescale as weight
        tables["cutflow"][r] = dsel.cutflow(CUT_NAMES, weights=data.weight, base=inrun).to_records()
        for name, reg in regs.items():
            m = inrun & all_cuts & reg.contains(data.e_ecal, data.e_hcal)
            count: float | None = float(data.weight[m].sum())
            if name == "signal_box" and blinded:
                count = None
            tables["regions"].append(
                {"run": r, "region": name, "events": count, "description": reg.description}
            )
        figures["runs"][r] = {
            "tag_only": (data.e_ecal[inrun & dsel.mask("srd")], data.e_hcal[inrun & dsel.mask("srd")]),
            "no_upstream": (data.e_ecal[inrun & no_upstream], data.e_hcal[inrun & no_upstream]),
            "all_cuts": (data.e_ecal[inrun & all_cuts], data.e_hcal[inrun & all_cuts]),
        }

    # ---- dimuon benchmark (Sec. V): f per run and RR (Eq. 24) ----
    d_mu = dimuon_mask(data, dsel, cfg)
    m_mu = (
        dimuon_mask(mc, msel, cfg) & (mc.process == int(Process.DIMUON)) if mc is not None and msel else None
    )
    tables["dimuon"] = []
    rr_by_run: dict[str, Any] = {}
    tables["rr"] = {}
    edges = np.linspace(cfg.rr_edges_min, cfg.rr_edges_max, cfg.rr_n_bins + 1)
    f_by_run: dict[str, tuple[float, float]] = {}
    for ri, r in enumerate(run_list):
        run_idx = RUN_NAMES.index(r) if r in RUN_NAMES else ri
        dsel_r = d_mu & (data_runs == r)
        # pseudo-data may carry weights (weighted productions): counts are Σw, variances Σw²
        nd = float(data.weight[dsel_r].sum())
        nd_var = float(np.square(data.weight[dsel_r]).sum())
        if mc is not None and m_mu is not None:
            mask, div = _rate_mask(mc, m_mu, run_idx)
            w = mc.weight[mask] * mc.norm[mask] / div
            dr = dimuon_ratio(r, intensity[r], eot[r], nd, w, nd_var)
            rr = rr_double_ratio(data.e_ecal[dsel_r], mc.e_ecal[mask], w, edges, data.weight[dsel_r])
        else:
            dr = dimuon_ratio(r, intensity[r], eot[r], nd, np.zeros(0), nd_var)
            rr = rr_double_ratio(np.zeros(0), np.zeros(0), np.zeros(0), edges)
        tables["dimuon"].append(dr.to_record())
        f_by_run[r] = (dr.f if dr.f is not None else 1.0, dr.f_err if dr.f_err is not None else 0.0)
        rr_by_run[r] = rr
        tables["rr"][r] = asdict(rr)
        figures["runs"][r]["dimuon"] = {
            "data_e_ecal": data.e_ecal[d_mu & (data_runs == r)],
            "data_hcal": data.hcal_modules[d_mu & (data_runs == r)],
            "data_hcal_total": data.e_hcal_total[d_mu & (data_runs == r)],
        }
    if mc is not None and m_mu is not None:
        figures["mc_dimuon"] = {
            "e_ecal": mc.e_ecal[m_mu],
            "hcal": mc.hcal_modules[m_mu],
            "w": mc.weight[m_mu] * mc.norm[m_mu],
        }

    # ---- calibration-trigger efficiencies (Eq. 25) ----
    cal: dict[str, CalibrationEfficiency] = {}
    # calibration samples: events of calibration-trigger runs only (spec Sec. VI.B: the ECAL threshold
    # removed from the trigger; the physics-trigger samples would bring dimuons and hadrons in)
    mc_cal = mc.subset(mc.trigger_calibration & mc.calibration_run) if mc is not None else None
    for r in run_list:
        dcal = data.subset(data.trigger_calibration & data.calibration_run & (data_runs == r))
        cal[r] = calibration_efficiency(r, dcal, mc_cal if (mc_cal is not None and mc_cal.n) else None, cfg)
    tables["calibration"] = [asdict(c) for c in cal.values()]

    # ---- signal efficiencies (Sec. VI) ----
    masses = signal_masses(mc) if mc is not None else []  # rounded to 6 significant digits
    mass_eff = {}
    variations: dict[float, dict[str, list[float]]] = {}
    if mc is not None and msel is not None:
        sig = mc.process == int(Process.SIGNAL)
        for m in masses:
            me = mass_efficiency(mc, msel, cfg, m, ythr)
            mass_eff[m] = me
            var: dict[str, list[float]] = {"ecal": [], "v2": [], "hcal": []}
            for chi in cfg.sys_ecal_chi2_variation:
                var["ecal"].append(mass_efficiency(mc, msel, cfg, m, ythr, chi2_max=chi).total)
            for th in cfg.v2_threshold_variation:
                var["v2"].append(mass_efficiency(mc, msel, cfg, m, ythr, v2_threshold=th).total)
            for th in cfg.hcal_zero_threshold_variation:
                var["hcal"].append(mass_efficiency(mc, msel, cfg, m, ythr, hcal_threshold=th).total)
            variations[m] = var
        tables["cutflow_signal"] = {
            str(m): msel.cutflow(
                CUT_NAMES,
                weights=mc.weight,
                base=sig & np.isclose(mc.true_mass, m, rtol=1e-4) & (mc.true_aprime_energy > ythr),
            ).to_records()
            for m in masses
        }
        figures["signal"] = {
            str(m): {
                "e_ecal": mc.e_ecal[sig & np.isclose(mc.true_mass, m, rtol=1e-4)],
                "w": mc.weight[sig & np.isclose(mc.true_mass, m, rtol=1e-4)],
            }
            for m in masses
        }

    tables["efficiency"] = []
    tables["systematics"] = []
    run_results: list[RunAnalysis] = []
    tables["background"] = []
    for ri, r in enumerate(run_list):
        run_idx = RUN_NAMES.index(r) if r in RUN_NAMES else ri
        f, f_err = f_by_run[r]
        rr = rr_by_run[r]
        rr_fn = rr.function() if rr.valid else None
        ra = RunAnalysis(run=r, eot=eot[r], intensity=intensity[r])
        ra.dimuon_ratio = f_by_run[r][0] if tables["dimuon"][ri]["f"] is not None else None
        ra.dimuon_ratio_err = f_err if ra.dimuon_ratio is not None else None
        comps: dict[str, list[float]] = {k: [] for k in (*FACTORS, "rr_factor")}
        sys_rows = []
        for m in masses:
            me = mass_eff[m]
            cf = corrected_factors(me, f, rr_fn, cal[r])
            for k in comps:
                comps[k].append(cf[k])
            ra.efficiency_masses.append(m)
            ra.efficiency.append(cf["total"])
            lo, hi = me.total_interval
            mc_rel = (hi - lo) / 2 / me.total if me.total > 0 else 0.0
            ra.efficiency_err.append(cf["total"] * float(np.hypot(mc_rel, f_err / f if f > 0 else 0.0)))
            # per-bin efficiency for the cut optimisation (RR per bin, other corrections global)
            centres = 0.5 * (np.array(me.ecal_edges[1:]) + np.array(me.ecal_edges[:-1]))
            rr_bins = rr_fn(centres) if rr_fn is not None else np.ones_like(centres)
            scale = f * cal[r].v2_correction * cal[r].hcal_correction
            ra.signal_ecal_edges = me.ecal_edges
            ra.signal_ecal_eff[str(m)] = (np.array(me.ecal_eff) * rr_bins * scale).tolist()
            tables["efficiency"].append(
                {
                    "run": r,
                    "mass": m,
                    "n_mc": me.n_events,
                    **{f"eps_{k}": cf[k] for k in FACTORS},
                    "rr_factor": cf["rr_factor"],
                    "f": f,
                    "total": cf["total"],
                    "total_mc": me.total,
                    "total_mc_interval": list(me.total_interval),
                    **{f"eps_{k}_mc_interval": list(me.intervals[k]) for k in FACTORS},
                }
            )
            # systematics (Sec. VII)
            shifts = []
            if rr.valid:
                base = cf["rr_factor"]
                for p in rr_variations(rr):
                    alt = corrected_factors(me, f, rr.function(p), cal[r])["rr_factor"]
                    shifts.append(alt)
                shifts.append(corrected_factors(me, f, rr.alt_function(), cal[r])["rr_factor"])
                rw = reweighting_uncertainty(relative_shift(base, shifts), cfg.sys_reweighting_stat)
            else:
                rw = 0.0
            st = SystematicsTable(
                run=r,
                mass=m,
                sources={
                    "eot": cfg.sys_eot,
                    "signal_cross_section": cfg.sys_cross_section,
                    "primary_e_selection": f_err / f if f > 0 else 0.0,
                    "ecal_selection": relative_shift(me.total, variations[m]["ecal"]),
                    "ecal_reweighting": rw,
                    "v2_threshold": relative_shift(me.total, variations[m]["v2"]),
                    "hcal_threshold": relative_shift(me.total, variations[m]["hcal"]),
                },
            )
            sys_rows.append(st)
            tables["systematics"].append(st.to_record())
        ra.efficiency_components = comps
        if sys_rows:
            ra.systematics = {k: max(s.sources[k] for s in sys_rows) for k in sys_rows[0].sources}
            ra.systematics_total = max(s.total for s in sys_rows)
        else:
            ra.systematics = {"eot": cfg.sys_eot, "signal_cross_section": cfg.sys_cross_section}
            ra.systematics_total = cfg.sys_eot

        # ---- background (Sec. VIII) ----
        inrun = data_runs == r
        c_mask = inrun & all_cuts & (data.e_hcal < cfg.hcal_cut)
        lo = max(cfg.sideband_fit_range[0], cfg.ecal_cut, cfg.blind_ecal_max if blinded else cfg.ecal_cut)
        fit_range = (lo, max(cfg.sideband_fit_range[1], lo + 1.0))
        var_ranges = tuple((max(a, lo), b) for a, b in cfg.sideband_fit_variations if b > max(a, lo))
        sc = bkg.sideband_c(
            data.e_ecal[c_mask],
            cfg.ecal_cut,
            fit_range,
            var_ranges,
            cfg.n_toys,
            rng,
            weights=data.weight[c_mask],
        )
        a_mask = inrun & all_cuts & (data.e_ecal < cfg.ecal_cut)
        sa = bkg.sideband_a(
            data.e_hcal[a_mask],
            cfg.hcal_cut,
            (max(cfg.sideband_a_hcal_range[0], cfg.hcal_cut), cfg.sideband_a_hcal_range[1]),
            cfg.n_toys,
            rng,
        )
        v_mask = inrun & all_cuts & (data.e_hcal >= cfg.validation_hcal_min)
        val = bkg.validation_check(data.e_ecal[v_mask], cfg.validation_ecal)
        sens = {}
        components: dict[str, list[float]] = {
            "upstream interactions (side band C)": [sc.value, sc.error],
            "side band A": [sa.value, sa.error],
        }
        if mc is not None and msel is not None:
            bmask = ~np.isin(mc.process, [int(Process.SIGNAL), int(Process.CALIBRATION)])
            mask, div = _rate_mask(mc, bmask, run_idx)
            in_box = msel.all(*CUT_NAMES) & regs["signal_box"].contains(mc.e_ecal, mc.e_hcal)
            sub = np.flatnonzero(mask)
            mcc = bkg.mc_components(mc.process[sub], mc.weight[sub] * mc.norm[sub] / div, in_box[sub], eot[r])
            sens = bkg.mc_sensitivities(mc.process[sub], mc.weight[sub] * mc.norm[sub] / div, eot[r])
            for k, v in mcc.items():
                if k != "upstream interactions (simulated)":
                    components[k] = v
                else:
                    components[k + " [not summed]"] = v
        summed = {k: v for k, v in components.items() if "[not summed]" not in k}
        ra.background = float(sum(v[0] for v in summed.values()))
        ra.background_err = float(np.sqrt(sum(v[1] ** 2 for v in summed.values())))
        ra.background_components = components
        ra.sideband_fit = {
            **sc.fit.to_dict(),
            "extrapolation": [sc.value, sc.stat, sc.variation],
            "variations": sc.variations,
        }
        tables["background"].append(
            {
                "run": r,
                "eot": eot[r],
                "components": components,
                "mc_one_event_sensitivity": sens,
                "total": [ra.background, ra.background_err],
                "sideband_C": sc.fit.to_dict(),
                "sideband_A": sa.fit.to_dict(),
                "validation": val,
            }
        )
        figures["runs"][r]["sideband_c"] = {
            "e_ecal": data.e_ecal[c_mask],
            "fit": sc.fit.to_dict(),
            "ecal_cut": cfg.ecal_cut,
            "value": sc.value,
            "error": sc.error,
        }
        if not blinded:
            box = inrun & all_cuts & regs["signal_box"].contains(data.e_ecal, data.e_hcal)
            ra.observed = int(box.sum())
        run_results.append(ra)

    total_b = float(sum(r.background for r in run_results))
    total_be = float(np.sqrt(sum(r.background_err**2 for r in run_results)))
    comp_tot: dict[str, list[float]] = {}
    for ra in run_results:
        for k, v in ra.background_components.items():
            c = comp_tot.setdefault(k, [0.0, 0.0])
            c[0] += v[0]
            c[1] = float(np.hypot(c[1], v[1]))
    tables["background_summary"] = {
        "total": [total_b, total_be],
        "components": comp_tot,
        "spec_table_iv": bkg.SPEC_TABLE_IV,
        "eot": float(sum(eot.values())),
    }
    result = AnalysisResult(
        preset=preset.name,
        blinded=bool(blinded),
        ecal_cut=cfg.ecal_cut,
        hcal_cut=cfg.hcal_cut,
        cut_frozen=bool(cut_frozen),
        yield_threshold=ythr,
        runs=run_results,
        provenance={
            "darkmiss_version": __version__,
            "seed": int(seed),
            "data_files": [f.path for f in inputs.data_files],
            "mc_files": [f.path for f in inputs.mc_files],
        },
        extra={"blinding": blinding_record(blinded, cfg), "masses": masses},
    )
    return AnalysisOutput(result=result, tables=tables, figures=figures)


# ------------------------------------------------------------------ file front ends
