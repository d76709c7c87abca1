"""Loading experiment presets.

A preset is a folder of TOML files (``presets/<name>/*.toml``) merged into one table, or a
single TOML file / folder given by path. Each top-level table belongs to one stage of the data
flow (``setup``, ``beam``, ``runs``, ``physics``, ``backgrounds``, ``analysis``, ``systematics``,
``stats``); the stage's own frozen dataclass validates it (``from_preset``).
"""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from darkmiss.errors import UserInputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PRESETS_PACKAGE = "darkmiss.config.presets"


def required(table: dict[str, Any], key: str, where: str) -> Any:
    """``table[key]``; a missing key is a user error naming the preset table ``where`` (e.g. ``"[setup]"``)."""
    try:
        return table[key]
    except KeyError:
        raise UserInputError(f"preset {where}", "(missing)", f"a value for '{key}'") from None


def available_presets() -> list[str]:
    """Names of the presets shipped with darkmiss."""
    root = resources.files(PRESETS_PACKAGE)
    return sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))


def _read_toml_files(files: list[Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for f in sorted(files, key=lambda p: p.name):
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise UserInputError("preset", str(f), f"a valid TOML file ({exc})") from None
        for key, value in data.items():
            if key in merged:
                raise UserInputError("preset", str(f), f"table [{key}] defined in two files")
            merged[key] = value
    return merged


@dataclass(frozen=True)
class Preset:
    """A loaded preset: its name and the merged TOML tables."""

    name: str
    data: dict[str, Any]

    def section(self, key: str) -> dict[str, Any]:
        """The table ``key``; a missing table is a user error naming the preset."""
        try:
            value = self.data[key]
        except KeyError:
            raise UserInputError("preset", self.name, f"a preset with a [{key}] table") from None
        if not isinstance(value, dict):
            raise UserInputError(f"preset [{key}]", value, "a TOML table")
        return value

    def with_overrides(self, overrides: dict[str, dict[str, Any]]) -> Preset:
        """A copy with some keys of some tables replaced (deep merge, one level of nesting)."""
        data = json.loads(json.dumps(self.data))
        for sec, values in overrides.items():
            data.setdefault(sec, {})
            for k, v in values.items():
                if isinstance(v, dict) and isinstance(data[sec].get(k), dict):
                    data[sec][k].update(v)
                else:
                    data[sec][k] = v
        return Preset(self.name, data)

    def digest(self) -> str:
        """A stable hash of the preset content (for caches and provenance)."""
        blob = json.dumps(self.data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def load_preset(name_or_path: str) -> Preset:
    """Load a shipped preset by name (``"na64-2016"``) or a preset folder/TOML file by path."""
    path = Path(name_or_path)
    if path.suffix == ".toml" and path.is_file():
        return Preset(path.stem, _read_toml_files([path]))
    if path.is_dir() and any(path.glob("*.toml")):
        return Preset(path.name, _read_toml_files(list(path.glob("*.toml"))))
    root = resources.files(PRESETS_PACKAGE)
    folder = root / name_or_path
    if not name_or_path or "/" in name_or_path or not folder.is_dir():
        raise UserInputError(
            "preset",
            name_or_path,
            f"one of {', '.join(available_presets())} or a path to a preset TOML file/folder",
        )
    files = [p for p in folder.iterdir() if p.name.endswith(".toml")]
    return Preset(name_or_path, _read_toml_files(files))
