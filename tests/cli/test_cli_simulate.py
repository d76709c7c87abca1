"""`darkmiss simulate` and `darkmiss plot fig7` in-process (CLI conventions of architecture.md)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from darkmiss.cli.main import main
from darkmiss.config.load import load_preset
from darkmiss.detsim.beam import with_beam
from darkmiss.detsim.generate import simulate
from darkmiss.detsim.processes import register_process, unregister_process
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate
from darkmiss.detsim.truth import TruthBatch
from darkmiss.events.io import read_events


class _Mix:
    """Dimuon-like (E_HCAL ≈ 10 GeV) and hadronic-like (sum ≈ 100 GeV) events with an SR tag."""

    name = "cli_toy"

    def rate(self, ctx: ProcessContext) -> RateEstimate:
        return RateEstimate(1e-5, 0.0, "test")

    def generate(self, n: int, rng: np.random.Generator, ctx: ProcessContext) -> TruthBatch:
        t = TruthBatch.empty(n)
        e = rng.uniform(10, 70, n)
        mu = rng.random(n) < 0.3
        t.ecal[:, 2, 2] = e
        t.ps[:, 2, 2] = 1.0
        t.hcal[:, 0, 1, 1] = np.where(mu, 3.0, 99.0 - e)
        t.hcal[:, 1, 1, 1] = np.where(mu, 3.0, 0.0)
        t.sr_energy[:] = 0.025
        return t


@pytest.fixture(autouse=True)
def _toy():
    register_process(_Mix())
    yield
    unregister_process("cli_toy")


def test_simulate_json_and_fig7(tmp_path, capsys):
    rc = main(
        [
            "simulate",
            "--run",
            "I,III",
            "--mode",
            "data",
            "--process",
            "cli_toy",
            "--eot",
            "2e7",
            "--out",
            str(tmp_path / "ev"),
            "--seed",
            "4",
            "--json",
        ]
    )
    cap = capsys.readouterr()
    assert rc == 0
    out = json.loads(cap.out)
    assert {r["run"] for r in out["processes"]} == {"I", "III"}
    assert out["mean_pileup"]["III"] > out["mean_pileup"]["I"] > 0
    assert all(r["generated"] > 100 for r in out["processes"])
    rc = main(["plot", "fig7", "--events", str(tmp_path / "ev"), "--out", str(tmp_path / "fig"), "--json"])
    cap = capsys.readouterr()
    assert rc == 0
    panels = {p["run"]: p for p in json.loads(cap.out)}
    assert (tmp_path / "fig" / "fig7_left_runIII.png").stat().st_size > 1000
    assert panels["I"]["region_I"] > 0 and panels["I"]["region_II"] > 0
    assert panels["III"]["pileup_fraction"] > panels["I"]["pileup_fraction"] > 0
    # rerun: everything is skipped
    rc = main(
        [
            "simulate",
            "--run",
            "I,III",
            "--mode",
            "data",
            "--process",
            "cli_toy",
            "--eot",
            "2e7",
            "--out",
            str(tmp_path / "ev"),
            "--seed",
            "4",
            "--json",
        ]
    )
    assert rc == 0 and json.loads(capsys.readouterr().out)["chunks_written"] == 0


@pytest.mark.parametrize(
    "args",
    [
        ["--run", "IV"],
        ["--mode", "real"],
        ["--trigger", "beam"],
        ["--process", "nonsense"],
        ["--eot", "-5"],
        ["--eot", "abc"],
        ["--preset", "no-such-preset"],
        ["--mass", "0.01"],
        ["--workers", "0"],
    ],
)
def test_bad_options_one_line_exit_2(tmp_path, capsys, args):
    rc = main(["simulate", "--out", str(tmp_path), "--process", "cli_toy", *args])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.startswith("darkmiss: error:") and "\n" not in err


def test_fig7_missing_events(tmp_path, capsys):
    assert main(["plot", "fig7", "--events", str(tmp_path / "none"), "--out", str(tmp_path)]) == 2


def test_simulate_positron_beam_truth(tmp_path, capsys):
    """``--beam e+``: the beam species are the positive beam's, the recorded primary a positron."""
    out = tmp_path / "ev"
    args = ["simulate", "--run", "I", "--mode", "mc", "--process", "cli_toy", "--eot", "3e6"]
    rc = main([*args, "--beam", "e+", "--out", str(out), "--json"])
    res = json.loads(capsys.readouterr().out)
    assert rc == 0 and res["beam"] == "e+"
    sample = read_events(out, ["true_beam_pdg"])
    pdg = np.asarray(sample.arrays["true_beam_pdg"])
    assert pdg.size > 0 and np.all(pdg == -11)
    assert json.loads((out / "simulation.json").read_text())["extra"]["beam"] == "e+"


def test_simulate_keeps_a_positron_preset(tmp_path):
    """A preset already set to e+ (as `reproduce --beam e+` hands it) is simulated as it is."""
    pos = with_beam(load_preset("na64-2016"), "e+")
    s = simulate(pos, "I", "mc", tmp_path / "ev", processes=["cli_toy"], eot=3e6)
    assert s.extra["beam"] == "e+"
    pdg = np.asarray(read_events(tmp_path / "ev", ["true_beam_pdg"]).arrays["true_beam_pdg"])
    assert pdg.size > 0 and np.all(pdg == -11)


@pytest.mark.parametrize("beam", ["mu-", "mu+", "mu"])
def test_simulate_refuses_muon_beams(tmp_path, capsys, beam):
    rc = main(["simulate", "--out", str(tmp_path), "--process", "cli_toy", "--beam", beam])
    err = capsys.readouterr().err.strip()
    assert rc == 2
    assert err.startswith("darkmiss: error:") and "\n" not in err and "muon beams" in err
