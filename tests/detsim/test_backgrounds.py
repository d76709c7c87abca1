"""Background processes of spec Sec. VIII: contracts, rates and their ingredients, kinematics."""

from __future__ import annotations

import importlib
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from iminuit import Minuit

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry, runs_from_preset
from darkmiss.constants import CTAU_K_CM, CTAU_PI_CM, M_K, M_PI
from darkmiss.detsim.processes import accidental as acc
from darkmiss.detsim.processes import decays as dec
from darkmiss.detsim.processes import hadron_target as ht
from darkmiss.detsim.processes import hadronic as hproc
from darkmiss.detsim.processes import punchthrough as pt
from darkmiss.detsim.processes import upstream as up
from darkmiss.detsim.processes.base import ProcessContext
from darkmiss.detsim.truth import TruthBatch
from darkmiss.errors import UserInputError
from darkmiss.events.schema import Process

NAMES = {
    "hadronic": Process.HADRONIC,
    "punchthrough": Process.PUNCHTHROUGH,
    "upstream": Process.UPSTREAM,
    "decays": Process.DECAY_IN_FLIGHT,
    "hadron_target": Process.HADRON_IN_TARGET,
    "accidental": Process.ACCIDENTAL_SR,
}


@pytest.fixture(scope="module")
def preset():
    return load_preset("na64-2016")


@pytest.fixture(scope="module")
def ctx(preset):
    return ProcessContext(preset, SetupGeometry.from_preset(preset), runs_from_preset(preset)["I"], "mc")


def _ctx(preset, run="I", **opts):
    return ProcessContext(
        preset, SetupGeometry.from_preset(preset), runs_from_preset(preset)[run], "data", options=opts
    )


def _check_batch(b: TruthBatch, n: int, code: int) -> None:
    ref = TruthBatch.empty(n)
    assert b.n == n
    for name in ref.__dataclass_fields__:
        a, r = getattr(b, name), getattr(ref, name)
        assert a.shape == r.shape, name
        assert a.dtype == r.dtype, name
        assert np.all(np.isfinite(a)), name
    assert np.all(b.process == code)
    for name in ("sr_energy", "missing_energy", "angle_in_mrad"):
        assert np.all(getattr(b, name) >= 0), name
    # calorimeter cells carry the shower engine's electronic noise: small negative values allowed
    for name in ("ecal", "ps", "hcal", "v2"):
        assert np.all(getattr(b, name) > -0.5), name


@pytest.mark.parametrize("name", list(NAMES))
def test_process_contract_and_reproducibility(name, ctx):
    proc = importlib.import_module(f"darkmiss.detsim.processes.{name}").PROCESS
    assert proc.name == name
    r = proc.rate(ctx)
    assert r.per_eot >= 0 and r.rel_err >= 0 and r.source
    b1 = proc.generate(12, np.random.default_rng(7), ctx)
    _check_batch(b1, 12, int(NAMES[name]))
    b2 = proc.generate(12, np.random.default_rng(7), ctx)
    for f in b1.__dataclass_fields__:
        assert np.array_equal(getattr(b1, f), getattr(b2, f)), f
    assert proc.generate(0, np.random.default_rng(1), ctx).n == 0


def test_hadronic_events_in_region_ii(ctx):
    b = hproc.PROCESS.generate(60, np.random.default_rng(3), ctx)
    e_ecal = b.ecal.sum(axis=(1, 2)) + b.ps.sum(axis=(1, 2))
    e_hcal = b.hcal.sum(axis=(1, 2, 3))
    # spec Sec. IV, Fig. 7 region II: E_ECAL + E_HCAL ~ 100 GeV within the (non-compensating) resolution
    assert np.all(e_ecal < 90)
    assert 75 < np.median(e_ecal + e_hcal) < 102
    assert np.mean(e_hcal > 1) > 0.95  # visible hadronic activity: not in the signal box


