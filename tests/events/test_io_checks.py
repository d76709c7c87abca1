"""Event files are checked before any computing: a truncated file, a file another program wrote, a
folder without event files are one-line user errors naming the file; damaged compressed data is found
when the file is read, with the same kind of error."""

from __future__ import annotations

import numpy as np
import pytest
import uproot

from darkmiss.errors import UserInputError
from darkmiss.events.io import check_event_files, read_events, write_events
from darkmiss.events.schema import empty_events


@pytest.fixture
def good(tmp_path):
    ev = empty_events(500)
    ev["event_id"][:] = np.arange(500)
    ev["ecal_energy"][:] = np.linspace(0.0, 100.0, 500)
    return write_events(tmp_path / "good" / "run.root", ev, {"run": "I", "mode": "data", "eot": 1e9})


def test_a_good_file_passes_with_its_metadata(good):
    (meta,) = check_event_files(good.parent).values()
    assert meta["mode"] == "data"


@pytest.mark.parametrize("fraction", [0.1, 0.5, 0.9, 0.99])
def test_truncated_files_are_refused_before_reading(good, tmp_path, fraction):
    data = good.read_bytes()
    bad = tmp_path / "trunc" / "run.root"
    bad.parent.mkdir()
    bad.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(UserInputError, match="truncated") as err:
        check_event_files(bad.parent)
    assert str(bad) in str(err.value)


def test_foreign_and_non_root_files_and_empty_folders(tmp_path):
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "x.root").write_text("not ROOT")
    with pytest.raises(UserInputError, match="readable darkmiss event file"):
        check_event_files(tmp_path / "text")
    (tmp_path / "other").mkdir()
    with uproot.recreate(tmp_path / "other" / "x.root") as f:
        f["t"] = {"x": np.arange(3)}
    with pytest.raises(UserInputError, match="event file"):
        check_event_files(tmp_path / "other")
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserInputError, match=r"\*.root event files"):
        check_event_files(tmp_path / "empty")
    with pytest.raises(UserInputError, match="existing"):
        check_event_files(tmp_path / "missing")


def test_damaged_data_is_a_user_error_when_read(good, tmp_path):
    data = bytearray(good.read_bytes())
    # the middle of the first basket of the (all-zero, hence compressed) waveforms' branch: an LZ4 basket
    # that does not shrink is stored as it is, and damage to it would only change values
    with uproot.open(good) as f:
        branch = f["events"]["ecal_waveforms"]
        seek, size = int(branch.member("fBasketSeek")[0]), int(branch.member("fBasketBytes")[0])
    mid = seek + size // 2
    data[mid : mid + size // 4] = bytes(size // 4)
    bad = tmp_path / "damaged" / "run.root"
    bad.parent.mkdir()
    bad.write_bytes(bytes(data))
    with pytest.raises(UserInputError, match="readable darkmiss event file") as err:
        read_events(bad.parent)
    assert str(bad) in str(err.value)


def test_event_files_are_lz4_compressed_and_zlib_files_read_alike(good, tmp_path):
    with uproot.open(good) as f:
        assert isinstance(f.file.compression, uproot.LZ4)
    # a file of an earlier version (uproot's default compression, zlib) reads the same
    ref = read_events(good)
    old = tmp_path / "zlib" / "run.root"
    old.parent.mkdir()
    with uproot.open(good) as src, uproot.recreate(old, compression=uproot.ZLIB(1)) as dst:
        dst["metadata"] = str(src["metadata"])
        tree = src["events"]
        dst.mktree("events", {k: tree[k].interpretation.numpy_dtype for k in tree.keys()})
        dst["events"].extend(tree.arrays(library="np"))
    with uproot.open(old) as f:
        assert isinstance(f.file.compression, uproot.ZLIB)
    got = read_events(old)
    assert got.metadata == ref.metadata
    assert all(np.array_equal(got.arrays[k], v) for k, v in ref.arrays.items())
