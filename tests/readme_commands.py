"""The README's command lines, read from its fenced code blocks when the tests run (never copied into a
test), and the installed console script that runs them as a new user would."""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def readme_commands() -> list[str]:
    """Every ``darkmiss …`` command line in the README's fenced code blocks, in order."""
    blocks = re.findall(r"```(?:bash|sh|console)?\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    commands = []
    for block in blocks:
        for line in block.splitlines():
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("darkmiss "):
                    commands.append(part)
    return commands


def main_command() -> list[str]:
    """The README's main command (the first ``darkmiss reproduce`` line), as argv."""
    for cmd in readme_commands():
        argv = shlex.split(cmd)
        if argv[1] == "reproduce":
            return argv
    raise AssertionError("the README has no `darkmiss reproduce` command line")


def console_script() -> str:
    """The installed ``darkmiss`` console script of this Python environment."""
    exe = Path(sys.executable).parent / "darkmiss"
    assert exe.exists(), f"the console script {exe} is not installed (pip install .)"
    return str(exe)