def test_punchthrough_rate_and_box_bound(ctx, preset):
    # spec Sec. VIII: punch-through < 1e-12 times P_h < 1e-4 -> < 1e-16 per EOT in the box
    bound = pt.box_upper_bound(ctx)
    assert 0 < bound < 1e-16
    assert 0 < pt.PROCESS.rate(ctx).per_eot < 1e-9
    # one more HCAL module (+7.4 lambda_int) lowers the bound (lateral escape limits the gain) ...
    s = dict(preset.data["setup"]["hcal"])
    h = dict(preset.data["backgrounds"]["hadronic"])
    p5 = preset.with_overrides({"setup": {"hcal": {**s, "n_modules": 5}}})
    assert pt.box_upper_bound(ProcessContext(p5, SetupGeometry.from_preset(p5), ctx.run, "mc")) < bound
    # ... and without transverse momentum it scales exactly as exp(-Delta L / lambda_int)
    q4 = preset.with_overrides({"backgrounds": {"hadronic": {**h, "mean_pt": 1e-6}}})
    q5 = q4.with_overrides({"setup": {"hcal": {**s, "n_modules": 5}}})
    g5 = SetupGeometry.from_preset(q5)
    ratio = pt.box_upper_bound(ProcessContext(q5, g5, ctx.run, "mc")) / pt.box_upper_bound(
        ProcessContext(q4, ctx.geometry, ctx.run, "mc")
    )
    gap_lambda = g5.hcal_module_gap_cm / 1.0  # air: negligible, < 1e-3 lambda
    assert ratio == pytest.approx(np.exp(-g5.hcal.total_lambda), rel=1e-3 + gap_lambda * 1e-3)


# ---------------------------------------------------------------- upstream (calibrated)


@pytest.mark.parametrize("run", ["I", "II", "III"])
def test_upstream_calibration_reproduces_box_extrapolation(preset, run):
    cfg = up.UpstreamConfig.from_preset(preset)
    eot = runs_from_preset(preset)[run].eot
    s, nb, _ = cfg.run_params(run)
    # independent closed form: int_{e_min}^{50} A e^{sE} dE = n_b / EOT
    a = nb / eot * s / (np.exp(50 * s) - np.exp(cfg.e_min * s))
    box = a / s * (np.exp(50 * s) - np.exp(cfg.e_min * s))
    assert up.clean_rate(cfg, run, eot) * up.box_fraction(cfg, run) == pytest.approx(box, rel=1e-12)
    # spec Sec. VIII: upstream scattered events <~ 1e-5 per EOT (total incl. seen secondaries, x3 margin)
    assert up.PROCESS.rate(_ctx(preset, run)).per_eot < 3e-5


def test_upstream_spectrum_slope_fit(preset):
    # the generated E_ECAL spectrum has the calibrated slope (unbinned ML fit with iminuit)
    rng = np.random.default_rng(2)
    e = up.sample_energy(20000, rng, 0.396, 50.0, 80.0)

    def nll(s):
        norm = (np.exp(s * 80) - np.exp(s * 50)) / s
        return -np.sum(s * e) + e.size * np.log(norm)

    m = Minuit(nll, s=0.3)
    m.errordef = Minuit.LIKELIHOOD
    m.migrad()
    assert abs(m.values["s"] - 0.396) < 4 * m.errors["s"]


def test_upstream_box_events_with_standin_selection(preset):
    # generated events in the box, with the stand-in selection, reproduce n_b (Sec. VIII) within
    # the selection losses (resolution migration across 50 GeV, V2) and the statistics
    c = _ctx(preset, "II", upstream_e_range=(0.3, 50.0))
    b = up.PROCESS.generate(400, np.random.default_rng(4), c)
    e_ecal = b.ecal.sum(axis=(1, 2)) + b.ps.sum(axis=(1, 2))
    sel = (
        (e_ecal < 50)
        & (b.hcal.sum(axis=(1, 2, 3)) < 1)
        & (b.v2 < 1)
        & (b.extra_upstream_hits.sum(axis=1) == 0)
        & (b.angle_in_mrad < 5)
    )
    n_box = up.PROCESS.rate(c).per_eot * c.run.eot * sel.mean()
    assert n_box == pytest.approx(0.041, rel=0.3)


def test_upstream_bad_run(preset):
    cfg = up.UpstreamConfig.from_preset(preset)
    with pytest.raises(UserInputError):
        cfg.run_params("IV")
    with pytest.raises(UserInputError):
        up.PROCESS.rate(_ctx(preset, "I", upstream_e_range=(60.0, 90.0)))


# ---------------------------------------------------------------- decays in flight


