"""Stage caching of `reproduce` (pipeline/stages.py): reuse when nothing changed, rerun dependents."""

from __future__ import annotations

import json

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
