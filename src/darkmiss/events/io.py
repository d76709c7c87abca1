"""Event-file I/O: ROOT TTrees written and read with uproot (schema in :mod:`darkmiss.events.schema`).

Each file holds the tree ``events`` and a ``metadata`` string (JSON). Files are written under a
temporary name and renamed (``darkmiss.cache.atomic_write_path``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import uproot

from darkmiss.cache import atomic_write_path
from darkmiss.errors import UserInputError
from darkmiss.events.schema import BRANCH_BY_NAME, BRANCHES, METADATA_NAME, TREE_NAME, validate_events


@dataclass
class EventSample:
    """Events read from one or more files: arrays by branch name, and each file's metadata."""

    arrays: dict[str, np.ndarray]
    metadata: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(next(iter(self.arrays.values()))) if self.arrays else 0


def write_events(path: str | Path, arrays: dict[str, np.ndarray], metadata: dict[str, Any]) -> Path:
    """Write one event file atomically; ``arrays`` must follow the schema exactly."""
    validate_events(arrays)
    path = Path(path)
    with atomic_write_path(path) as tmp:
        with uproot.recreate(tmp) as f:
            f[METADATA_NAME] = json.dumps(metadata, sort_keys=True, default=str)
            types = {b.name: np.dtype((b.dtype, b.shape)) if b.shape else np.dtype(b.dtype) for b in BRANCHES}
            f.mktree(TREE_NAME, types)
            if len(arrays["event_id"]):
                f[TREE_NAME].extend({b.name: np.ascontiguousarray(arrays[b.name]) for b in BRANCHES})
    return path


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata dict of one event file."""
    with uproot.open(path) as f:
        return json.loads(str(f[METADATA_NAME]))


def event_files(path: str | Path) -> list[Path]:
    """Event files under ``path`` (a file, or a folder searched recursively for ``*.root``), sorted."""
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        files = sorted(q for q in p.rglob("*.root") if not q.name.startswith("."))
        if files:
            return files
    raise UserInputError("events", str(path), "an event file or a folder holding darkmiss *.root event files")


def read_events(path: str | Path, branches: list[str] | None = None) -> EventSample:
    """Read the events (all files under ``path``), optionally only some ``branches``."""
    names = [b.name for b in BRANCHES] if branches is None else list(branches)
    unknown = [b for b in names if b not in BRANCH_BY_NAME]
    if unknown:
        raise UserInputError("branches", ",".join(unknown), "names from darkmiss.events.schema.BRANCHES")
    parts: dict[str, list[np.ndarray]] = {n: [] for n in names}
    metas: list[dict[str, Any]] = []
    files = event_files(path)
    for fp in files:
        with uproot.open(fp) as f:
            metas.append(json.loads(str(f[METADATA_NAME])))
            tree = f[TREE_NAME]
            if tree.num_entries == 0:
                for n in names:
                    b = BRANCH_BY_NAME[n]
                    parts[n].append(np.zeros((0, *b.shape), dtype=b.dtype))
                continue
            data = tree.arrays(names, library="np")
            for n in names:
                b = BRANCH_BY_NAME[n]
                parts[n].append(np.asarray(data[n], dtype=b.dtype).reshape(-1, *b.shape))
    arrays = {n: np.concatenate(v) if v else np.zeros((0,)) for n, v in parts.items()}
    return EventSample(arrays=arrays, metadata=metas, files=files)
