"""The registry of simulated processes (``SimProcess`` objects, :mod:`.base`).

Each process module exposes a module-level ``PROCESS``.  Modules are imported lazily; a module
that cannot be imported (not written yet, missing dependency) is left out of the registry.
"""

from __future__ import annotations

import importlib

from darkmiss.detsim.processes.base import ProcessContext, RateEstimate, SimProcess
from darkmiss.errors import UserInputError

#: Process name → module (own: em, signal, dimuon; engineer D2: the hadronic backgrounds).
PROCESS_MODULES: dict[str, str] = {
    "em": "darkmiss.detsim.processes.em",
    "signal": "darkmiss.detsim.processes.signal",
    "dimuon": "darkmiss.detsim.processes.dimuon",
    "hadronic": "darkmiss.detsim.processes.hadronic",
    "upstream": "darkmiss.detsim.processes.upstream",
    "decays": "darkmiss.detsim.processes.decays",
    "hadron_target": "darkmiss.detsim.processes.hadron_target",
    "punchthrough": "darkmiss.detsim.processes.punchthrough",
    "accidental": "darkmiss.detsim.processes.accidental",
}

#: Processes added at run time (tests, plug-ins): name → process object.
_EXTRA: dict[str, SimProcess] = {}


def register_process(process: SimProcess) -> None:
    """Add (or replace) a process object under ``process.name``."""
    _EXTRA[process.name] = process


def unregister_process(name: str) -> None:
    """Remove a process added with :func:`register_process`."""
    _EXTRA.pop(name, None)


def available_processes() -> list[str]:
    """Names of the processes whose module imports, in registry order."""
    out = []
    for name, mod in PROCESS_MODULES.items():
        try:
            m = importlib.import_module(mod)
        except Exception:  # not written yet, or broken: left out (a process must not break the others)
            continue
        if hasattr(m, "PROCESS"):
            out.append(name)
    return out + [n for n in _EXTRA if n not in PROCESS_MODULES]


def get_process(name: str) -> SimProcess:
    """The process object called ``name``; unknown or unavailable names are user errors."""
    if name in _EXTRA:
        return _EXTRA[name]
    mod = PROCESS_MODULES.get(name)
    if mod is not None:
        try:
            return importlib.import_module(mod).PROCESS  # type: ignore[no-any-return]
        except Exception:  # unavailable: reported as a user error below
            pass
    raise UserInputError("process", name, f"one of {', '.join(available_processes())}")


__all__ = [
    "PROCESS_MODULES",
    "ProcessContext",
    "RateEstimate",
    "SimProcess",
    "available_processes",
    "get_process",
    "register_process",
    "unregister_process",
]
