"""The preset schema (config/models/): every shipped key is in it, and a misspelt key, a wrong type, a
missing table or key is one user error naming the file, the table and the key; ``darkmiss preset show``
and ``darkmiss preset check``."""

from __future__ import annotations

import json
import shutil
import sys
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from darkmiss.cli.main import main
from darkmiss.config.load import Preset, load_preset, preset_toml, validate_preset
from darkmiss.config.models import PresetModel
from darkmiss.errors import UserInputError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

SHIPPED = Path(__file__).resolve().parents[2] / "src" / "darkmiss" / "config" / "presets" / "na64-2016"


def _model_field(model: type[BaseModel], name: str) -> object:
    return model.model_fields[name].annotation


def _is_table(t: object) -> bool:
    """Whether ``t`` describes a TOML table: a model or a ``dict[str, …]``."""
    t = typing.get_args(t)[0] if typing.get_origin(t) is typing.Annotated else t
    return typing.get_origin(t) is dict or (isinstance(t, type) and issubclass(t, BaseModel))


def _unwrap(t: object) -> object:
    """``X`` of ``X | None`` and ``Annotated[X, ...]`` (of ``float | dict[...]``, the table type: the walker
    only descends into tables)."""
    while typing.get_origin(t) in (typing.Union, typing.Annotated) or type(t).__name__ == "UnionType":
        args = [a for a in typing.get_args(t) if a is not type(None)]
        t = next((a for a in args if _is_table(a)), args[0])
    return t


def _walk_models(data: dict, model: object, path: str, seen: list[str]) -> None:
    """Every key of ``data`` is a field of ``model`` (tables recursively); run-keyed maps take any name."""
    model = _unwrap(model)
    if typing.get_origin(model) is dict:
        for k, v in data.items():
            if isinstance(v, dict):
                _walk_models(v, typing.get_args(model)[1], f"{path}.{k}", seen)
            seen.append(f"{path}.{k}")
        return
    assert isinstance(model, type) and issubclass(model, BaseModel), path
    for k, v in data.items():
        assert k in model.model_fields, f"[{path}] {k} is not in {model.__name__}"
        seen.append(f"{path}.{k}")
        if isinstance(v, dict):
            _walk_models(v, _model_field(model, k), f"{path}.{k}".strip("."), seen)


def test_every_shipped_key_is_in_the_schema():
    merged = {}
    for f in sorted(SHIPPED.glob("*.toml")):
        merged |= tomllib.loads(f.read_text(encoding="utf-8"))
    seen: list[str] = []
    _walk_models(merged, PresetModel, "", seen)
    assert len(seen) > 250  # every key of the 11 files was looked up
    PresetModel.model_validate(merged)
    assert load_preset("na64-2016").data == merged


@pytest.fixture
def user_preset(tmp_path):
    folder = tmp_path / "mine"
    shutil.copytree(SHIPPED, folder)
    return folder


