"""Event-file I/O: ROOT TTrees written and read with uproot (schema in :mod:`darkmiss.events.schema`).

Each file holds the tree ``events`` and a ``metadata`` string (JSON). Files are written under a
temporary name and renamed (``darkmiss.cache.atomic_write_path``). :func:`check_event_files` checks,
before any computing, that a path holds darkmiss event files that can be read: a truncated or
corrupted file, or a ROOT file darkmiss did not write, is a user error naming it.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss.cache import atomic_write_path, kill_point
from darkmiss.errors import UserInputError
from darkmiss.events.schema import BRANCH_BY_NAME, BRANCHES, METADATA_NAME, TREE_NAME, validate_events


def _uproot() -> Any:
    """The uproot module, imported on first use: uproot (with awkward) takes ~0.8 s to import, and a
    cached rerun of the chain reads no event file."""
    import uproot

    return uproot


def unreadable_errors() -> tuple[type[BaseException], ...]:
    """What reading a damaged or foreign ROOT file raises (uproot: I/O, missing key, bad record; JSON;
    zlib/lz4 decompression of a corrupted basket). Used in ``except`` clauses, where it is evaluated only
    when an error is raised."""
    from uproot.deserialization import DeserializationError

    return (OSError, KeyError, ValueError, TypeError, EOFError, DeserializationError, zlib.error)


@dataclass
class EventSample:
    """Events read from one or more files: arrays by branch name, and each file's metadata."""

    arrays: dict[str, np.ndarray]
    metadata: list[dict[str, Any]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(next(iter(self.arrays.values()))) if self.arrays else 0


#: Compression of the event files: LZ4 at this level, the algorithm ROOT recommends for analysis files
#: (``ROOT::RCompressionSetting::EDefaults::kUseAnalysis``); uproot's default, zlib at level 1, wrote about
#: 4 times slower (0.28 against 0.07 s per file, six files of pseudo-data dimuons and electronuclear events)
#: for files 7 % smaller. Files of either kind are read alike.
EVENT_FILE_LZ4_LEVEL = 1


def write_events(path: str | Path, arrays: dict[str, np.ndarray], metadata: dict[str, Any]) -> Path:
    """Write one event file atomically; ``arrays`` must follow the schema exactly."""
    validate_events(arrays)
    path = Path(path)
    with atomic_write_path(path) as tmp:
        up = _uproot()
        with up.recreate(tmp, compression=up.LZ4(EVENT_FILE_LZ4_LEVEL)) as f:
            f[METADATA_NAME] = json.dumps(metadata, sort_keys=True, default=str)
            types = {b.name: np.dtype((b.dtype, b.shape)) if b.shape else np.dtype(b.dtype) for b in BRANCHES}
            f.mktree(TREE_NAME, types)
            kill_point(path)  # the interrupted-run test hook, in the middle of writing the file
            if len(arrays["event_id"]):
                f[TREE_NAME].extend({b.name: np.ascontiguousarray(arrays[b.name]) for b in BRANCHES})
    return path


def read_metadata(path: str | Path) -> dict[str, Any]:
    """The metadata dict of one event file."""
    with _uproot().open(path) as f:
        return json.loads(str(f[METADATA_NAME]))


def event_files(path: str | Path, parameter: str = "events") -> list[Path]:
    """Event files under ``path`` (a file, or a folder searched recursively for ``*.root``), sorted."""
    p = Path(path)
    if p.is_file():
        return [p]
    if p.is_dir():
        files = sorted(q for q in p.rglob("*.root") if not q.name.startswith("."))
        if files:
            return files
    raise UserInputError(
        parameter, str(path), "an event file or a folder holding darkmiss *.root event files"
    )


def check_event_file(path: str | Path, parameter: str = "events") -> dict[str, Any]:
    """The metadata of the darkmiss event file ``path``, checked readable without decompressing its
    data: the ``metadata`` JSON object, the ``events`` tree with every schema branch, each branch's
    baskets inside the file. Anything else (not ROOT, truncated, a damaged header, another program's
    file) is a :class:`UserInputError` naming it; damaged compressed data inside a basket is found when
    the file is read (:func:`read_events`, the same kind of error)."""
    p = Path(path)
    size = p.stat().st_size
    try:
        with _uproot().open(p) as f:
            meta = json.loads(str(f[METADATA_NAME]))
            tree = f[TREE_NAME]
            names = set(tree.keys())
            missing = [b.name for b in BRANCHES if b.name not in names]
            for branch in tree.values():
                seeks = branch.member("fBasketSeek")[: branch.num_baskets]
                nbytes = branch.member("fBasketBytes")[: branch.num_baskets]
                if any(int(s) + int(n) > size for s, n in zip(seeks, nbytes, strict=True)):
                    raise ValueError(f"branch {branch.name} lies beyond the end of the file (truncated)")
    except unreadable_errors() as exc:
        raise UserInputError(
            parameter, str(p), f"a readable darkmiss event file (truncated or corrupted: {exc})"
        ) from None
    if not isinstance(meta, dict) or missing:
        what = f"branches {', '.join(missing[:3])} missing" if missing else "no metadata object"
        raise UserInputError(parameter, str(p), f"an event file written by darkmiss ({what})")
    return meta


def check_event_files(path: str | Path, parameter: str = "events") -> dict[Path, dict[str, Any]]:
    """The event files under ``path`` (:func:`event_files`), each checked with :func:`check_event_file`,
    with their metadata."""
    p = Path(path)
    if not p.exists():
        raise UserInputError(parameter, str(p), "an existing event file or folder of event files")
    return {f: check_event_file(f, parameter) for f in event_files(p, parameter)}


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
        try:
            meta, data = _read_file(fp, names)
        except unreadable_errors() as exc:
            raise UserInputError("events", str(fp), f"a readable darkmiss event file ({exc})") from None
        metas.append(meta)
        for n in names:
            b = BRANCH_BY_NAME[n]
            parts[n].append(np.asarray(data[n], dtype=b.dtype).reshape(-1, *b.shape))
    arrays = {n: np.concatenate(v) if v else np.zeros((0,)) for n, v in parts.items()}
    return EventSample(arrays=arrays, metadata=metas, files=files)


def _read_file(path: Path, names: list[str]) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The metadata and the arrays ``names`` of one event file."""
    with _uproot().open(path) as f:
        meta = json.loads(str(f[METADATA_NAME]))
        tree = f[TREE_NAME]
        if tree.num_entries == 0:
            return meta, {n: np.zeros((0, *BRANCH_BY_NAME[n].shape), BRANCH_BY_NAME[n].dtype) for n in names}
        return meta, tree.arrays(names, library="np")
