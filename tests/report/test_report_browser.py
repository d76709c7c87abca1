"""The HTML report renders in a real browser: headless Chromium screenshot and DOM.

Skipped only when no Chromium binary is installed (``.ci/run`` installs Debian's ``chromium``).
"""

from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pytest
from PIL import Image

from darkmiss.cache import write_text_atomic
from darkmiss.errors import UserInputError
from darkmiss.report.browser import PNG_SIGNATURE, BrowserError, dump_dom, find_chromium, screenshot
from darkmiss.report.html import Report

needs_chromium = pytest.mark.skipif(
    find_chromium() is None,
    reason="no Chromium binary found (apt-get install chromium, or set DARKMISS_CHROMIUM)",
)

RED = (255, 0, 0)


def _figure_png() -> bytes:
    """A figure with a large pure-red block: a colour nothing else on the page uses."""
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    ax.fill_between([0, 1], [0, 0], [1, 1], color="#ff0000")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    plt.close(fig)
    return buf.getvalue()


@pytest.fixture(scope="module")
def report_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rep = Report("darkmiss browser check", "a small report")
    sec = rep.section("Limits")
    rep.table(
        sec,
        [{"mass": 0.01, "epsilon_etl": 2.7e-5}, {"mass": 0.1, "epsilon_etl": 2.6e-4, "note": "ZEBRA-ROW-42"}],
        title="Expected sensitivity",
    )
    rep.figure(sec, _figure_png(), title="red block", caption="a red block")
    Report.text(rep.section("Provenance"), "seed 7 <ok>")
    path = tmp_path_factory.mktemp("report") / "report.html"
    write_text_atomic(path, rep.to_html())
    return path


@needs_chromium
def test_screenshot_is_a_nontrivial_png(report_file: Path, tmp_path: Path) -> None:
    png = screenshot(report_file, tmp_path / "shot.png", window_size=(1280, 2000))
    assert png == tmp_path / "shot.png"
    data = png.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    with Image.open(png) as im:
        im.verify()
    with Image.open(png) as im:
        assert im.size == (1280, 2000)
        rgb = np.asarray(im.convert("RGB"))
    packed = (rgb[..., 0].astype(np.uint32) << 16) | (rgb[..., 1].astype(np.uint32) << 8) | rgb[..., 2]
    assert np.unique(packed).size > 10  # not a blank page
    # The embedded base64 figure was decoded and drawn: many pure-red pixels.
    red = np.all(rgb == np.array(RED, dtype=np.uint8), axis=-1).sum()
    assert red > 5000, red
    # The header bar (#12325b) is drawn at the top.
    assert tuple(rgb[5, 640]) == (0x12, 0x32, 0x5B)


@needs_chromium
def test_dump_dom_shows_the_table(report_file: Path) -> None:
    dom = dump_dom(report_file)
    assert "ZEBRA-ROW-42" in dom
    assert "Expected sensitivity" in dom
    assert "epsilon_etl" in dom
    assert "2.700e-05" in dom
    assert "seed 7 &lt;ok&gt;" in dom
    assert "data:image/png;base64," in dom


def test_missing_browser_is_a_clear_error(
    report_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DARKMISS_CHROMIUM", str(tmp_path / "no-such-browser"))
    assert find_chromium() is None
    with pytest.raises(BrowserError, match="no Chromium binary"):
        screenshot(report_file, tmp_path / "x.png")
    assert not (tmp_path / "x.png").exists()


def test_missing_page_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserInputError):
        screenshot(tmp_path / "absent.html", tmp_path / "x.png", browser="/bin/true")


def test_browser_that_writes_nothing_is_an_error(report_file: Path, tmp_path: Path) -> None:
    # /bin/true exits 0 without writing a screenshot: must not pass silently.
    with pytest.raises(BrowserError, match="no PNG"):
        screenshot(report_file, tmp_path / "x.png", browser="/bin/true")
    assert not (tmp_path / "x.png").exists()