def _edit(folder: Path, file: str, old: str, new: str) -> Path:
    p = folder / file
    text = p.read_text(encoding="utf-8")
    assert old in text
    p.write_text(text.replace(old, new, 1), encoding="utf-8")
    return p


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        # a misspelt key: named, with the right one suggested
        (
            "analysis.toml",
            "chi2_max = 9.0",
            "chi2_maxx = 9.0",
            ["[analysis.ecal] chi2_maxx=9.0", "chi2_max'?"],
        ),
        # a number written as a string, a float where an integer is meant, a list too short
        ("analysis.toml", "chi2_max = 9.0", 'chi2_max = "9"', ["[analysis.ecal] chi2_max='9'", "a number"]),
        (
            "analysis.toml",
            "n_toys = 2000",
            "n_toys = 2000.0",
            ["[analysis.background] n_toys=2000.0", "integer"],
        ),
        (
            "analysis.toml",
            "fit_range = [50.0, 80.0]",
            "fit_range = [50.0]",
            ["fit_range=[50.0]", "at least 2"],
        ),
        ("stats.toml", "cl = 0.90", "cl = nan", ["[stats] cl=nan", "finite"]),
        ("setup.toml", "n_layers = 150\n", "", ["[setup.ecal] n_layers='(missing)'", "required"]),
        ("beam.toml", "[runs.I]", "[runz.I]", ["'[runz]'", "not a preset table"]),
        (
            "from_spec.toml",
            "value = { I = 0.315",
            'value = { I = "a"',
            ["from_spec.toml", "[from_spec.upstream_slope.value] I='a'", "a number"],
        ),
        ("setup.toml", 'absorber = "Pb"', "absorber = 82", ["[setup.ecal] absorber=82", "a string"]),
        (
            "production.toml",
            "trigger = true",
            "trigger = 1",
            ["[production.prefilter] trigger=1", "true or false"],
        ),
    ],
)
def test_errors_name_the_file_the_table_and_the_key(user_preset, file, old, new, expected):
    path = _edit(user_preset, file, old, new)
    with pytest.raises(UserInputError) as err:
        load_preset(str(user_preset))
    text = str(err.value)
    assert "\n" not in text and (str(path) in text or "runz" in text)
    for part in expected:
        assert part in text, text


def test_a_missing_table_is_named(user_preset):
    (user_preset / "stats.toml").unlink()
    with pytest.raises(UserInputError, match=r"\[stats\].*missing"):
        load_preset(str(user_preset))


def test_one_file_presets_and_a_folder_without_toml(tmp_path):
    one = tmp_path / "one.toml"
    one.write_text(preset_toml(load_preset("na64-2016")), encoding="utf-8")
    p = load_preset(str(one))
    assert p.name == "one" and p.data == load_preset("na64-2016").data and p.origin == str(one.resolve())
    assert load_preset(p.origin).data == p.data  # the origin loads it again
    (tmp_path / "empty").mkdir()
    with pytest.raises(UserInputError, match="TOML files"):
        load_preset(str(tmp_path / "empty"))
    (tmp_path / "broken.toml").write_text("[setup\n")
    with pytest.raises(UserInputError, match="valid TOML"):
        load_preset(str(tmp_path / "broken.toml"))


def test_resolved_toml_round_trips():
    p = load_preset("na64-2016")
    text = preset_toml(p)
    assert tomllib.loads(text) == p.data
    assert f"# from {p.sources['analysis']}" in text


def test_presets_built_in_memory_are_validated_on_request():
    p = load_preset("na64-2016")
    bad = Preset("x", {**p.data, "beam": {"energy": "100", "spill_s": 4.8}})
    with pytest.raises(UserInputError, match=r"\[beam\] energy='100'"):
        validate_preset(bad)
    assert validate_preset(p) is p


def test_preset_show_prints_the_resolved_tables(capsys, tmp_path):
    assert main(["preset", "show", "na64-2016"]) == 0
    text = capsys.readouterr().out
    assert tomllib.loads(text) == load_preset("na64-2016").data
    assert main(["preset", "show", "na64-2016", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == load_preset("na64-2016").data


def test_preset_check_runs_the_stage_readers(capsys, user_preset):
    assert main(["preset", "check", str(user_preset)]) == 0
    assert "valid darkmiss preset" in capsys.readouterr().out
    # right type, wrong range: the schema passes it, the analysis configuration refuses it
    _edit(user_preset, "analysis.toml", "ecal_cut = 50.0", "ecal_cut = 500.0")
    assert main(["preset", "check", str(user_preset)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "ecal_cut" in line and "500" in line


def test_a_shipped_name_wins_over_a_folder_of_that_name(tmp_path, monkeypatch):
    # `darkmiss reproduce --preset na64-2016 --out na64-2016` (the README's command) makes such a folder
    monkeypatch.chdir(tmp_path)
    (tmp_path / "na64-2016").mkdir()
    assert load_preset("na64-2016").origin == "na64-2016"
    with pytest.raises(UserInputError, match="TOML files"):
        load_preset("./na64-2016")
