"""Stage caching for long productions: each stage's output folder is keyed by a hash of its inputs.

A stage is re-run only when its key (its own parameters plus the keys of the stages it depends
on) changes; a finished stage leaves ``DONE.json`` (written atomically, last), so an interrupted
stage is redone and a finished one is reused.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from darkmiss import __version__
from darkmiss.cache import hash_key, write_json_atomic


@dataclass
class StageRecord:
    """What happened to one stage: its key, whether it was reused, and how long it took [s]."""

    name: str
    key: str
    reused: bool
    seconds: float
    info: dict[str, Any] = field(default_factory=dict)


class StageRunner:
    """Runs named stages under ``root/stages/<name>``, reusing those whose key did not change."""

    def __init__(self, root: str | Path, force: bool = False, formats: dict[str, int] | None = None) -> None:
        self.root = Path(root)
        self.force = force
        # the layout versions of the files the stages write: a stage written in another layout is redone
        self.formats = dict(formats or {})
        self.records: list[StageRecord] = []
        self.keys: dict[str, str] = {}

    def folder(self, name: str) -> Path:
        return self.root / "stages" / name

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
        done = folder / "DONE.json"
        if not self.force and done.is_file():
            try:
                meta = json.loads(done.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError):
                meta = {}
            if meta.get("key") == key:
                self.records.append(StageRecord(name, key, True, 0.0, meta.get("info", {})))
                return folder
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        t0 = time.perf_counter()
        info = fn(folder) or {}
        seconds = time.perf_counter() - t0
        write_json_atomic(
            done, {"key": key, "params": params, "depends": list(depends), "seconds": seconds, "info": info}
        )
        self.records.append(StageRecord(name, key, False, seconds, info))
        return folder
