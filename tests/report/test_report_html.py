"""Unit tests of darkmiss.report.html: escaping, table columns, figure embedding, structure."""

from __future__ import annotations

import base64
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from darkmiss.report.html import Report

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3  # any bytes: the report embeds them verbatim


class _Collector(HTMLParser):
    """Collects text, tags and attributes; fails on unbalanced section/table tags."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.depth = {"section": 0, "table": 0}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.depth:
            self.depth[tag] += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.depth:
            self.depth[tag] -= 1
            assert self.depth[tag] >= 0

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def _parse(doc: str) -> _Collector:
    c = _Collector()
    c.feed(doc)
    c.close()
    assert c.depth == {"section": 0, "table": 0}
    return c


def test_title_section_and_text_are_escaped() -> None:
    rep = Report("<script>alert(1)</script>", subtitle="a & b")
    sec = rep.section("S <1>")
    Report.text(sec, "x < y & z > w")
    doc = rep.to_html()
    assert "<script>" not in doc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "a &amp; b" in doc and "S &lt;1&gt;" in doc and "x &lt; y &amp; z &gt; w" in doc
    text = "".join(_parse(doc).text)
    assert "x < y & z > w" in text and "<script>alert(1)</script>" in text


def test_raw_text_is_kept() -> None:
    rep = Report("t")
    Report.text(rep.section("s"), "<b>bold</b>", raw=True)
    assert "<b>bold</b>" in rep.to_html()


def test_table_columns_are_the_union_in_first_seen_order() -> None:
    rep = Report("t")
    rows: list[dict[str, Any]] = [{"a": 1, "b": 2.5}, {"c": "x<y", "a": 3}, {"b": None, "d": True}]
    Report.table(rep.section("s"), rows, title="T & U", caption="cap")
    doc = rep.to_html()
    header = re.findall(r"<th>(.*?)</th>", doc)
    assert header == ["a", "b", "c", "d"]
    body = re.findall(r"<tr>(.*?)</tr>", doc)[1:]
    cells = [re.findall(r"<td>(.*?)</td>", r) for r in body]
    assert cells[0] == ["1", "2.5", "–", "–"]
    assert cells[1] == ["3", "–", "x&lt;y", "–"]
    assert cells[2] == ["–", "–", "–", "yes"]
    assert "<h3>T &amp; U</h3>" in doc and "cap" in doc


def test_number_formatting() -> None:
    rep = Report("t")
    Report.table(rep.section("s"), [{"small": 2.7e-5, "mid": 0.123456, "zero": 0.0, "nan": float("nan")}])
    cells = re.findall(r"<td>(.*?)</td>", rep.to_html())
    assert cells == ["2.700e-05", "0.1235", "0", "–"]


def test_empty_table() -> None:
    rep = Report("t")
    Report.table(rep.section("s"), [], title="nothing")
    doc = rep.to_html()
    assert "(empty)" in doc and "<table" not in doc


def test_figure_is_embedded_as_base64(tmp_path: Path) -> None:
    rep = Report("t")
    sec = rep.section("figs")
    Report.figure(sec, PNG, title="from bytes", caption="cap <1>")
    path = tmp_path / "f.png"
    path.write_bytes(PNG[::-1])
    Report.figure(sec, path, title="from path")
    Report.figure(sec, str(path), title="from str")
    doc = rep.to_html()
    imgs = [a for t, a in _parse(doc).tags if t == "img"]
    assert len(imgs) == 3
    payloads = []
    for a in imgs:
        src = a["src"] or ""
        assert src.startswith("data:image/png;base64,")
        payloads.append(base64.b64decode(src.split(",", 1)[1], validate=True))
    assert payloads == [PNG, PNG[::-1], PNG[::-1]]
    assert [a["alt"] for a in imgs] == ["from bytes", "from path", "from str"]
    assert "cap &lt;1&gt;" in doc
    assert "file://" not in doc and "src='f.png'" not in doc  # self-contained


def test_navigation_anchors_match_sections() -> None:
    rep = Report("t")
    for name in ("One", "Two", "Three"):
        rep.section(name)
    tags = _parse(rep.to_html()).tags
    hrefs = [a["href"] for t, a in tags if t == "a"]
    ids = [a["id"] for t, a in tags if t == "section"]
    assert hrefs == [f"#{i}" for i in ids] and len(set(ids)) == 3


@given(
    st.lists(st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=12), max_size=4), max_size=4)
)
def test_any_table_round_trips_its_text(rows: list[dict[str, str]]) -> None:
    rep = Report("t")
    Report.table(rep.section("s"), rows)
    parsed = _parse(rep.to_html())
    text = "".join(parsed.text)
    for r in rows:
        for k, v in r.items():
            assert k in text and v in text


@pytest.mark.parametrize("bad", [b"", b"not a png"])
def test_any_bytes_embed(bad: bytes) -> None:
    rep = Report("t")
    Report.figure(rep.section("s"), bad)
    src = next(a["src"] for t, a in _parse(rep.to_html()).tags if t == "img")
    assert base64.b64decode((src or "").split(",", 1)[1]) == bad
