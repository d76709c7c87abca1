"""The signal process per mediator and model (detsim.processes.signal): the forced emission of the
mediator, the model's production factor on the rate, the vector default unchanged, and the
(mediator, model) options that the event files carry."""

from __future__ import annotations

import numpy as np
import pytest

from darkmiss.config.load import load_preset
from darkmiss.config.schema import SetupGeometry, runs_from_preset
from darkmiss.detsim.processes.base import ProcessContext
from darkmiss.detsim.processes.signal import PROCESS, signal_model_options
from darkmiss.errors import UserInputError
from darkmiss.physics.models import get_model
from darkmiss.shower.response import signal_sample

PRESET = load_preset("na64-2016").with_overrides(
    {"production": {"prefilter_cuts": {"rate_sample_events": 300}}}
)
SETUP = SetupGeometry.from_preset(PRESET)
RUN = runs_from_preset(PRESET)["I"]
MASS = 0.0167


def _ctx(**options) -> ProcessContext:
    return ProcessContext(
        PRESET, SETUP, RUN, "mc", 100.0, {"trigger": "physics", "mass": MASS, "epsilon": 1e-4, **options}
    )


def test_the_vector_default_is_the_explicit_vector():
    a = signal_sample(MASS, 60, SETUP, np.random.default_rng(5), threshold=50.0)
    b = signal_sample(MASS, 60, SETUP, np.random.default_rng(5), threshold=50.0, mediator="vector")
    assert np.array_equal(a.weight, b.weight) and np.array_equal(a.aprime_energy, b.aprime_energy)
    assert np.array_equal(a.response.ecal, b.response.ecal)


def test_rate_per_mediator_and_model():
    vec = PROCESS.rate(_ctx()).per_eot
    sca = PROCESS.rate(_ctx(mediator="scalar")).per_eot
    # σ_WW coefficients 2/3 (spin 0) vs 4/3 (vector): the scalar rate is about half (±30%: ETL, threshold)
    assert 0.3 < sca / vec < 0.7
    assert PROCESS.rate(_ctx(mediator="vector", model="B-L")).per_eot == vec  # |Q_e| = 1
    pf = get_model("Lmu-Ltau").production_factor("e-", MASS)
    assert PROCESS.rate(_ctx(mediator="vector", model="Lmu-Ltau")).per_eot == pytest.approx(
        pf * vec, rel=1e-12
    )
    with pytest.raises(UserInputError, match="model"):
        PROCESS.rate(_ctx(mediator="scalar", model="B-L"))


def test_options_written_into_the_files():
    assert signal_model_options() == {}
    assert signal_model_options("vector", "dark-photon") == {}
    assert signal_model_options("axial") == {"mediator": "axial"}
    assert signal_model_options("vector", "B-L") == {"mediator": "vector", "model": "B-L"}
