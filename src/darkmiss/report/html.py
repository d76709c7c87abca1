"""A self-contained HTML report: tables, figures embedded as base64 PNG, provenance.

Pure: builds a string; the caller (CLI / pipeline) writes it atomically.
"""

from __future__ import annotations

import base64
import html
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_CSS = """
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#1b1f24;background:#fafbfc}
header{background:#12325b;color:#fff;padding:18px 32px}
header h1{margin:0;font-size:26px} header p{margin:4px 0 0;opacity:.85}
nav{background:#e8edf3;padding:8px 32px;font-size:14px} nav a{margin-right:14px;color:#12325b}
main{padding:8px 32px 40px;max-width:1200px}
section{background:#fff;border:1px solid #dde3ea;border-radius:6px;padding:12px 20px;margin:18px 0}
h2{color:#12325b;font-size:20px;border-bottom:1px solid #dde3ea;padding-bottom:4px}
h3{font-size:16px;margin-bottom:4px}
table{border-collapse:collapse;font-size:12px;margin:6px 0 4px;display:block;max-width:100%;overflow-x:auto}
th,td{border:1px solid #ccd4dd;padding:3px 6px;text-align:right}
td{max-width:420px;overflow-wrap:anywhere}
th{background:#f0f3f7} td:first-child,th:first-child{text-align:left}
figure{display:inline-block;margin:8px 12px 8px 0;vertical-align:top;max-width:560px}
figure img{max-width:560px;width:100%;border:1px solid #e0e4e8}
figcaption{font-size:12px;color:#444}
.note{font-size:13px;color:#444} .warn{color:#8a4b00}
.caption{font-size:12px;color:#444;margin:0 0 14px;max-width:1100px}
code{background:#f0f3f7;padding:1px 4px;border-radius:3px}
"""


def _fmt(v: Any) -> str:
    if v is None:
        return "–"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if math.isnan(v):
            return "–"
        if v == 0:
            return "0"
        a = abs(v)
        return f"{v:.4g}" if 1e-3 <= a < 1e5 else f"{v:.3e}"
    if isinstance(v, (list, tuple)):
        # long arrays belong in figures or folded details, never in a cell
        return "[" + ", ".join(_fmt(x) for x in v[:8]) + (", …]" if len(v) > 8 else "]")
    return html.escape(str(v))


@dataclass
class Block:
    kind: str  # "text", "table", "figure"
    payload: Any
    title: str = ""
    caption: str = ""


@dataclass
class Section:
    title: str
    anchor: str
    blocks: list[Block] = field(default_factory=list)


@dataclass
class Report:
    """Build a report section by section, then render with :meth:`to_html`."""

    title: str
    subtitle: str = ""
    sections: list[Section] = field(default_factory=list)

    def section(self, title: str) -> Section:
        anchor = "s" + str(len(self.sections) + 1)
        sec = Section(title, anchor)
        self.sections.append(sec)
        return sec

    @staticmethod
    def text(sec: Section, text: str, *, raw: bool = False) -> None:
        sec.blocks.append(Block("text", text if raw else html.escape(text)))

    @staticmethod
    def table(sec: Section, records: list[dict[str, Any]], title: str = "", caption: str = "") -> None:
        sec.blocks.append(Block("table", records, title, caption))

    @staticmethod
    def figure(sec: Section, png: bytes | str | Path, title: str = "", caption: str = "") -> None:
        data = png if isinstance(png, bytes) else Path(png).read_bytes()
        sec.blocks.append(Block("figure", data, title, caption))

    def to_html(self) -> str:
        out = [
            "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
            f"<title>{html.escape(self.title)}</title><style>{_CSS}</style></head><body>",
            f"<header><h1>{html.escape(self.title)}</h1><p>{html.escape(self.subtitle)}</p></header>",
            "<nav>"
            + "".join(f"<a href='#{s.anchor}'>{html.escape(s.title)}</a>" for s in self.sections)
            + "</nav>",
            "<main>",
        ]
        for s in self.sections:
            out.append(f"<section id='{s.anchor}'><h2>{html.escape(s.title)}</h2>")
            for b in s.blocks:
                out.append(_render_block(b))
            out.append("</section>")
        out.append("</main></body></html>")
        return "\n".join(out)


def _render_block(b: Block) -> str:
    if b.kind == "text":
        return f"<p class='note'>{b.payload}</p>"
    if b.kind == "figure":
        enc = base64.b64encode(b.payload).decode("ascii")
        cap = html.escape(b.caption or b.title)
        return f"<figure><img alt='{html.escape(b.title)}' src='data:image/png;base64,{enc}'><figcaption>{cap}</figcaption></figure>"
    records: list[dict[str, Any]] = b.payload
    parts = []
    if b.title:
        parts.append(f"<h3>{html.escape(b.title)}</h3>")
    if not records:
        parts.append("<p class='note'>(empty)</p>")
        return "".join(parts)
    cols: list[str] = []
    for r in records:
        for k in r:
            if k not in cols:
                cols.append(k)
    parts.append("<table><tr>" + "".join(f"<th>{html.escape(str(c))}</th>" for c in cols) + "</tr>")
    for r in records:
        parts.append("<tr>" + "".join(f"<td>{_fmt(r.get(c))}</td>" for c in cols) + "</tr>")
    parts.append("</table>")
    if b.caption:
        parts.append(f"<p class='caption'>{html.escape(b.caption)}</p>")
    return "".join(parts)
