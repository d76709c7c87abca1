"""darkmiss.cache: atomic writes, the interrupted-run test hook, the cleanup of a killed writer's
temporary files, and the checks of output locations before any computing."""

from __future__ import annotations

import multiprocessing
import os
import signal
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from darkmiss.cache import (
    KILL_ENV,
    cached_packed,
    check_output_file,
    check_output_folder,
    remove_partial_files,
    store_packed,
    write_json_atomic,
    write_scope,
    write_text_atomic,
)
from darkmiss.errors import UserInputError


def _write_three(folder: str, kill: str) -> None:
    os.environ[KILL_ENV] = kill
    with write_scope("stage", folder):
        write_json_atomic(Path(folder) / "a.json", {"n": 1})
        write_text_atomic(Path(folder) / "b.txt", "x" * 1000)
        write_text_atomic(Path(folder) / "c.txt", "y" * 1000)
    os._exit(0)


@pytest.mark.parametrize(
    ("kill", "complete", "half"),
    [("stage:2", ["a.json"], "b.txt"), ("stage:3", ["a.json", "b.txt"], "c.txt")],
)
def test_the_hook_kills_in_the_middle_of_the_nth_write(tmp_path, kill, complete, half):
    proc = multiprocessing.get_context("fork").Process(target=_write_three, args=(str(tmp_path), kill))
    proc.start()
    proc.join(60)
    assert proc.exitcode == -signal.SIGKILL
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == complete
    (part,) = tmp_path.glob(f".{half}.*.part")
    assert 0 < part.stat().st_size < 1000  # half written
    assert remove_partial_files(tmp_path) == [part] and not list(tmp_path.rglob("*.part"))


def test_the_hook_counts_only_the_scope_folder_and_is_off_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(KILL_ENV, "stage:1")
    with write_scope("stage", tmp_path / "stage"):
        write_text_atomic(tmp_path / "cache" / "x.json", "{}")  # outside the stage folder: not counted
    with write_scope("other", tmp_path):
        write_text_atomic(tmp_path / "y.txt", "y")  # another scope
    monkeypatch.delenv(KILL_ENV)
    with write_scope("stage", tmp_path):
        write_text_atomic(tmp_path / "z.txt", "z")
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["x.json", "y.txt", "z.txt"]


def test_output_checks_create_nothing(tmp_path):
    target = tmp_path / "a" / "b"
    assert check_output_folder(target) == target and check_output_file(target / "f.png") == target / "f.png"
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "file").write_text("x")
    with pytest.raises(UserInputError, match="this path is a file"):
        check_output_folder(tmp_path / "file")
    with pytest.raises(UserInputError, match="is a file"):
        check_output_folder(tmp_path / "file" / "sub")
    with pytest.raises(UserInputError, match="this path is a folder"):
        check_output_file(tmp_path)
    with pytest.raises(UserInputError, match="can write"):
        check_output_folder("/proc/darkmiss-test/out", "out")


def test_atomic_writes_get_the_mode_of_an_ordinary_write(tmp_path):
    """The temporary file of an atomic write is made 0600; the renamed result must be readable as any
    file this process writes (0666 minus the umask), e.g. a results.json shared with a group."""
    write_text_atomic(tmp_path / "a.txt", "x")
    (tmp_path / "b.txt").write_text("x")
    assert (tmp_path / "a.txt").stat().st_mode & 0o777 == (tmp_path / "b.txt").stat().st_mode & 0o777


def test_input_digest_follows_the_inputs_and_the_code(monkeypatch):
    from darkmiss import cache

    a = {"x": np.arange(5.0), "cut": 48.0}
    assert cache.input_digest("fig7", a) == cache.input_digest("fig7", {"x": np.arange(5.0), "cut": 48.0})
    assert cache.input_digest("fig7", a) != cache.input_digest("fig7", {"x": np.arange(5.0), "cut": 47.5})
    assert cache.input_digest("fig7", a) != cache.input_digest("fig13", a)
    before = cache.input_digest("fig7", a)
    monkeypatch.setattr(cache, "source_digest", lambda: "other code")
    assert cache.input_digest("fig7", a) != before


def test_made_from_needs_the_file_and_its_recorded_digest(tmp_path):
    from darkmiss.cache import OUTPUT_DIGESTS, made_from, record_made_from
    from darkmiss.errors import DarkmissError

    assert made_from(tmp_path, {"a.png": "1"}) == set()
    (tmp_path / "a.png").write_bytes(b"a")
    (tmp_path / "b.png").write_bytes(b"b")
    record_made_from(tmp_path, {"a.png": "1", "b.png": "2"})
    record_made_from(tmp_path, {"b.png": "3"})  # an update keeps the other entries
    assert made_from(tmp_path, {"a.png": "1", "b.png": "2", "c.png": "4"}) == {"a.png"}
    assert made_from(tmp_path, {"b.png": "3"}) == {"b.png"}
    (tmp_path / "a.png").unlink()
    assert made_from(tmp_path, {"a.png": "1"}) == set()
    (tmp_path / OUTPUT_DIGESTS).write_text("{broken", encoding="utf-8")
    with pytest.raises(DarkmissError, match="unreadable record"):
        made_from(tmp_path, {"b.png": "3"})


_DTYPES = st.sampled_from(
    [np.float64, np.float32, np.int64, np.int16, np.int8, np.uint8, np.bool_, np.dtype(">f8")]
)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        _DTYPES.flatmap(
            lambda dt: hnp.arrays(dt, hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=5))
        ),
        min_size=0,
        max_size=5,
    ),
    st.dictionaries(
        st.text(max_size=5), st.one_of(st.integers(), st.floats(allow_nan=False), st.text(max_size=5))
    ),
)
def test_packed_entries_read_back_exactly(tmp_path_factory, arrays, meta):
    # what store_packed writes, cached_packed gives back bit for bit: dtypes (byte order included),
    # shapes (0-d and empty too), the metadata object; and the arrays are writable
    root = tmp_path_factory.mktemp("packed")
    named = {f"a{i}": a for i, a in enumerate(arrays)}
    store_packed("ns", "k", named, root, meta=meta)
    got, got_meta = cached_packed("ns", "k", root)
    assert got_meta == meta
    assert list(got) == list(named)
    for name, a in named.items():
        assert got[name].dtype == a.dtype and got[name].shape == a.shape
        assert got[name].tobytes() == a.tobytes()
        if got[name].size:
            got[name].flat[0] = got[name].flat[0]  # writable


def test_a_packed_entry_cut_short_or_of_another_format_is_no_entry(tmp_path):
    path = store_packed(
        "ns", "k", {"x": np.arange(100.0), "y": np.ones((3, 4), np.int8)}, tmp_path, meta={"a": 1}
    )
    whole = path.read_bytes()
    assert cached_packed("ns", "missing", tmp_path) is None
    for cut in (len(whole) - 1, len(whole) // 2, 20, 3, 0):
        path.write_bytes(whole[:cut])
        assert cached_packed("ns", "k", tmp_path) is None, cut
    path.write_bytes(b"PK\x03\x04" + whole[4:])  # not this format
    assert cached_packed("ns", "k", tmp_path) is None
    path.write_bytes(whole)
    assert cached_packed("ns", "k", tmp_path)[1] == {"a": 1}
    with pytest.raises(TypeError, match="object"):
        store_packed("ns", "o", {"o": np.array([None, 1], dtype=object)}, tmp_path)
