"""Interrupted reproductions resume: SIGKILL in the middle of writing a chunk or a stage output (the test
hook ``DARKMISS_TEST_KILL_AT`` of darkmiss.cache), in the data, mc, analysis and limits stages; each rerun
reuses the finished stages and says so; the final results.json equals an uninterrupted run's (apart from
``provenance``); no half-written file is left; a second reproduction into a folder in use
is refused while the first one runs, and a killed run's lock never blocks its rerun.

The chain runs on the tiny preset of tests/data/tiny_preset.py (run I, minimal statistics), one worker.
The reference is the command line in a subprocess; the interrupted runs are ``darkmiss`` processes
forked from the test (each one a whole reproduction that the hook kills), which spares each of them the
seconds of importing the chain.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from darkmiss.cache import KILL_ENV
from darkmiss.cli.main import main
from darkmiss.pipeline.stages import LOCK_NAME, MARKER_NAME

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from tiny_preset import write_tiny_preset

#: (kill point, the stage it interrupts, the stages finished before it). ``SCOPE:N`` is the N-th file
#: write inside the stage: a chunk file (data, mc: the ROOT file between its tree header and its
#: events) or a stage output (analysis: the first reconstruction it keeps for the unblinding, limits:
#: limits.json half written).
KILLS = (
    ("data:1", "data", ("yields",)),
    ("mc:1", "mc", ("yields", "data")),
    ("analysis:1", "analysis", ("yields", "data", "mc")),
    ("limits:1", "limits", ("yields", "data", "mc", "analysis", "optimise", "unblind")),
)


def _command(preset: Path, out: Path) -> list[str]:
    return [
        sys.executable, "-m", "darkmiss.cli.main", "reproduce", "--preset", str(preset), "--out", str(out),
        "--quick", "--workers", "1", "--seed", "3",
    ]  # fmt: skip


def _env() -> dict[str, str]:
    env = dict(os.environ, MPLBACKEND="Agg", COLUMNS="200")
    env.pop(KILL_ENV, None)
    return env


def _darkmiss_child(argv: list[str], kill: str | None, log: str) -> None:
    """A forked ``darkmiss`` process: the kill point in its environment, its output into ``log``."""
    os.environ.pop(KILL_ENV, None)
    if kill is not None:
        os.environ[KILL_ENV] = kill
    fh = open(log, "w", encoding="utf-8")
    os.dup2(fh.fileno(), 1)
    os.dup2(fh.fileno(), 2)
    sys.stdout = sys.stderr = fh
    rc = main(argv)
    fh.flush()
    os._exit(rc)


def _fork_darkmiss(argv: list[str], kill: str | None, log: Path) -> tuple[int, str]:
    """Run ``darkmiss argv`` in a forked process; its exit code (−9 when killed) and its output."""
    proc = multiprocessing.get_context("fork").Process(target=_darkmiss_child, args=(argv, kill, str(log)))
    proc.start()
    proc.join(timeout=900)
    assert proc.exitcode is not None, f"darkmiss {argv} did not finish"
    return proc.exitcode, log.read_text(encoding="utf-8")


def _without_run_details(path: Path) -> dict:
    d = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in d.items() if k != "provenance"}


def _partial_files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.part"))


@pytest.mark.slow
def test_killed_reproduction_resumes_identically(tmp_path, capsys):
    preset = write_tiny_preset(tmp_path / "preset")
    ref_out, out = tmp_path / "reference", tmp_path / "interrupted"

    # the uninterrupted reference runs beside the interrupted sequence (two cores); its output goes to a
    # file (a pipe nobody reads could fill and stall it)
    ref_log = tmp_path / "reference.log"
    with open(ref_log, "w") as fh:
        reference = subprocess.Popen(
            _command(preset, ref_out), env=_env(), stdout=fh, stderr=subprocess.STDOUT
        )
    try:
        # a second reproduction into the folder the reference is writing is refused, in one line
        deadline = time.monotonic() + 120
        while not (ref_out / MARKER_NAME).is_file() and reference.poll() is None:
            assert time.monotonic() < deadline, "the reference run never locked its folder"
            time.sleep(0.2)
        assert reference.poll() is None, ref_log.read_text()[-3000:]
        assert main(["reproduce", "--preset", str(preset), "--out", str(ref_out), "--quick"]) == 2
        err = capsys.readouterr().err
        (line,) = err.splitlines()
        assert line.startswith("darkmiss: error: invalid out=") and str(ref_out) in line
        assert "another" in line or "no other" in line

        argv = _command(preset, out)[3:]
        before: tuple[str, ...] = ()
        for kill, stage, finished in KILLS:
            rc, output = _fork_darkmiss(argv, kill, tmp_path / f"{stage}.log")
            assert rc == -signal.SIGKILL, (kill, rc, output[-3000:])
            done = sorted(p.parent.name for p in out.glob("stages/*/DONE.json"))
            assert done == sorted(finished), (kill, done)
            # killed in the middle of a write: its temporary file is there, the stage is not done
            partial = _partial_files(out)
            assert partial and all(stage in p.relative_to(out).parts for p in partial), (kill, partial)
            # this rerun reused the stages the previous kill had left finished, and logged each one
            log = " ".join(output.split())
            for s in before:
                assert f"stage {s}: reused" in log, (kill, s, log[-2000:])
            before = finished

        rc, output = _fork_darkmiss(argv, None, tmp_path / "final.log")
        assert rc == 0, output[-3000:]
        reused = KILLS[-1][2]
        log = " ".join(output.split())
        assert f"reused {len(reused)} finished stage(s) of an earlier run: {', '.join(reused)}" in log
        for s in reused:
            assert f"stage {s}: reused" in log
        assert "stage limits: left unfinished by an earlier run" in log
        stages = json.loads((out / "results.json").read_text())["provenance"]["stages"]
        assert [s["stage"] for s in stages if s["reused"]] == list(reused)

        assert reference.wait(timeout=600) == 0, ref_log.read_text()[-3000:]
    finally:
        if reference.poll() is None:
            reference.kill()
            reference.wait()

    assert _without_run_details(out / "results.json") == _without_run_details(ref_out / "results.json")
    assert not _partial_files(out) and not _partial_files(ref_out)
    assert (out / LOCK_NAME).is_file() and (out / "report.html").is_file()


def test_a_rerun_logs_each_stage_it_reuses(tmp_path):
    """Unit level (no subprocess): StageRunner's log names every reused stage."""
    from darkmiss.pipeline.stages import StageRunner

    lines: list[str] = []
    for _ in range(2):
        runner = StageRunner(tmp_path, log=lines.append)
        runner.run("a", {"x": 1}, lambda folder: {"n": 1})
        runner.run("b", {"y": 1}, lambda folder: {"n": 2}, depends=("a",))
    assert [ln.split(":")[0] for ln in lines] == ["stage a", "stage b"]
    assert all("reused" in ln for ln in lines)
