"""Each step of the analysis (analysis/run.py) on its own, on a small toy sample with known content:
run bookkeeping, cut-flows and regions, dimuon benchmark, calibration-trigger efficiencies, signal
efficiencies per mass and run, systematics, background; the driver's seeding and tables."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from darkmiss.analysis import background as bkg
from darkmiss.analysis.blinding import hide_box
from darkmiss.analysis.context import build_context, rate_mask, run_info, run_names_in_data
from darkmiss.analysis.cutflow import cutflows_and_regions
from darkmiss.analysis.dimuon import dimuon_benchmark, dimuon_mask
from darkmiss.analysis.efficiency import FACTORS, calibration_efficiencies, mass_efficiency
from darkmiss.analysis.inputs import AnalysisInputs
from darkmiss.analysis.pseudodata import concat, make_events, upstream_energies
from darkmiss.analysis.run import run_analysis
from darkmiss.analysis.signal import run_efficiencies, signal_mc_efficiencies
from darkmiss.analysis.systematics import relative_shift, systematic_uncertainties
from darkmiss.analysis.table_iv import TABLE_IV_ROWS, UPSTREAM_ROW
from darkmiss.config.load import load_preset
from darkmiss.config.schema import runs_from_preset
from darkmiss.errors import BlindingError
from darkmiss.events.schema import Process
from darkmiss.reco import AnalysisConfig, reconstruct_arrays
from darkmiss.reco.reconstruct import FileInfo, RecoEvents
from darkmiss.reco.selection import CUT_NAMES
from darkmiss.util import to_json

PRESET = load_preset("na64-2016")
CFG = AnalysisConfig.from_preset(PRESET)
EOT = {"I": 2e10, "II": 1e10}
MC_DIMUON_W = 1e-9  # MC dimuon weight per EOT
MASS = 0.01
UPSTREAM_SLOPE = 0.08  # 1/GeV: about a quarter of the upstream events in the side band C fit range


def _reco(parts: list[dict], *, is_data: bool, calibration_run: bool = False) -> RecoEvents:
    return reconstruct_arrays(concat(parts), CFG, None, is_data=is_data, calibration_run=calibration_run)


def _file(run: str, eot: float, intensity: float = 1e6, process: str = "em") -> FileInfo:
    return FileInfo(f"{run}-{process}", "data", run, eot, intensity, process, 0, True)


@pytest.fixture(scope="module")
def events() -> dict[str, RecoEvents]:
    """Data of runs I and II (full-energy e⁻, upstream-like events on [1, 95] GeV with E_HCAL < 1,
    dimuons, events in the signal box, calibration-trigger e⁻) and MC (dimuons of run I, signal of one mass, calibration e⁻,
    dimuon-process background events in the box), all without waveforms."""
    rng = np.random.default_rng(7)
    parts = []
    for r in (0, 1):
        parts += [
            make_events(100, Process.EM_SHOWER, rng, CFG, run=r, waveforms=False),
            make_events(
                300,
                Process.UPSTREAM,
                rng,
                CFG,
                run=r,
                ecal_energy=upstream_energies(300, UPSTREAM_SLOPE, 1.0, 95.0, rng),
                waveforms=False,
            ),
            make_events(
                200, Process.DIMUON, rng, CFG, run=r, ecal_energy=rng.uniform(5, 55, 200), waveforms=False
            ),
            # events in the signal box (hidden while blinded)
            make_events(
                20, Process.EM_SHOWER, rng, CFG, run=r, ecal_energy=rng.uniform(10, 45, 20), waveforms=False
            ),
        ]
    cal = [
        make_events(
            100,
            Process.EM_SHOWER,
            rng,
            CFG,
            run=r,
            calibration=True,
            hcal_energy=np.abs(rng.normal(0.0, 0.6, 100)),
            waveforms=False,
        )
        for r in (0, 1)
    ]
    data = RecoEvents.concat([_reco(parts, is_data=True), _reco(cal, is_data=True, calibration_run=True)])
    mc_cal = make_events(
        200,
        Process.CALIBRATION,
        rng,
        CFG,
        calibration=True,
        hcal_energy=np.abs(rng.normal(0.0, 0.5, 200)),
        waveforms=False,
    )
    mc = RecoEvents.concat(
        [
            _reco(
                [
                    make_events(
                        800,
                        Process.DIMUON,
                        rng,
                        CFG,
                        run=0,
                        ecal_energy=rng.uniform(5, 55, 800),
                        weight=MC_DIMUON_W,
                        waveforms=False,
                    ),
                    make_events(
                        600,
                        Process.SIGNAL,
                        rng,
                        CFG,
                        mass=MASS,
                        ecal_energy=rng.uniform(1, 70, 600),
                        weight=1e-7,
                        waveforms=False,
                    ),
                ],
                is_data=False,
            ),
            _reco([mc_cal], is_data=False, calibration_run=True),
        ]
    )
    return {"data": data, "mc": mc}


def _inputs(events: dict[str, RecoEvents], *, blinded: bool, mc: bool = True) -> AnalysisInputs:
    files = [
        _file("I", 1.5e10),
        _file("I", 0.5e10),
        _file("I", 1.2e10, process="dimuon"),
        _file("II", 1e10, 3e6),
    ]
    return AnalysisInputs(
        data=hide_box(events["data"], CFG, blinded=blinded),
        data_files=files,
        mc=events["mc"] if mc else None,
    )


@pytest.fixture(scope="module")
def ctx_blind(events):
    return build_context(_inputs(events, blinded=True), CFG, PRESET, blinded=True)


@pytest.fixture(scope="module")
def ctx_open(events):
    return build_context(_inputs(events, blinded=False), CFG, PRESET, blinded=False)


# ------------------------------------------------------------------ run bookkeeping


def test_context_runs_eot_and_intensity(ctx_blind):
    assert [r.name for r in ctx_blind.runs] == ["I", "II"]
    run_i, run_ii = ctx_blind.runs
    # run I: productions em (1.5e10 + 0.5e10) and dimuon (1.2e10): the run's EOT is the largest sum
    assert run_i.eot == pytest.approx(2e10) and run_i.index == 0
    assert run_i.intensity == pytest.approx(1e6)
    assert run_ii.eot == pytest.approx(1e10) and run_ii.index == 1 and run_ii.intensity == pytest.approx(3e6)


def test_run_info_falls_back_to_the_preset_and_orders_runs():
    preset_run = runs_from_preset(PRESET)["III"]
    info = run_info("III", 0, [], PRESET)
    assert (info.eot, info.intensity, info.index) == (preset_run.eot, preset_run.intensity_per_spill, 2)
    names = np.array(["X", "III", "I", "III"], dtype=object)
    assert run_names_in_data(names) == ["I", "III", "X"]


def test_rate_mask_pools_runs_missing_from_the_mc():
    mc = SimpleNamespace(run=np.array([0, 0, 2, 2, 2]))  # rate_mask reads the run codes only
    base = np.ones(5, dtype=bool)
    mask, div = rate_mask(mc, base, 2)
    assert mask.tolist() == [False, False, True, True, True] and div == 1.0
    mask, div = rate_mask(mc, base, 1)
    assert mask.all() and div == 2.0  # run II absent: both present runs pooled, weights halved


def test_context_refuses_box_events_while_blinded(events):
    inputs = _inputs(events, blinded=False)
    with pytest.raises(BlindingError):
        build_context(inputs, CFG, PRESET, blinded=True)


# ------------------------------------------------------------------ cut-flows and regions


def test_cutflow_blinded_hides_the_box(ctx_blind):
    cf = cutflows_and_regions(ctx_blind)
    assert list(cf.runs) == ["I", "II"]
    for rc in cf.runs.values():
        box = next(c for c in rc.regions if c.region == "signal_box")
        assert box.events is None and rc.observed is None


def test_cutflow_regions_and_observed_count_when_unblinded(ctx_open):
    d = ctx_open.data
    cf = cutflows_and_regions(ctx_open)
    for r, rc in cf.runs.items():
        inrun = ctx_open.data_runs == r
        passing = inrun & ctx_open.dsel.all(*CUT_NAMES)
        in_box = passing & (d.e_ecal < CFG.ecal_cut) & (d.e_hcal < CFG.hcal_cut)
        side_c = passing & (d.e_ecal >= CFG.ecal_cut) & (d.e_hcal < CFG.hcal_cut)
        counts = {c.region: c.events for c in rc.regions}
        assert rc.observed == int(in_box.sum()) and rc.observed > 0
        assert counts["signal_box"] == pytest.approx(d.weight[in_box].sum())
        assert counts["sideband_C"] == pytest.approx(d.weight[side_c].sum())
        assert rc.cutflow.initial == pytest.approx(d.weight[inrun].sum())
        assert len(rc.all_cuts.e_ecal) == int(passing.sum())


# ------------------------------------------------------------------ dimuon benchmark


def test_dimuon_ratio_per_run_by_hand(ctx_blind):
    dm = dimuon_benchmark(ctx_blind)
    data, mc = ctx_blind.data, ctx_blind.mc
    d_mu = dimuon_mask(data, ctx_blind.dsel, CFG)
    m_mu = dimuon_mask(mc, ctx_blind.msel, CFG) & (mc.process == int(Process.DIMUON))
    for info in ctx_blind.runs:
        n_data = float(data.weight[d_mu & (ctx_blind.data_runs == info.name)].sum())
        # the MC has run I only: run II uses the same (pooled, one run) MC per EOT
        n_mc = m_mu.sum() * MC_DIMUON_W * info.eot
        ratio = dm.runs[info.name].ratio
        assert ratio.n_data == pytest.approx(n_data) and ratio.n_mc == pytest.approx(n_mc, rel=1e-12)
        assert ratio.f == pytest.approx(n_data / n_mc, rel=1e-12)
        # error: data Poisson and MC weights in quadrature (unit data weights)
        rel = np.sqrt(1 / n_data + 1 / m_mu.sum())
        assert ratio.f_err == pytest.approx(ratio.f * rel, rel=1e-9)
        assert dm.runs[info.name].f_correction == (ratio.f, ratio.f_err)
    assert dm.mc is not None and len(dm.mc.e_ecal) == int(m_mu.sum())


def test_dimuon_without_mc_gives_no_correction(events):
    ctx = build_context(_inputs(events, blinded=True, mc=False), CFG, PRESET, blinded=True)
    dm = dimuon_benchmark(ctx)
    assert dm.mc is None
    for run in dm.runs.values():
        assert run.ratio.f is None and run.f_correction == (1.0, 0.0) and not run.rr.valid


# ------------------------------------------------------------------ calibration trigger


def test_calibration_efficiencies_from_calibration_runs_only(ctx_blind):
    cal = calibration_efficiencies(ctx_blind)
    data, mc = ctx_blind.data, ctx_blind.mc
    mc_cal = mc.trigger_calibration & mc.calibration_run
    for info in ctx_blind.runs:
        c = cal.runs[info.name]
        sel = data.trigger_calibration & data.calibration_run & (ctx_blind.data_runs == info.name)
        assert c.n_data == int(sel.sum()) == 100 and c.n_mc == int(mc_cal.sum())
        # Eq. 25: the fraction below the threshold, data over MC
        h_data = float(np.mean(data.e_hcal[sel] < CFG.hcal_cut))
        h_mc = float(np.average(mc.e_hcal[mc_cal] < CFG.hcal_cut, weights=mc.weight[mc_cal]))
        assert c.hcal_data == pytest.approx(h_data) and c.hcal_mc == pytest.approx(h_mc)
        assert c.hcal_correction == pytest.approx(h_data / h_mc)
        assert c.hcal_correction != 1.0


# ------------------------------------------------------------------ signal efficiencies


@pytest.fixture(scope="module")
def steps(ctx_blind):
    dm = dimuon_benchmark(ctx_blind)
    cal = calibration_efficiencies(ctx_blind)
    sig = signal_mc_efficiencies(ctx_blind)
    eff = run_efficiencies(ctx_blind, sig, dm, cal)
    return {"dm": dm, "cal": cal, "sig": sig, "eff": eff}


def test_signal_mc_efficiencies_and_variations(ctx_blind, steps):
    sig = steps["sig"]
    assert sig.masses == [MASS]
    me = sig.efficiencies[MASS]
    ref = mass_efficiency(ctx_blind.mc, ctx_blind.msel, CFG, MASS, ctx_blind.yield_threshold)
    assert me.total == ref.total and me.n_events == ref.n_events > 0
    var = sig.variations[MASS]
    assert len(var.ecal) == len(CFG.sys_ecal_chi2_variation)
    assert len(var.v2) == len(CFG.v2_threshold_variation)
    assert len(var.hcal) == len(CFG.hcal_zero_threshold_variation)
    # the cut-flow of the yield population starts from its weighted size
    assert sig.cutflows[str(MASS)].initial == pytest.approx(me.denominator)


def test_run_efficiencies_apply_the_corrections(steps):
    me = steps["sig"].efficiencies[MASS]
    for r, re in steps["eff"].runs.items():
        f, f_err = steps["dm"].runs[r].f_correction
        cal = steps["cal"].runs[r]
        (row,) = re.rows
        assert re.masses == [MASS] and row.f == f
        # Eq. 23 per run: MC factors times f, the RR factor and the calibration ratios
        expected = me.total * f * row.rr_factor * cal.v2_correction * cal.hcal_correction
        assert re.efficiency[0] == pytest.approx(expected, rel=1e-12)
        assert row.factors["e"] == pytest.approx(me.factors["e"] * f, rel=1e-12)
        assert re.components.rr_factor == [row.rr_factor]
        assert np.prod([getattr(re.components, k)[0] for k in FACTORS]) == pytest.approx(re.efficiency[0])
        lo, hi = me.total_interval
        rel = np.hypot((hi - lo) / 2 / me.total, f_err / f)
        assert re.efficiency_err[0] == pytest.approx(re.efficiency[0] * rel, rel=1e-12)
        # per-bin efficiency for the optimisation: its sum below the cut is about ε_tot
        edges = np.array(re.signal_ecal_edges)
        below = np.array(re.signal_ecal_eff[str(MASS)])[edges[1:] <= CFG.ecal_cut].sum()
        assert below == pytest.approx(re.efficiency[0], rel=0.05)


# ------------------------------------------------------------------ systematics


def test_systematics_per_run_and_mass(ctx_blind, steps):
    sy = systematic_uncertainties(ctx_blind, steps["sig"], steps["eff"], steps["dm"], steps["cal"])
    me, var = steps["sig"].efficiencies[MASS], steps["sig"].variations[MASS]
    for r, rs in sy.runs.items():
        f, f_err = steps["dm"].runs[r].f_correction
        (table,) = rs.tables
        src = table.sources
        assert src["eot"] == CFG.sys_eot and src["signal_cross_section"] == CFG.sys_cross_section
        assert src["primary_e_selection"] == pytest.approx(f_err / f)
        assert src["ecal_selection"] == relative_shift(me.total, var.ecal)
        assert src["hcal_threshold"] == relative_shift(me.total, var.hcal)
        if steps["dm"].runs[r].rr.valid:
            assert src["ecal_reweighting"] >= CFG.sys_reweighting_stat
        else:
            assert src["ecal_reweighting"] == 0.0
        # one mass: the run summary is that mass's table
        assert rs.sources == src and rs.total == pytest.approx(table.total)


def test_systematics_without_signal_mc(events):
    ctx = build_context(_inputs(events, blinded=True, mc=False), CFG, PRESET, blinded=True)
    dm, cal = dimuon_benchmark(ctx), calibration_efficiencies(ctx)
    sig = signal_mc_efficiencies(ctx)
    sy = systematic_uncertainties(ctx, sig, run_efficiencies(ctx, sig, dm, cal), dm, cal)
    for rs in sy.runs.values():
        assert rs.tables == [] and rs.total == CFG.sys_eot
        assert rs.sources == {"eot": CFG.sys_eot, "signal_cross_section": CFG.sys_cross_section}


# ------------------------------------------------------------------ background


def test_background_uses_the_toys_run_by_run_c_before_a(ctx_blind):
    est = bkg.background_estimate(ctx_blind, np.random.default_rng(11))
    # the same fits with one generator drawn in the documented order: run I (C, A), run II (C, A)
    rng = np.random.default_rng(11)
    d = ctx_blind.data
    lo = max(CFG.sideband_fit_range[0], CFG.ecal_cut, CFG.blind_ecal_max)
    for info in ctx_blind.runs:
        sel = (ctx_blind.data_runs == info.name) & ctx_blind.all_cuts
        c = sel & (d.e_hcal < CFG.hcal_cut)
        var = tuple((max(a, lo), b) for a, b in CFG.sideband_fit_variations if b > max(a, lo))
        sc = bkg.sideband_c(
            d.e_ecal[c],
            CFG.ecal_cut,
            (lo, CFG.sideband_fit_range[1]),
            var,
            CFG.n_toys,
            rng,
            weights=d.weight[c],
        )
        a = sel & (d.e_ecal < CFG.ecal_cut)
        a_range = (max(CFG.sideband_a_hcal_range[0], CFG.hcal_cut), CFG.sideband_a_hcal_range[1])
        sa = bkg.sideband_a(d.e_hcal[a], CFG.hcal_cut, a_range, CFG.n_toys, rng)
        rb = est.runs[info.name]
        assert (rb.sideband_c.value, rb.sideband_c.stat) == (sc.value, sc.stat) and sc.stat > 0
        assert (rb.sideband_a.value, rb.sideband_a.stat) == (sa.value, sa.stat)
    other = bkg.background_estimate(ctx_blind, np.random.default_rng(12))
    assert other.runs["I"].sideband_c.stat != est.runs["I"].sideband_c.stat


def test_background_total_leaves_the_simulated_upstream_row_out(ctx_blind):
    est = bkg.background_estimate(ctx_blind, np.random.default_rng(0))
    for rb in est.runs.values():
        comps = rb.components
        assert list(comps)[:2] == ["upstream interactions (side band C)", "side band A [not summed]"]
        # the MC dimuons of the toy sample are not a Table IV sample: every row there, nothing passing
        assert all(comps[row] == (0.0, 0.0) for row in list(TABLE_IV_ROWS)[:4])
        summed = [v for k, v in comps.items() if not k.endswith(bkg.NOT_SUMMED)]
        assert rb.total.value == pytest.approx(sum(v.value for v in summed))
        assert rb.total.err == pytest.approx(np.sqrt(sum(v.err**2 for v in summed)))
    with_upstream = {
        "a": bkg.Estimate(1.0, 0.3),
        UPSTREAM_ROW + bkg.NOT_SUMMED: bkg.Estimate(5.0, 1.0),
    }
    assert bkg.total_background(with_upstream) == (1.0, pytest.approx(0.3))
    # side band A is shown, not summed (spec Sec. VIII: "further neglected")
    assert bkg.total_background(with_upstream | {bkg.SIDEBAND_A: bkg.Estimate(1.4, 1.2)}) == (
        1.0,
        pytest.approx(0.3),
    )
    s = est.summary
    assert s.eot == pytest.approx(sum(EOT.values()))
    assert s.total.value == pytest.approx(sum(rb.total.value for rb in est.runs.values()))


# ------------------------------------------------------------------ the driver


def test_run_analysis_is_a_function_of_the_seed(events):
    inputs = _inputs(events, blinded=True)
    a = run_analysis(inputs, CFG, PRESET, seed=5)
    b = run_analysis(inputs, CFG, PRESET, seed=5)
    c = run_analysis(inputs, CFG, PRESET, seed=6)
    assert a.result.to_dict() | {"provenance": None} == b.result.to_dict() | {"provenance": None}
    assert to_json(a.tables()) == to_json(b.tables())
    ra, rc = a.result.runs[0], c.result.runs[0]
    # only the toy-driven extrapolation uncertainties depend on the seed
    assert ra.sideband_fit.extrapolation[0] == rc.sideband_fit.extrapolation[0]
    assert ra.sideband_fit.extrapolation[1] != rc.sideband_fit.extrapolation[1]
    assert ra.efficiency == rc.efficiency and ra.systematics == rc.systematics


def test_run_analysis_tables_layout(events):
    out = run_analysis(_inputs(events, blinded=True), CFG, PRESET, seed=0)
    t = out.tables()
    assert list(t) == [
        "blinding",
        "cutflow",
        "regions",
        "dimuon",
        "rr",
        "calibration",
        "cutflow_signal",
        "efficiency",
        "systematics",
        "background",
        "background_summary",
    ]
    row = t["efficiency"][0]
    assert list(row)[:4] == ["run", "mass", "n_mc", "eps_e"] and "eps_hcal_mc_interval" in row
    assert t["background"][0]["components"][bkg.SIDEBAND_A] == list(
        out.background.runs["I"].components[bkg.SIDEBAND_A]
    )
    run = out.result.runs[0]
    assert run.background_components == out.background.runs["I"].components
    assert run.observed is None and out.result.extra["masses"] == [MASS]
    inputs = _inputs(events, blinded=True)
    data = inputs.data.subset(np.ones(inputs.data.n, dtype=bool))  # a copy
    data.weight[:5] = 2.0
    weighted = AnalysisInputs(data=data, data_files=inputs.data_files, mc=inputs.mc)
    assert "warnings" in run_analysis(weighted, CFG, PRESET).tables()


def test_figures_are_drawn_again_only_where_their_inputs_changed(events, tmp_path, monkeypatch):
    from darkmiss.plots import analysis_figures as af

    drawn: list[str] = []
    draw = af._draw

    def counting(name, args):
        drawn.append(args[-1].name)
        return draw(name, args)

    monkeypatch.setattr(af, "_draw", counting)
    blind = run_analysis(_inputs(events, blinded=True), CFG, PRESET, seed=0)
    paths = af.make_figures(blind, tmp_path)
    assert sorted(drawn) == sorted(p.name for p in paths) and all(p.is_file() for p in paths)
    drawn.clear()
    # the same inputs: nothing is drawn, and the same paths come back
    assert af.make_figures(blind, tmp_path) == paths and drawn == []
    # a figure that is gone is drawn again
    (tmp_path / "fig8_runI.png").unlink()
    af.make_figures(blind, tmp_path)
    assert drawn == ["fig8_runI.png"]
    drawn.clear()
    # opening the box changes Fig. 7 (the box's content and its hatching), not the dimuon figures
    opened = run_analysis(_inputs(events, blinded=False), CFG, PRESET, blinded=False, seed=0)
    af.make_figures(opened, tmp_path)
    assert {"fig7_runI.png", "fig7_runII.png"} <= set(drawn)
    assert not any(n.startswith(("fig8", "fig9", "fig10", "fig11")) for n in drawn)
