"""Shared test configuration: hypothesis profiles, a temporary cache, non-interactive plotting."""

from __future__ import annotations

import os

import matplotlib
import pytest
from hypothesis import HealthCheck, settings

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
