"""The help a physicist reads: every command's one-line help whole, every fixed-choice option's values listed,
a bad choice one line with exit code 2, and shell completion of the choices.

The command tree is walked from the app (typer's public ``typer.main.get_command``), so a new command or a
new enum option is checked without editing this file.
"""

from __future__ import annotations

import enum
import re
import typing
from collections.abc import Iterator
from typing import Any

import pytest
import typer.main

from darkmiss.cli import choices
from darkmiss.cli.main import app, main
from darkmiss.cli.shower import _PARTICLES

ROOT = typer.main.get_command(app)


def _walk(cmd: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, command) for the root, every group and every command below it."""
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _walk(sub, (*path, name))


COMMANDS = [(path, cmd) for path, cmd in _walk(ROOT) if path]
GROUPS = [(path, cmd) for path, cmd in _walk(ROOT) if getattr(cmd, "commands", None)]


def _enum_type(annotation: Any) -> type[enum.Enum] | None:
    """The Enum class of an option annotation (``Target`` or ``Target | None``), else None."""
    for t in (annotation, *typing.get_args(annotation)):
        if isinstance(t, type) and issubclass(t, enum.Enum):
            return t
    return None


def _enum_options() -> list[tuple[tuple[str, ...], str, type[enum.Enum]]]:
    """(command path, option name, Enum) for every enum-typed option of every command."""
    found = []
    for path, cmd in COMMANDS:
        if cmd.callback is None or getattr(cmd, "commands", None):
            continue
        hints = typing.get_type_hints(cmd.callback)
        for param in cmd.params:
            kind = _enum_type(hints.get(param.name))
            if kind is not None:
                found.append((path, param.opts[0], kind))
    return found


ENUM_OPTIONS = _enum_options()


def _help(path: tuple[str, ...], capsys: pytest.CaptureFixture[str]) -> str:
    assert main([*path, "--help"]) == 0
    return capsys.readouterr().out


def test_the_tree_is_complete() -> None:
    names = {" ".join(p) for p, _ in COMMANDS}
    # a sample of every kind: top-level command, group, group command, plot command
    assert {"reproduce", "limits", "xsec", "xsec aprime", "yield dimuon", "plot", "plot kfactor"} <= names
    assert len(ENUM_OPTIONS) >= 10


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_every_command_has_its_own_short_help(path: tuple[str, ...]) -> None:
    cmd = dict(COMMANDS)[path]
    text = cmd.short_help
    assert text, f"`darkmiss {' '.join(path)}` has no short_help (the listing would cut its docstring)"
    assert not text.endswith("...") and "\n" not in text
    assert len(text) <= 64, f"short_help of {path} is {len(text)} characters: it would wrap"


@pytest.mark.parametrize("path", [p for p, _ in GROUPS], ids=lambda p: " ".join(p) or "darkmiss")
def test_group_listing_shows_each_short_help_whole(path: tuple[str, ...], capsys) -> None:
    group = dict(_walk(ROOT))[path]
    lines = _help(path, capsys).splitlines()
    for name, sub in group.commands.items():
        (line,) = [ln for ln in lines if ln.split()[:1] == [name] and ln.startswith("  ")]
        assert line.split(None, 1)[1] == sub.short_help, (path, name, line)


@pytest.mark.parametrize(("path", "option", "kind"), ENUM_OPTIONS, ids=lambda x: str(x))
def test_help_lists_the_choices(path, option, kind, capsys) -> None:
    text = " ".join(_help(path, capsys).split())
    values = "|".join(re.escape(m.value) for m in kind)
    assert re.search(rf"{re.escape(option)} [<\[]{values}[>\]]", text), (path, option, text)


@pytest.mark.parametrize(("path", "option", "kind"), ENUM_OPTIONS, ids=lambda x: str(x))
def test_a_bad_choice_is_one_line_naming_option_value_and_choices(path, option, kind, capsys) -> None:
    rc = main([*path, option, "bogus-value"])
    captured = capsys.readouterr()
    assert rc == 2 and captured.out == ""
    (line,) = captured.err.splitlines()
    assert line.startswith("darkmiss: error:") and "Traceback" not in captured.err
    assert option in line and "bogus-value" in line
    assert all(f"'{m.value}'" in line for m in kind), line


def test_shell_completion_offers_the_choices(monkeypatch, capsys) -> None:
    # what the bash completion script asks: the words so far and the index of the word to complete
    monkeypatch.setenv("_DARKMISS_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "darkmiss xsec aprime --method ")
    monkeypatch.setenv("COMP_CWORD", "4")
    with pytest.raises(SystemExit) as exc:
        main(["xsec", "aprime", "--method"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.split() == ["ww", "iww", "etl"]


def test_completion_script_is_available(monkeypatch, capsys) -> None:
    # typer takes --show-completion as a flag and detects the shell from the parent processes, unless
    # detection is off: then it takes the shell's name, so the test holds where no shell started pytest
    # (a job runner, or `bash -c` exec-ing its last command)
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    with pytest.raises(SystemExit) as exc:  # typer's completion options exit themselves
        main(["--show-completion", "bash"])
    assert exc.value.code == 0
    assert "_DARKMISS_COMPLETE=complete_bash" in capsys.readouterr().out


def test_group_without_command_prints_its_help(capsys) -> None:
    assert main(["plot"]) == 0
    captured = capsys.readouterr()
    assert "Commands:" in captured.out + captured.err and "error" not in captured.err


def test_enums_match_the_library() -> None:
    """The CLI's choices are the library's own tuples (each enum's docstring names its source)."""
    from darkmiss.detsim.digitize import MODES
    from darkmiss.detsim.trigger import TRIGGERS
    from darkmiss.physics.aprime import LEPTON_MASSES, METHODS
    from darkmiss.physics.materials import ELEMENTS
    from darkmiss.physics.models import BEAM_ALIASES, BEAMS, MEDIATORS, MODELS
    from darkmiss.physics.widths import CHI_KINDS
    from darkmiss.shower.response import MODES as SHOWER_MODES
    from darkmiss.stats.model import METHODS as LIMIT_METHODS

    def values(kind: type[enum.Enum]) -> list[str]:
        return [m.value for m in kind]

    assert values(choices.Target) == list(ELEMENTS)
    assert values(choices.Lepton) == list(LEPTON_MASSES)
    assert values(choices.XsecMethod) == list(METHODS)
    assert values(choices.ChiKind) == list(CHI_KINDS)
    assert values(choices.EventMode) == list(MODES)
    assert values(choices.Trigger) == list(TRIGGERS)
    assert values(choices.LimitMethod) == list(LIMIT_METHODS)
    assert sorted(values(choices.ShowerMode)) == sorted(SHOWER_MODES)
    assert values(choices.Particle) == list(_PARTICLES)
    assert values(choices.Mediator) == list(MEDIATORS)
    assert values(choices.Model) == list(MODELS)
    assert values(choices.Beam) == [*BEAMS, *BEAM_ALIASES]