def test_decay_probability_from_ctau():
    # pi at 100 GeV over 18 m: L m/(p c tau) = 1800 * 0.13957 / (100 * 780.45) = 3.22e-3
    assert dec.decay_probability(M_PI, CTAU_PI_CM, 100.0, 1800.0) == pytest.approx(
        1800 * M_PI / (100 * CTAU_PI_CM), rel=2e-3
    )
    assert dec.decay_probability(M_K, CTAU_K_CM, 100.0, 1800.0) == pytest.approx(0.0237, rel=0.02)


@given(st.floats(1.0, 5000.0), st.floats(1.01, 3.0), st.floats(10.0, 200.0))
def test_decay_probability_monotone_in_length(length, factor, p):
    a = dec.decay_probability(M_K, CTAU_K_CM, p, length)
    b = dec.decay_probability(M_K, CTAU_K_CM, p, length * factor)
    assert 0 <= a < b <= 1


@settings(max_examples=10)
@given(st.floats(500.0, 3000.0), st.floats(1.1, 2.0))
def test_decay_rate_grows_with_decay_volume(length, factor):
    base = load_preset("na64-2016")
    rates = []
    for lval in (length, length * factor):
        p = base.with_overrides(
            {"backgrounds": {"decays": {"decay_length_cm": lval, "tracker_end_cm": 300.0}}}
        )
        rates.append(dec.PROCESS.rate(_ctx(p)).per_eot)
    assert 0 < rates[0] < rates[1]


def test_decay_kinematics_energy_conservation_and_spectra():
    rng = np.random.default_rng(9)
    for ch in dec.CHANNELS:
        k = dec.decay_kinematics(ch, 5000, rng, 100.0)
        assert np.all(k.missing >= -1e-9)
        assert np.all(k.energy.sum(axis=1) <= np.sqrt(100.0**2 + dec.CHANNELS[ch][1] ** 2) + 1e-9)
    # two-body pi -> e nu: lab e energy uniform on [0, E] -> mean 50 GeV (+-2%)
    assert dec.decay_kinematics("pi_enu", 20000, rng, 100.0).energy[:, 0].mean() == pytest.approx(
        50.0, rel=0.02
    )
    # unpolarised Michel spectrum: <x> = 7/10 -> lab mean 35 GeV
    assert dec.decay_kinematics("mu_enunu", 20000, rng, 100.0).energy[:, 0].mean() == pytest.approx(
        35.0, rel=0.03
    )
    # Ke3: pi0 -> two photons, all visible but the neutrino
    k = dec.decay_kinematics("ke3", 5000, rng, 100.0)
    assert np.all(k.energy[:, 1:] > 0)


def test_ke3_angle_cut_is_meaningful():
    # the 5 mrad cut (spec Sec. VIII) removes a sizeable part of Ke3 electrons below 50 GeV but
    # few pi -> e nu electrons above 20 GeV (p_T <= m/2)
    rng = np.random.default_rng(10)
    k = dec.decay_kinematics("ke3", 20000, rng, 100.0)
    soft = k.energy.sum(axis=1) < 50
    ang = 1e3 * np.hypot(k.tx[:, 0], k.ty[:, 0])
    assert np.mean(ang[soft] > 5) > 0.3
    kp = dec.decay_kinematics("pi_enu", 20000, rng, 100.0)
    hard = kp.energy[:, 0] > 20
    assert np.mean(1e3 * np.hypot(kp.tx[hard, 0], kp.ty[hard, 0]) > 5) < 0.01


def test_decay_channel_rates_order(ctx):
    r = dec.PROCESS.channel_rates(ctx)
    # Ke3 (BR 5%, short c tau) dominates; K -> e nu (BR 1.6e-5) is the smallest
    assert max(r, key=r.get) == "ke3"
    assert min(r, key=r.get) == "k_enu"


# ---------------------------------------------------------------- accidental tags


@settings(max_examples=8)
@given(st.floats(0.5e6, 8e6))
def test_accidental_rate_linear_in_intensity(intensity):
    p = load_preset("na64-2016")
    g = SetupGeometry.from_preset(p)
    run = runs_from_preset(p)["I"]
    r1 = acc.PROCESS.rate(ProcessContext(p, g, replace(run, intensity_per_spill=intensity), "data")).per_eot
    r2 = acc.PROCESS.rate(
        ProcessContext(p, g, replace(run, intensity_per_spill=2 * intensity), "data")
    ).per_eot
    assert r1 > 0
    assert r2 / r1 == pytest.approx(2.0, rel=0.01)  # mu << 1: P = 1 - e^{-mu} ~ mu


