"""SHA-256 digests of the event arrays of every file under a folder, for tests that two productions hold
identical events (the ROOT container itself carries write times, so the files' bytes differ)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from darkmiss.events.io import read_events


def event_digests(root: Path) -> dict[str, str]:
    """SHA-256 of the event arrays (branches in name order) of every ``*.root`` under ``root``, by relative path."""
    out = {}
    for f in sorted(Path(root).rglob("*.root")):
        ev = read_events(f)
        h = hashlib.sha256()
        for k in sorted(ev.arrays):
            h.update(np.ascontiguousarray(ev.arrays[k]).tobytes())
        out[str(f.relative_to(root))] = h.hexdigest()
    return out
