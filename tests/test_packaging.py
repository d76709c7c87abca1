"""The wheel carries the package data: the presets, the k-factor table and the published bounds.

CI installs darkmiss in editable mode, where a file missing from the wheel would go unnoticed; this test
builds the wheel (hatchling, the build backend of pyproject.toml) and compares its content with the
source tree.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "darkmiss"


@pytest.mark.slow
def test_the_wheel_holds_every_package_file(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = tmp_path.glob("darkmiss-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())

    shipped = {
        "darkmiss/" + p.relative_to(PACKAGE).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    }
    assert shipped <= names, sorted(shipped - names)
    # the data a physicist relies on, by name
    presets = {n for n in names if n.startswith("darkmiss/config/presets/na64-2016/") and n.endswith(".toml")}
    assert len(presets) >= 11
    assert "darkmiss/data/kfactor_table.npz" in names
    bounds = {n for n in names if n.startswith("darkmiss/data/bounds/")}
    assert {
        "darkmiss/data/bounds/babar_2017_invisible_eps.txt",
        "darkmiss/data/bounds/relic_target_y_majorana.csv",
    } <= bounds
    # the console script
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "darkmiss = darkmiss.cli.main:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