def test_accidental_below_knockon(ctx):
    # Table IV: accidental tags (< 0.001) well below the knock-on-tagged decays (0.02)
    assert acc.PROCESS.rate(ctx).per_eot < 0.2 * (
        dec.PROCESS.rate(ctx).per_eot + ht.PROCESS.rate(ctx).per_eot
    )


@pytest.mark.parametrize("n", [1, 2, 7, 40])
def test_accidental_sample_is_stratified(ctx, n):
    # half decays, half target interactions: each event's weight is its component's share of the rate
    # over its share of the sample, so Σw = n and each component keeps its rate (one event: drawn in
    # proportion with weight 1)
    d, t = acc.PROCESS.components(ctx)
    sd, st = sum(d.values()), sum(t.values())
    assert 0 < sd < 1e-2 * st  # the decays, the only component that reaches the box, are rare
    b = acc.PROCESS.generate(n, np.random.default_rng(n), ctx)
    assert b.n == n and b.weight.sum() == pytest.approx(n, rel=1e-12)
    if n == 1:
        assert b.weight[0] == 1.0
        return
    w_d = (sd / (sd + st)) / ((n // 2) / n)
    assert np.sum(np.isclose(b.weight, w_d, rtol=1e-12)) == n // 2
    assert np.all(b.sr_energy.sum(axis=1) > 0)  # the tail electron's SR is the tag


def test_hadron_target_needs_tag_and_ps(ctx):
    r = ht.PROCESS.species_rates(ctx)
    assert set(r) == {"pi", "k", "mu"}
    # pions dominate (pi/e ~ 1e-2); muons need a brems photon in the preshower to fire the trigger
    assert r["pi"] > r["k"] > r["mu"] > 0
    b = ht.PROCESS.generate(40, np.random.default_rng(12), ctx)
    assert np.all(b.ps.sum(axis=(1, 2)) > 0.3)
    assert np.all(np.isin(b.beam_pdg, [-211, -321, 13]))


@settings(max_examples=6)
@given(st.floats(0.1, 10.0))
def test_beam_hadron_rates_linear_in_contamination(factor):
    base = load_preset("na64-2016")
    b = dict(base.data["backgrounds"]["beam"])
    scaled = base.with_overrides(
        {
            "backgrounds": {
                "beam": {
                    **b,
                    **{k: b[k] * factor for k in ("pion_fraction", "kaon_fraction", "muon_fraction")},
                }
            }
        }
    )
    for proc in (dec.PROCESS, ht.PROCESS):
        r0 = proc.rate(_ctx(base)).per_eot
        r1 = proc.rate(_ctx(scaled)).per_eot
        assert r0 > 0 and r1 >= 0
        assert r1 / r0 == pytest.approx(factor, rel=1e-9)


def test_upstream_run_needs_its_calibration_error(preset):
    # a run with a slope and n_b but no sigma(n_b) is not calibrated: no silent zero uncertainty
    t = dict(preset.data["from_spec"]["upstream_box_events"])
    t["err"] = {k: v for k, v in t["err"].items() if k != "II"}
    cfg = up.UpstreamConfig.from_preset(preset.with_overrides({"from_spec": {"upstream_box_events": t}}))
    assert cfg.run_params("I")[2] > 0
    with pytest.raises(UserInputError, match="from_spec"):
        cfg.run_params("II")


def test_zero_rate_cannot_give_events(ctx, preset):
    # asking for events of a channel mix without any positive rate is an error, not an empty batch
    with pytest.raises(UserInputError):
        ht.generate_target(5, np.random.default_rng(1), ctx, Process.HADRON_IN_TARGET, {"pi": 0.0, "mu": 0.0})
    assert ht.generate_target(0, np.random.default_rng(1), ctx, Process.HADRON_IN_TARGET, {"pi": 0.0}).n == 0
    a = dict(preset.data["backgrounds"]["accidental"])
    p = preset.with_overrides({"backgrounds": {"accidental": {**a, "tail_fraction": 0.0}}})
    c = ProcessContext(p, ctx.geometry, ctx.run, "mc")
    assert acc.PROCESS.rate(c).per_eot == 0.0
    assert acc.PROCESS.generate(0, np.random.default_rng(1), c).n == 0
    with pytest.raises(UserInputError, match="accidental"):
        acc.PROCESS.generate(3, np.random.default_rng(1), c)
