"""Stage caching for long productions: each stage's output folder is keyed by a hash of its inputs.

A stage is re-run only when its key (its own parameters plus the keys of the stages it depends
on) changes; a finished stage leaves ``DONE.json`` (written atomically, last), so an interrupted
stage is redone and a finished one is reused.

The output folder of a reproduction carries a marker (:data:`MARKER_NAME`), so that darkmiss never
resumes in, or clears stages of, a folder it did not write (:func:`check_output_root`), and a lock
(:func:`output_lock`, ``fcntl.flock`` on :data:`LOCK_NAME`): a second reproduction into a folder in
use is refused, and the lock of a killed run goes with its process, so it never blocks the rerun.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from darkmiss import __version__
from darkmiss.cache import PARTIAL_SUFFIX, check_output_folder, hash_key, write_json_atomic, write_scope
from darkmiss.errors import UserInputError
from darkmiss.parallel import peak_rss_mb, record_usage

#: The marker of a folder written by ``darkmiss reproduce``, and the layout version of its JSON files.
MARKER_NAME = ".darkmiss-out.json"
MARKER_SCHEMA_VERSION = 1
#: The lock file of a reproduction's output folder.
LOCK_NAME = ".darkmiss.lock"
#: Layout version of ``DONE.json`` (a stage marked in another layout is redone).
DONE_SCHEMA_VERSION = 1


@dataclass
class StageRecord:
    """What happened to one stage: its key, whether it was reused, how long it took [s], and ``usage``:
    the wall and CPU time [s] and peak memory [MB] of the main process and of each worker process."""

    name: str
    key: str
    reused: bool
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)
    usage: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The provenance entry of the stage (times rounded to 10 ms)."""
        return {
            "stage": self.name,
            "key": self.key,
            "reused": self.reused,
            "seconds": round(self.seconds, 2),
        } | self.usage


class StageRunner:
    """Runs named stages under ``root/stages/<name>``, reusing those whose key did not change.

    ``log`` (if given) receives one line per stage that is reused or redone after an interruption.
    ``prepare`` (if given) runs once, inside the first stage named in ``prepare_stages`` that is not
    reused (its time counts in that stage), before the stage's work; never when all of them are reused.
    If it returns a callable, that is called when the stage's work ends (to wait for what ``prepare``
    left running beside it)."""

    def __init__(
        self,
        root: str | Path,
        force: bool = False,
        formats: dict[str, int] | None = None,
        log: Callable[[str], None] | None = None,
        prepare: Callable[[], Callable[[], object] | None] | None = None,
        prepare_stages: tuple[str, ...] = (),
    ) -> None:
        self.root = Path(root)
        self.force = force
        # the layout versions of the files the stages write: a stage written in another layout is redone
        self.formats = dict(formats or {})
        self.records: list[StageRecord] = []
        self.keys: dict[str, str] = {}
        self.log = log
        self.prepare = prepare
        self.prepare_stages = prepare_stages

    def folder(self, name: str) -> Path:
        return self.root / "stages" / name

    def _done(self, folder: Path) -> dict[str, Any]:
        """The content of the stage's DONE.json (empty if absent, unreadable or of another layout)."""
        try:
            meta = json.loads((folder / "DONE.json").read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError):
            return {}
        ok = isinstance(meta, dict) and meta.get("schema_version") == DONE_SCHEMA_VERSION
        return meta if ok else {}

    def run(
        self,
        name: str,
        params: dict[str, Any],
        fn: Callable[[Path], dict[str, Any] | None],
        depends: tuple[str, ...] = (),
    ) -> Path:
        """Run ``fn(folder)`` unless the stage is done with the same key; return the folder."""
        key = hash_key(name, params, [self.keys[d] for d in depends], __version__, self.formats)
        self.keys[name] = key
        folder = self.folder(name)
        meta = {} if self.force else self._done(folder)
        if meta.get("key") == key:
            self.records.append(
                StageRecord(name, key, True, 0.0, meta.get("info", {}), {"first_run": meta.get("usage", {})})
            )
            if self.log is not None:
                self.log(f"stage {name}: reused (finished earlier with the same inputs, key {key})")
            return folder
        if folder.exists():
            if self.log is not None and not (folder / "DONE.json").exists():
                self.log(
                    f"stage {name}: left unfinished by an earlier run (interrupted or failed): redone from the start"
                )
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        t0 = time.perf_counter()
        c0 = time.process_time()
        with write_scope(name, folder), record_usage() as workers:
            finish = None
            if self.prepare is not None and name in self.prepare_stages:
                prepare, self.prepare = self.prepare, None
                finish = prepare()
            try:
                info = fn(folder) or {}
            except BaseException:
                if finish is not None:
                    with contextlib.suppress(Exception):  # the stage's own error is the one to report
                        finish()
                raise
            if finish is not None:
                finish()
            seconds = time.perf_counter() - t0
            me = (socket.gethostname(), os.getpid())
            usage = {
                "cpu_seconds": round(time.process_time() - c0, 2),
                # the main process's peak since it started (getrusage has no per-stage peak)
                "peak_rss_mb": round(peak_rss_mb(), 1),
                "workers": [u.to_dict() for key_, u in workers.items() if key_ != me],
            }
            write_json_atomic(
                folder / "DONE.json",
                {
                    "schema_version": DONE_SCHEMA_VERSION,
                    "key": key,
                    "params": params,
                    "depends": list(depends),
                    "seconds": seconds,
                    "usage": usage,
                    "info": info,
                },
            )
        self.records.append(StageRecord(name, key, False, seconds, info, usage))
        return folder


