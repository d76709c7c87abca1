"""Shared test configuration: hypothesis profiles, a temporary cache, non-interactive plotting, and the
one `reproduce --quick` run of a test session."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

from readme_commands import console_script, main_command

matplotlib.use("Agg")

settings.register_profile(
    "darkmiss",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "darkmiss"))


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test writes caches into a temporary folder, never into the user's."""
    if "DARKMISS_CACHE" not in os.environ or os.environ.get("DARKMISS_TEST_SHARED_CACHE") != "1":
        monkeypatch.setenv("DARKMISS_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@dataclass(frozen=True)
class QuickRun:
    """The README's main command run with ``--quick``: its argv, working folder, output folder, result."""

    argv: list[str]
    work: Path
    root: Path
    env: dict[str, str]
    proc: subprocess.CompletedProcess[str]


@pytest.fixture(scope="session")
def quick_reproduction(tmp_path_factory) -> QuickRun:
    """The README's main command, as printed plus ``--quick``, run once per session through the installed
    console script from a fresh working folder with its relative ``--out`` (tests/test_readme.py and the
    regression pins of tests/pipeline/test_regression_pins.py share it: CI runs the quick chain once)."""
    argv = [console_script(), *main_command()[1:], "--quick"]
    work = tmp_path_factory.mktemp("readme") / "fresh"
    work.mkdir()
    env = dict(os.environ, MPLBACKEND="Agg")
    if os.environ.get("DARKMISS_TEST_SHARED_CACHE") != "1":
        env["DARKMISS_CACHE"] = str(tmp_path_factory.getbasetemp() / "cache")
    proc = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=1500)
    return QuickRun(argv, work, work / argv[argv.index("--out") + 1], env, proc)
