"""The one cache module: derived data keyed by a hash of its inputs, and atomic file writes.

The cache folder is ``$DARKMISS_CACHE`` or ``~/.cache/darkmiss``. Every file darkmiss writes goes
through :func:`atomic_write_path` (temporary name, then rename), so an interrupted run never
leaves a half-written file.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from darkmiss.util import to_json


def cache_dir() -> Path:
    """The cache folder (created on demand)."""
    root = Path(os.environ.get("DARKMISS_CACHE", Path.home() / ".cache" / "darkmiss"))
    root.mkdir(parents=True, exist_ok=True)
    return root


def hash_key(*parts: Any) -> str:
    """A stable 20-hex-digit hash of JSON-serialisable ``parts`` (numpy arrays allowed)."""

    def default(o: Any) -> Any:
        if isinstance(o, np.ndarray):
            return {"__nd__": o.tolist(), "dtype": str(o.dtype)}
        if isinstance(o, (np.floating, np.integer)):
            return o.item()
        if isinstance(o, Path):
            return str(o)
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            return dataclasses.asdict(o)
        return repr(o)

    blob = json.dumps(parts, sort_keys=True, default=default).encode()
    return hashlib.sha256(blob).hexdigest()[:20]


@contextlib.contextmanager
def atomic_write_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success rename it to ``path``, else remove it."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp_path.unlink()
        raise


def write_text_atomic(path: str | os.PathLike[str], text: str) -> Path:
    """Write ``text`` to ``path`` atomically; return the path."""
    with atomic_write_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json_atomic(path: str | os.PathLike[str], obj: Any) -> Path:
    """Write ``obj`` as JSON (numpy-aware) atomically."""
    return write_text_atomic(path, to_json(obj))


def cached_json(namespace: str, key: str) -> Any | None:
    """Return the cached JSON object ``namespace/key``, or None."""
    p = cache_dir() / namespace / f"{key}.json"
    if not p.exists():
        return None
    try:
        return json.loads(p.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None


def store_json(namespace: str, key: str, obj: Any) -> Path:
    """Store ``obj`` as ``namespace/key`` in the cache."""
    return write_json_atomic(cache_dir() / namespace / f"{key}.json", obj)


def cached_npz(namespace: str, key: str) -> dict[str, np.ndarray] | None:
    """Return the cached arrays ``namespace/key``, or None."""
    p = cache_dir() / namespace / f"{key}.npz"
    if not p.exists():
        return None
    try:
        with np.load(p, allow_pickle=False) as f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError):
        return None


def store_npz(namespace: str, key: str, arrays: dict[str, np.ndarray]) -> Path:
    """Store arrays as ``namespace/key`` in the cache."""
    target = cache_dir() / namespace / f"{key}.npz"
    with atomic_write_path(target) as tmp:
        with open(tmp, "wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]
    return target
