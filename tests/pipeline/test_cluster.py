"""A reproduction on a real dask.distributed cluster equals the local ones, for any worker count.

A scheduler and two worker processes start as they would on a cluster: each its own process, each in
a folder of its own. The client runs ``darkmiss reproduce --scheduler ADDRESS`` with a *relative*
``--out`` from a third folder. Its results.json must equal a local run's with the same seed (apart
from ``provenance``), and no worker may have written anything into its own folder
(a worker that resolved the relative path itself would).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from distributed import Client

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from tiny_preset import write_tiny_preset

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    return dict(os.environ, MPLBACKEND="Agg", COLUMNS="200")


def _reproduce(preset: Path, out: str, cwd: Path, *extra: str) -> dict:
    cmd = [
        sys.executable, "-m", "darkmiss.cli.main", "reproduce", "--preset", str(preset), "--out", out,
        "--quick", "--seed", "3", *extra,
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    data = json.loads((cwd / out / "results.json").read_text(encoding="utf-8"))
    data.pop("provenance")
    return data


def _start(args: list[str], cwd: Path) -> subprocess.Popen:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=cwd,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def test_cluster_run_identical_to_local(tmp_path: Path) -> None:
    preset = write_tiny_preset(tmp_path / "preset")
    sched_file = tmp_path / "scheduler.json"
    procs = [
        _start(
            ["distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
             "--scheduler-file", str(sched_file)],
            tmp_path / "scheduler",
        )
    ]  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists():
            assert time.monotonic() < deadline, "the dask scheduler did not start"
            time.sleep(0.2)
        for name in ("worker-a", "worker-b"):
            procs.append(
                _start(
                    ["distributed.cli.dask_worker", "--scheduler-file", str(sched_file), "--nworkers", "1",
                     "--nthreads", "1", "--no-dashboard", "--local-directory", str(tmp_path / f"{name}-scratch")],
                    tmp_path / name,
                )
            )  # fmt: skip
        with Client(scheduler_file=str(sched_file), timeout=60) as client:
            client.wait_for_workers(2, timeout=120)
            address = client.scheduler.address
        (tmp_path / "client").mkdir()
        on_cluster = _reproduce(preset, "out", tmp_path / "client", "--scheduler", address)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
    for name in ("worker-a", "worker-b"):
        assert list((tmp_path / name).iterdir()) == [], f"{name} wrote into its own folder"
    # the same seed gives the same results for 1 and 4 local worker processes and on the cluster
    for workers in ("1", "4"):
        local = _reproduce(preset, f"local-{workers}", tmp_path, "--workers", workers)
        assert json.dumps(on_cluster, sort_keys=True) == json.dumps(local, sort_keys=True), workers
