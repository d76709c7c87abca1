"""The registry of simulated processes (``SimProcess`` objects, :mod:`.base`).

Each process module exposes a module-level ``PROCESS``; every one of them is imported here, so a
broken process module stops the import with its own error instead of silently leaving its
background out of a production.
"""

from __future__ import annotations

from darkmiss.detsim.processes import (
    accidental,
    annihilation,
    decays,
    dimuon,
    em,
    hadron_target,
    hadronic,
    muon_decay,
    punchthrough,
    signal,
    upstream,
)
from darkmiss.detsim.processes.base import ProcessContext, RateEstimate, SimProcess
from darkmiss.errors import UserInputError

#: Process name → process object, in the order productions run them (the Sec. VIII backgrounds last).
PROCESSES: dict[str, SimProcess] = {
    "em": em.PROCESS,
    "signal": signal.PROCESS,
    "dimuon": dimuon.PROCESS,
    "hadronic": hadronic.PROCESS,
    "upstream": upstream.PROCESS,
    "decays": decays.PROCESS,
    "hadron_target": hadron_target.PROCESS,
    "punchthrough": punchthrough.PROCESS,
    "accidental": accidental.PROCESS,
    "muon_decay": muon_decay.PROCESS,
    "annihilation": annihilation.PROCESS,
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
    """Names of every process, in registry order, then the ones added at run time."""
    return list(PROCESSES) + [n for n in _EXTRA if n not in PROCESSES]


def get_process(name: str) -> SimProcess:
    """The process object called ``name``; an unknown name is a user error."""
    if name in _EXTRA:
        return _EXTRA[name]
    if name in PROCESSES:
        return PROCESSES[name]
    raise UserInputError("process", name, f"one of {', '.join(available_processes())}")


__all__ = [
    "PROCESSES",
    "ProcessContext",
    "RateEstimate",
    "SimProcess",
    "available_processes",
    "get_process",
    "register_process",
    "unregister_process",
]
