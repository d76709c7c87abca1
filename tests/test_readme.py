"""The README's commands work exactly as printed.

The command lines are read from the README's code blocks when the test runs (never copied here): the
main one, the first ``darkmiss reproduce`` line, runs through the installed console script from a fresh
working folder with its relative ``--out`` and ``--quick`` appended, as a new user would run it.
"""

from __future__ import annotations

import json
import shlex
import subprocess
from pathlib import Path

import pytest

from darkmiss.cli.main import main
from readme_commands import main_command, readme_commands


def test_readme_has_the_main_command_with_a_relative_out():
    argv = main_command()
    out = argv[argv.index("--out") + 1]
    assert not Path(out).is_absolute()


@pytest.mark.parametrize("command", readme_commands())
def test_every_readme_command_exists(command, capsys):
    # `darkmiss plot limits …` → the command path before the first option; its --help must work
    words = [w for w in shlex.split(command.replace("|", " "))[1:]]
    path = []
    for w in words:
        if w.startswith("-") or w.startswith("["):
            break
        path.append(w)
    assert main([*path, "--help"]) == 0, command


@pytest.mark.slow
def test_readme_main_command_quick_from_a_fresh_folder(quick_reproduction, tmp_path):
    """The main command, run as printed (+ --quick) from a fresh folder with its relative --out (the
    session's one quick run, conftest.quick_reproduction)."""
    argv, work, env, proc = (
        quick_reproduction.argv, quick_reproduction.work, quick_reproduction.env, quick_reproduction.proc,
    )  # fmt: skip
    out = Path(argv[argv.index("--out") + 1])
    assert proc.returncode == 0, proc.stderr[-4000:]
    root = quick_reproduction.root
    res = json.loads((root / "results.json").read_text())
    html = (root / "report.html").read_text()
    assert "<img" in html and "data:image/png;base64," in html and "Provenance" in html
    hepdata = root / "stages" / "limits" / "hepdata"
    assert (hepdata / "submission.yaml").exists() and (hepdata / "submission.tar.gz").exists()
    assert sorted((root / "stages" / "limits" / "workspaces").glob("workspace_mA*.json"))
    # nothing was written outside the relative --out folder
    assert sorted(p.name for p in work.iterdir()) == [out.parts[0]]

    # the keys a physicist reads first, and sanity of the limits
    assert {"limits", "background", "observed", "eot", "efficiency", "seed"} <= set(res)
    assert {"total", "total_err", "per_run"} <= set(res["background"])
    assert len(res["observed"]) == 3 and all(isinstance(n, int) for n in res["observed"])
    assert res["blinded"] is False and res["cut_optimisation"]["chosen_cut"] is not None
    rows = res["limits"]
    assert rows and all(0 < r["epsilon_etl"] < 1 for r in rows)
    eps = {round(r["mass"], 6): r["epsilon_etl"] for r in rows}
    assert eps[0.002] < eps[0.0167] < eps[0.1] < eps[0.5]
    # ETL below WW production for heavy A' (k ≈ 1.7 at 100 MeV, spec Sec. II): weaker ETL limits there
    assert all(r["epsilon_etl"] > r["epsilon_ww"] for r in rows if r["mass"] >= 0.1)

    from darkmiss.report.browser import find_chromium, screenshot

    if find_chromium() is not None:
        png = screenshot(root / "report.html", tmp_path / "report.png")
        assert png.stat().st_size > 10_000

    # a rerun with nothing changed reuses every stage and exits 0
    rerun = subprocess.run([*argv, "--json"], cwd=work, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-4000:]
    res2 = json.loads(rerun.stdout)
    stages = res2["provenance"]["stages"]
    assert stages and all(s["reused"] for s in stages)
    assert [r["epsilon_etl"] for r in res2["limits"]] == [r["epsilon_etl"] for r in rows]
