"""The reconstruction cache of the analysis inputs (analysis/inputs.py, ``reco_cache``): what it returns
equals a fresh reconstruction, blinding still applies to what it returns, and its key holds everything
reconstruction depends on (the file and the settings) but the signal-box edges, which reconstruction does not
read (so the blinded analysis and the unblinding at the frozen cut share one entry)."""

from __future__ import annotations

import os
from dataclasses import fields, replace

import numpy as np
import pytest

import darkmiss.analysis.inputs as inputs_mod
from darkmiss.analysis.inputs import load_inputs, reco_cache_key
from darkmiss.analysis.pseudodata import write_pseudodata
from darkmiss.config.load import load_preset
from darkmiss.events.io import event_files
from darkmiss.reco.config import AnalysisConfig
from darkmiss.reco.reconstruct import RecoEvents, reconstruct_file

CFG = AnalysisConfig.from_preset(load_preset("na64-2016"))


def _runs() -> dict:
    return {
        r: {
            "n_em": 60, "n_upstream": 60, "slope": 0.3, "n_hadronic": 30, "n_dimuon": 40, "n_cal": 30,
            "track_loss": 0.1, "pileup_prob": 0.05, "eot": 1e10, "intensity": 3e6,
        }
        for r in ("I", "II")
    }  # fmt: skip


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    base = tmp_path_factory.mktemp("recocache")
    write_pseudodata(base / "data", CFG, 5, runs=_runs(), n_signal_injected=40, signal_mass=0.01)
    return base / "data"


def _same(a: RecoEvents, b: RecoEvents) -> None:
    for f in fields(RecoEvents):
        np.testing.assert_array_equal(getattr(a, f.name), getattr(b, f.name), err_msg=f.name)


def test_cached_reconstruction_equals_fresh_and_is_blinded(data, tmp_path, monkeypatch):
    fresh = load_inputs(data, None, CFG, None, blinded=True)
    first = load_inputs(data, None, CFG, None, blinded=True, reco_cache=tmp_path / "reco")
    assert len(list((tmp_path / "reco" / "reco").glob("*.packed"))) == len(event_files(data))

    def no_reconstruction(*args):  # a second analysis of the same files must not reconstruct any
        raise AssertionError("reconstructed a file found in the cache")

    monkeypatch.setattr(inputs_mod, "_reco_task", no_reconstruction)
    again = load_inputs(data, None, CFG, None, blinded=True, reco_cache=tmp_path / "reco")
    _same(fresh.data, first.data)
    _same(fresh.data, again.data)
    assert [i.__dict__ for i in again.data_files] == [i.__dict__ for i in fresh.data_files]
    # the entries hold every event; blinding is applied to what is read back
    opened = load_inputs(data, None, CFG, None, blinded=False, reco_cache=tmp_path / "reco")
    assert opened.data.n > again.data.n


def test_key_follows_the_file_and_the_settings_but_not_the_box_edges(data):
    path = event_files(data)[0]
    key = reco_cache_key(path, CFG, None)
    assert reco_cache_key(path, CFG.with_cuts(ecal_cut=30.0, hcal_cut=0.5), None) == key
    assert reco_cache_key(path, replace(CFG, hcal_cell_threshold=0.2), None) != key
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert reco_cache_key(path, CFG, None) != key


def test_reconstruction_does_not_read_the_box_edges(data):
    # the assumption behind the key: reconstructing with other signal-box edges changes nothing
    path = event_files(data)[0]
    a, _ = reconstruct_file(path, CFG, None)
    b, _ = reconstruct_file(path, CFG.with_cuts(ecal_cut=20.0, hcal_cut=5.0), None)
    _same(a, b)
