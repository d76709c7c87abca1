"""Loading and validating experiment presets.

A preset is a folder of TOML files (``presets/<name>/*.toml``) merged into one table, or a single TOML
file / folder given by path. Each top-level table belongs to one stage of the data flow (``setup``,
``beam``, ``runs``, ``shower``, ``calorimetry``, ``detector``, ``production``, ``backgrounds``,
``analysis``, ``systematics``, ``stats``, ``projection``, ``reproduce``). :func:`load_preset` validates
the merged tables against the schema of :mod:`darkmiss.config.models` (unknown keys, wrong types and
missing tables or keys are one-line user errors naming the file, the table and the key) before any
stage reads them with its own frozen ``from_preset`` dataclass.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import sys
import typing
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from darkmiss.config.models import PresetModel
from darkmiss.errors import UserInputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

PRESETS_PACKAGE = "darkmiss.config.presets"

#: What a value of a pydantic error type must be, in words.
_ALLOWED = {
    "float_type": "a number",
    "int_type": "an integer",
    "string_type": "a string",
    "bool_type": "true or false",
    "list_type": "a list",
    "dict_type": "a table",
    "model_type": "a table",
    "finite_number": "a finite number",
}


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


def _read_toml_files(files: list[Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The merged tables of ``files`` and, per top-level table, the file that defines it."""
    merged: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for f in sorted(files, key=lambda p: p.name):
        try:
            data = tomllib.loads(f.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise UserInputError("preset", str(f), f"a valid TOML file ({exc})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise UserInputError("preset", str(f), f"a readable UTF-8 TOML file ({exc})") from None
        for key, value in data.items():
            if key in merged:
                raise UserInputError("preset", str(f), f"table [{key}] defined in two files")
            merged[key] = value
            sources[key] = str(f)
    return merged, sources


@dataclass(frozen=True)
class Preset:
    """A loaded preset: its name, the merged TOML tables, the file each top-level table came from, and
    its ``origin``: what :func:`load_preset` loads it from again (a shipped name or an absolute path)."""

    name: str
    data: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict, compare=False)
    origin: str = ""

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
        return Preset(self.name, data, dict(self.sources), self.origin)

    def digest(self) -> str:
        """A stable hash of the preset content (for caches and provenance)."""
        blob = json.dumps(self.data, sort_keys=True, default=str).encode()
        return hashlib.sha256(blob).hexdigest()[:16]


def _table_model(path: tuple[str, ...]) -> type[BaseModel] | None:
    """The model of the table at ``path`` (``("analysis", "ecal")``), or None if it is not a table."""
    model: Any = PresetModel
    for name in path:
        if isinstance(model, type) and issubclass(model, BaseModel):
            info = model.model_fields.get(name)
            if info is None:
                return None
            model = info.annotation
        else:  # dict[str, Model]: any name
            model = typing.get_args(model)[-1] if typing.get_args(model) else None
        # unwrap X | None and Annotated[...] down to the model or dict type
        while (
            typing.get_origin(model) in (typing.Union, typing.Annotated)
            or type(model).__name__ == "UnionType"
        ):
            model = next(a for a in typing.get_args(model) if a is not type(None))
    if isinstance(model, type) and issubclass(model, BaseModel):
        return model
    return None


#: Union-member tags in pydantic error locations (``float``, ``dict[str,float]``, a model's name).
_UNION_TAG = re.compile(r"^(float|int|str|bool|[a-z-]+\[.*\]|\w+(Table|Entry))$")


def _describe(error: Any, data: dict[str, Any], sources: dict[str, str], origin: str) -> UserInputError:
    """One pydantic error as a user error naming the file, the table and the key."""
    # pydantic puts the member type of a union into the location (``value.dict[str,float].I``): drop it
    loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and _UNION_TAG.match(p)))
    # the table: the longest prefix of names that is a table of the raw data, the key: the rest
    node: Any = data
    table: list[str] = []
    for part in loc[:-1]:
        if isinstance(part, str) and isinstance(node, dict) and isinstance(node.get(part), dict):
            node = node[part]
            table.append(part)
        else:
            break
    rest = loc[len(table) :]
    key = str(rest[0]) + "".join(f"[{p}]" for p in rest[1:])
    where = sources.get(loc[0], origin) if isinstance(loc[0], str) else origin
    kind = error["type"]
    if not table:
        name = f"[{key}]"
        if kind == "missing":
            return UserInputError(f"preset {origin}", name, "a preset with this table (it is missing)")
        if kind == "extra_forbidden":
            return UserInputError(
                f"preset {where}", name, f"not a preset table (tables: {', '.join(PresetModel.model_fields)})"
            )
        return UserInputError(f"preset {where} {name}", error.get("input"), _ALLOWED.get(kind, error["msg"]))
    param = f"preset {where} [{'.'.join(table)}] {key}"
    if kind == "missing":
        return UserInputError(param, "(missing)", "a value (this key is required)")
    if kind == "extra_forbidden":
        model = _table_model(tuple(table))
        names = list(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(key, names, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        return UserInputError(
            param, error.get("input"), f"not a key of [{'.'.join(table)}] ({hint}keys: {', '.join(names)})"
        )
    return UserInputError(param, error.get("input"), _ALLOWED.get(kind, error["msg"]))


def validate_preset(preset: Preset) -> Preset:
    """Check ``preset`` against :class:`~darkmiss.config.models.PresetModel`; return it unchanged.

    The first error is a :class:`UserInputError` naming the file, the table and the key."""
    try:
        PresetModel.model_validate(preset.data)
    except ValidationError as exc:
        # an unknown (misspelt) key first: it explains the "missing" error of the key it was meant to be
        errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
        raise _describe(errors[0], preset.data, preset.sources, preset.origin or preset.name) from None
    return preset


def _read_preset(name_or_path: str) -> Preset:
    """The merged tables of a shipped preset name or of a preset path (not validated). A bare shipped
    name (``na64-2016``) is always the shipped preset, even where the working folder holds a folder of
    that name (e.g. ``reproduce --out na64-2016``); a preset folder of yours with such a name is given as a
    path (``./na64-2016``)."""
    if name_or_path in available_presets():
        return _shipped(name_or_path)
    path = Path(name_or_path)
    if path.is_file():
        if path.suffix != ".toml":
            raise UserInputError("preset", name_or_path, "a preset TOML file (*.toml) or folder")
        data, sources = _read_toml_files([path])
        return Preset(path.stem, data, sources, str(path.resolve()))
    if path.is_dir():
        found = list(path.glob("*.toml"))
        if not found:
            raise UserInputError("preset", name_or_path, "a preset folder holding TOML files (found none)")
        data, sources = _read_toml_files(found)
        return Preset(path.name, data, sources, str(path.resolve()))
    raise UserInputError(
        "preset",
        name_or_path,
        f"one of {', '.join(available_presets())} or a path to a preset TOML file/folder",
    )


def _shipped(name: str) -> Preset:
    """The merged tables of the shipped preset ``name``."""
    folder = resources.files(PRESETS_PACKAGE) / name
    files = [p for p in folder.iterdir() if p.name.endswith(".toml")]
    data, sources = _read_toml_files(files)
    return Preset(name, data, sources, name)


def load_preset(name_or_path: str) -> Preset:
    """Load and validate a shipped preset by name (``"na64-2016"``) or a preset folder/TOML file by path."""
    return validate_preset(_read_preset(name_or_path))


def preset_toml(preset: Preset) -> str:
    """The resolved preset as TOML text: every table, each with the file it came from as a comment."""
    lines = [f"# preset {preset.name} ({preset.origin or 'in memory'})"]

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise TypeError(f"not a TOML value: {v!r}")

    def table(path: list[str], t: dict[str, Any]) -> None:
        scalars = {k: v for k, v in t.items() if not isinstance(v, dict)}
        if scalars or not t:
            lines.append("")
            lines.append(f"[{'.'.join(_key(p) for p in path)}]")
            lines.extend(f"{_key(k)} = {value(v)}" for k, v in scalars.items())
        for k, v in t.items():
            if isinstance(v, dict):
                table([*path, k], v)

    for name, t in preset.data.items():
        if name in preset.sources:
            lines.append("")
            lines.append(f"# from {preset.sources[name]}")
        if isinstance(t, dict):
            table([name], t)
        else:
            lines.append(f"{_key(name)} = {value(t)}")
    return "\n".join(lines) + "\n"


def _key(k: str) -> str:
    """A TOML key: bare when it can be, quoted otherwise."""
    return k if k and k.replace("_", "").replace("-", "").isalnum() and k.isascii() else json.dumps(k)
