"""Render an HTML report in a real (headless) browser: a screenshot and the rendered DOM.

Used to check that ``report.html`` renders and to make the README screenshot. Needs a
Chromium binary (Debian package ``chromium``; ``.ci/run`` installs it); the environment variable
``DARKMISS_CHROMIUM`` may name another one. The window size is in CSS pixels.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from darkmiss.cache import atomic_write_path
from darkmiss.errors import DarkmissError, UserInputError

#: Binaries tried in order when ``DARKMISS_CHROMIUM`` is not set.
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# Flags for a quiet, sandbox-less (containers run as root) and network-less headless run.
_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
    "--mute-audio",
)


class BrowserError(DarkmissError):
    """No browser was found, or it failed to render the page."""


def find_chromium() -> str | None:
    """Path of a Chromium binary (``DARKMISS_CHROMIUM`` first, then :data:`CHROMIUM_NAMES` on PATH), or None."""
    env = os.environ.get("DARKMISS_CHROMIUM")
    if env:
        found = shutil.which(env)
        return found or (env if Path(env).is_file() else None)
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _browser(browser: str | None) -> str:
    exe = browser or find_chromium()
    if not exe:
        raise BrowserError(
            "no Chromium binary found (install Debian's 'chromium' or set DARKMISS_CHROMIUM); tried "
            + ", ".join(CHROMIUM_NAMES)
        )
    return exe


def _page_uri(html_path: str | os.PathLike[str]) -> str:
    p = Path(html_path)
    if not p.is_file():
        raise UserInputError("html_path", str(p), "an existing HTML file")
    return p.resolve().as_uri()


def _run(args: list[str], timeout: float) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            args, capture_output=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL
        )
    except subprocess.TimeoutExpired:
        raise BrowserError(
            f"the browser did not finish within {timeout:g} s: {' '.join(args[:2])} ..."
        ) from None


def _tail(stderr: bytes, n: int = 600) -> str:
    return stderr.decode("utf-8", "replace").strip()[-n:]


def screenshot(
    html_path: str | os.PathLike[str],
    png_path: str | os.PathLike[str],
    *,
    window_size: tuple[int, int] = (1280, 2000),
    timeout: float = 120.0,
    browser: str | None = None,
) -> Path:
    """Open ``html_path`` in headless Chromium and save a PNG screenshot (``window_size`` CSS px) to
    ``png_path`` (written atomically); returns ``png_path``. Raises :class:`BrowserError` when no
    browser is found or it writes no valid PNG."""
    exe = _browser(browser)
    uri = _page_uri(html_path)
    w, h = (int(v) for v in window_size)
    if w < 16 or h < 16:
        raise UserInputError("window_size", window_size, "at least 16 x 16 pixels")
    with tempfile.TemporaryDirectory(prefix="darkmiss-chromium-") as tmp:
        shot = Path(tmp) / "screenshot.png"
        args = [
            exe,
            *_FLAGS,
            f"--user-data-dir={Path(tmp) / 'profile'}",
            f"--screenshot={shot}",
            f"--window-size={w},{h}",
            uri,
        ]
        proc = _run(args, timeout)
        data = shot.read_bytes() if shot.is_file() else b""
        if not data.startswith(PNG_SIGNATURE):
            raise BrowserError(
                f"the browser wrote no PNG screenshot (exit code {proc.returncode}): {_tail(proc.stderr)}"
            )
    with atomic_write_path(png_path) as out:
        out.write_bytes(data)
    return Path(png_path)


def dump_dom(
    html_path: str | os.PathLike[str],
    *,
    timeout: float = 120.0,
    browser: str | None = None,
) -> str:
    """The DOM of ``html_path`` after Chromium rendered it (``--dump-dom``), as serialised HTML."""
    exe = _browser(browser)
    uri = _page_uri(html_path)
    with tempfile.TemporaryDirectory(prefix="darkmiss-chromium-") as tmp:
        args = [exe, *_FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}", "--dump-dom", uri]
        proc = _run(args, timeout)
    dom = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0 or "<html" not in dom.lower():
        raise BrowserError(f"the browser dumped no DOM (exit code {proc.returncode}): {_tail(proc.stderr)}")
    return dom
