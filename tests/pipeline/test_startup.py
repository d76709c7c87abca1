"""A rerun with nothing changed loads neither the drawing nor the ROOT I/O libraries: `darkmiss reproduce`
imports them only when a stage draws a figure or reads event files (they take ~2 s to import)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("matplotlib", "mplhep", "uproot", "awkward", "pyhf", "hepdata_lib")


def test_cli_and_pipeline_import_no_drawing_or_root_io() -> None:
    code = (
        "import sys, darkmiss.cli.main, darkmiss.pipeline.reproduce; "
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_event_io_imports_uproot_on_first_use(tmp_path) -> None:
    code = (
        "import sys, numpy as np; from darkmiss.events import io; from darkmiss.events.schema import empty_events; "
        "assert 'uproot' not in sys.modules; "
        f"io.write_events({str(tmp_path / 'e.root')!r}, empty_events(2), {{'mode': 'mc'}}); "
        f"assert io.read_events({str(tmp_path / 'e.root')!r}).n == 2; print('uproot' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"
