"""Stage caching of `reproduce` (pipeline/stages.py): reuse when nothing changed, rerun dependents."""

from __future__ import annotations

import json

import pytest

from darkmiss.pipeline.stages import StageRunner


def _counting(calls: list[str], name: str):
    def fn(folder):
        calls.append(name)
        (folder / "out.json").write_text(json.dumps({"stage": name}))
        return {"n": len(calls)}

    return fn


def test_rerun_with_nothing_changed_reuses_every_stage(tmp_path):
    calls: list[str] = []
    r1 = StageRunner(tmp_path)
    r1.run("a", {"x": 1}, _counting(calls, "a"))
    r1.run("b", {"y": 2}, _counting(calls, "b"), depends=("a",))
    assert calls == ["a", "b"]
    r2 = StageRunner(tmp_path)
    r2.run("a", {"x": 1}, _counting(calls, "a"))
    r2.run("b", {"y": 2}, _counting(calls, "b"), depends=("a",))
    assert calls == ["a", "b"]  # nothing re-ran
    assert all(rec.reused for rec in r2.records)


def test_a_change_reruns_only_what_depends_on_it(tmp_path):
    calls: list[str] = []
    r1 = StageRunner(tmp_path)
    r1.run("a", {"x": 1}, _counting(calls, "a"))
    r1.run("b", {"y": 2}, _counting(calls, "b"), depends=("a",))
    r1.run("c", {"z": 3}, _counting(calls, "c"))
    calls.clear()
    r2 = StageRunner(tmp_path)
    r2.run("a", {"x": 99}, _counting(calls, "a"))  # changed
    r2.run("b", {"y": 2}, _counting(calls, "b"), depends=("a",))  # depends on the change
    r2.run("c", {"z": 3}, _counting(calls, "c"))  # independent
    assert calls == ["a", "b"]
    assert [rec.reused for rec in r2.records] == [False, False, True]


def test_interrupted_stage_is_redone(tmp_path):
    calls: list[str] = []

    def boom(folder):
        (folder / "half.json").write_text("{")
        raise KeyboardInterrupt

    r1 = StageRunner(tmp_path)
    try:
        r1.run("a", {"x": 1}, boom)
    except KeyboardInterrupt:
        pass
    assert not (tmp_path / "stages" / "a" / "DONE.json").exists()
    StageRunner(tmp_path).run("a", {"x": 1}, _counting(calls, "a"))
    assert calls == ["a"]
    assert not (tmp_path / "stages" / "a" / "half.json").exists()  # the half-written stage was cleared


def test_done_markers_of_another_layout_are_redone(tmp_path):
    calls: list[str] = []
    StageRunner(tmp_path).run("a", {"x": 1}, _counting(calls, "a"))
    done = tmp_path / "stages" / "a" / "DONE.json"
    meta = json.loads(done.read_text())
    assert meta["schema_version"] == 1
    done.write_text(json.dumps({k: v for k, v in meta.items() if k != "schema_version"}))
    StageRunner(tmp_path).run("a", {"x": 1}, _counting(calls, "a"))
    assert calls == ["a", "a"]


def test_the_output_folder_of_a_reproduction(tmp_path):
    """Only new, empty or darkmiss-written folders are used; the marker says whose it is."""
    from darkmiss.errors import UserInputError
    from darkmiss.pipeline.stages import LOCK_NAME, check_output_root, write_marker, written_by_reproduce

    assert check_output_root(tmp_path / "new") == tmp_path / "new"
    assert check_output_root(tmp_path) == tmp_path  # empty
    (tmp_path / "thesis.tex").write_text("mine")
    with pytest.raises(UserInputError, match="holds other files"):
        check_output_root(tmp_path)
    write_marker(tmp_path)
    assert written_by_reproduce(tmp_path) and check_output_root(tmp_path) == tmp_path
    killed = tmp_path / "killed"
    killed.mkdir()
    (killed / LOCK_NAME).write_text("123\n")
    (killed / ".results.json.abc.part").write_text("{")
    assert written_by_reproduce(killed)  # only a lock and a half-written file: a run killed at its start


def _hold_lock(folder: str, ready, release) -> None:
    from darkmiss.pipeline.stages import output_lock

    with output_lock(folder):
        ready.set()
        release.wait(60)


def test_the_lock_refuses_a_second_writer_and_dies_with_its_process(tmp_path):
    import multiprocessing

    from darkmiss.errors import UserInputError
    from darkmiss.pipeline.stages import output_lock

    ctx = multiprocessing.get_context("fork")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(tmp_path), ready, release))
    holder.start()
    assert ready.wait(60)
    with pytest.raises(UserInputError, match="no other `darkmiss reproduce`"), output_lock(tmp_path):
        pass
    holder.kill()  # SIGKILL: the kernel drops its lock
    holder.join(60)
    with output_lock(tmp_path):
        pass


def test_prepare_runs_once_inside_the_first_listed_stage_that_computes(tmp_path):
    calls: list[str] = []
    prepared: list[int] = []
    r1 = StageRunner(tmp_path, prepare=lambda: prepared.append(len(calls)), prepare_stages=("b", "c"))
    r1.run("a", {"x": 1}, _counting(calls, "a"))  # not listed: no preparation
    assert prepared == []
    r1.run("b", {"y": 2}, _counting(calls, "b"))
    r1.run("c", {"z": 3}, _counting(calls, "c"))
    assert prepared == [1]  # once, before b's own work, after a
    # a rerun with every listed stage reused prepares nothing; a changed one prepares again, once
    r2 = StageRunner(tmp_path, prepare=lambda: prepared.append(-1), prepare_stages=("b", "c"))
    r2.run("a", {"x": 1}, _counting(calls, "a"))
    r2.run("b", {"y": 2}, _counting(calls, "b"))
    assert prepared == [1]
    r2.run("c", {"z": 4}, _counting(calls, "c"))
    assert prepared == [1, -1]


def test_what_prepare_returns_is_awaited_when_the_stage_work_ends(tmp_path):
    log: list[str] = []

    def prepare():
        log.append("prepare")
        return lambda: log.append("finish")

    def work(folder):
        log.append("work")
        assert not (folder / "DONE.json").exists()
        return {}

    r = StageRunner(tmp_path, prepare=prepare, prepare_stages=("a",))
    r.run("a", {}, work)
    assert log == ["prepare", "work", "finish"]

    # a stage that fails still waits for it, and its own error is the one raised, not the waiter's
    def failing_finish():
        log.append("finish")
        raise RuntimeError("the waiter's error")

    def broken(folder):
        raise ValueError("the stage's error")

    log.clear()
    r2 = StageRunner(tmp_path / "2", prepare=lambda: failing_finish, prepare_stages=("a",))
    with pytest.raises(ValueError, match="the stage's error"):
        r2.run("a", {}, broken)
    assert log == ["finish"]