def _is_darkmiss_json(path: Path, **expected: Any) -> bool:
    """Whether ``path`` is a JSON object with a ``schema_version`` (and the ``expected`` items)."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return False
    return isinstance(d, dict) and "schema_version" in d and all(d.get(k) == v for k, v in expected.items())


def written_by_reproduce(root: Path) -> bool:
    """Whether the folder ``root`` was written by ``darkmiss reproduce``, judged from its content: the
    marker, or (folders of earlier versions) a ``results.json`` or stage ``DONE.json`` with a
    ``schema_version``. A folder holding only a lock and the temporary files of a killed writer counts
    as empty, i.e. as darkmiss's."""
    if _is_darkmiss_json(root / MARKER_NAME, written_by="darkmiss reproduce"):
        return True
    if _is_darkmiss_json(root / "results.json"):
        return True
    if any(_is_darkmiss_json(p) for p in root.glob("stages/*/DONE.json")):
        return True
    return all(p.name == LOCK_NAME or p.name.endswith(PARTIAL_SUFFIX) for p in root.iterdir())


def check_output_root(root: str | Path, parameter: str = "out") -> Path:
    """Check, before any computing, the output folder of a reproduction: writable (or creatable), not a
    file, and either absent, empty or written by ``darkmiss reproduce`` (never another program's)."""
    p = Path(root)
    if p.is_dir() and not written_by_reproduce(p):
        raise UserInputError(
            parameter,
            str(p),
            "a new or empty folder, or one written by `darkmiss reproduce` (this one holds other files)",
        )
    return check_output_folder(p, parameter)


def write_marker(root: Path) -> Path:
    """Mark ``root`` as written by ``darkmiss reproduce``."""
    return write_json_atomic(
        root / MARKER_NAME,
        {
            "schema_version": MARKER_SCHEMA_VERSION,
            "written_by": "darkmiss reproduce",
            "darkmiss_version": __version__,
        },
    )


@contextlib.contextmanager
def output_lock(root: str | Path, parameter: str = "out") -> Iterator[Path]:
    """Hold the lock of the output folder ``root`` (created if needed) for the block.

    ``fcntl.flock`` on :data:`LOCK_NAME`: held by another process, it is a user error; the kernel
    releases it when its process ends, however it ends (a killed run never blocks the rerun)."""
    folder = Path(root)
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise UserInputError(
            parameter,
            str(folder),
            "a folder no other `darkmiss reproduce` is using (one is running there now: "
            "wait for it to finish, or choose another --out)",
        ) from None
    try:
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        yield folder
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
