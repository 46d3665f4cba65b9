"""HTML loader: report pages from government sites, tables as logical grids in document order.

Charset: a BOM wins; bytes that are valid UTF-8 are UTF-8 whatever the page declares (sites label
UTF-8 pages ``gb2312`` and GBK text is never valid UTF-8 in practice); otherwise the ``<meta>``
charset, then GB18030. Layout tables (ones that hold other tables, or a single column) are read as
flowing text so that only the innermost data tables become grids.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from extraction.document import Block, Document, GridCell, LoadError, TableBlock, TextBlock
from extraction.textnorm import decode_bytes, squash_whitespace

HTML_SUFFIXES = {".htm", ".html", ".shtml", ".xhtml", ".jsp", ".asp", ".aspx", ".php"}
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body caption center dd div dl dt fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr html li main nav ol p pre section table tbody td tfoot "
    "th thead tr ul".split()
)
_SKIP_TAGS = frozenset("head script style noscript template select iframe object svg button".split())
_META_CHARSET = re.compile(rb"""<meta[^>]{0,400}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_MAX_SPAN = 1000
_PARSER = etree.HTMLParser(no_network=True)
"""Plain elements, not lxml.html's: its per-element class lookup tripled the walk time."""


def sniff_charset(data: bytes) -> str | None:
    """The charset a page declares in its first 4 KB (meta charset, http-equiv, XML declaration)."""
    head = data[:4096]
    utf16 = _utf16_guess(head)
    if utf16:
        return utf16
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii", "replace").lower() if match else None


def _utf16_guess(head: bytes) -> str | None:
    """UTF-16 without a BOM shows as every other byte NUL in ASCII markup."""
    sample = head[:2000]
    if len(sample) < 8 or sample.count(0) < len(sample) // 3:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    return "utf-16-be" if even > odd else "utf-16-le"


def _decode(data: bytes) -> str:
    declared = sniff_charset(data)
    if declared and not declared.startswith("utf-16"):
        try:
            data.decode("utf-8")
            declared = None  # valid UTF-8 is UTF-8, whatever the page claims
        except UnicodeDecodeError:
            pass
    return decode_bytes(data, declared)


class HtmlLoader:
    name = "html"

    def score(self, head: bytes, suffix: str) -> int:
        """Markup in the first 8 KB (ASCII-compatible or UTF-16); the extension alone is a weak hint."""
        sample = head[:8192]
        utf16 = _utf16_guess(sample)
        if utf16:
            sample = sample.decode(utf16, errors="ignore").encode("utf-8", errors="ignore")
        sample = sample.lower()
        if b"<html" in sample or b"<!doctype html" in sample:
            return 90
        if b"<table" in sample or b"<body" in sample:
            return 60
        return 20 if suffix in HTML_SUFFIXES else 0

    def load(self, path: Path, data: bytes) -> Document:
        text = _CONTROL.sub("", _XML_DECL.sub("", _decode(data), count=1))
        try:
            root = etree.fromstring(text, _PARSER)
            if root is None:
                raise LoadError("HTML page has no text")
        except (etree.ParserError, ValueError) as exc:
            raise LoadError(f"unreadable HTML: {exc}") from exc
        except Exception as exc:  # lxml raises a few C-level error types on pathological markup
            raise LoadError(f"unreadable HTML: {type(exc).__name__}: {exc}") from exc
        try:
            blocks = _html_blocks(root)
        except RecursionError as exc:
            raise LoadError("unreadable HTML: nested too deeply") from exc
        if not any(isinstance(b, TableBlock) or b.lines for b in blocks):
            raise LoadError("HTML page has no text (content loaded by a script?)")
        return Document(path=str(path), format="html", blocks=blocks, page_count=1)


def _html_blocks(root: etree._Element) -> list[Block]:
    builder = _Builder(tables=True)
    title = root.find(".//title")
    if title is not None:
        line = squash_whitespace("".join(title.itertext()))
        if line:
            builder.blocks.append(TextBlock(lines=[line], locator="html title"))
    body = root.find("body")
    builder.walk(body if body is not None else root)
    builder.flush()
    return builder.blocks


class _Builder:
    """Walks markup into lines (block elements and <br> break lines) and, if asked, table grids."""

    def __init__(self, tables: bool) -> None:
        self.tables = tables
        self.blocks: list[Block] = []
        self.lines: list[str] = []
        self.parts: list[str] = []
        self.table_count = 0

    def newline(self) -> None:
        if self.parts:
            line = squash_whitespace("".join(self.parts))
            self.parts = []
            if line:
                self.lines.append(line)

    def flush(self) -> None:
        self.newline()
        if self.lines:
            self.blocks.append(TextBlock(lines=self.lines, locator="text"))
            self.lines = []

    def walk(self, el: etree._Element) -> None:
        tag = el.tag
        if not isinstance(tag, str):  # comment or processing instruction: only its tail is text
            return
        if "}" in tag:
            tag = tag.rsplit("}", 1)[-1]
        if tag in _SKIP_TAGS:
            return
        if tag == "br":
            self.newline()
            return
        if tag == "table" and self.tables and el.find(".//table") is None:
            rows = table_grid(el)
            if rows and len(rows[0]) >= 2:
                for caption in el.xpath("./caption"):
                    self.parts.append("".join(caption.itertext()))
                self.flush()
                self.table_count += 1
                self.blocks.append(TableBlock(rows=rows, locator=f"table {self.table_count}"))
                return
        block = tag in _BLOCK_TAGS
        if block:
            self.newline()
        if el.text:
            self.parts.append(el.text)
        for child in el:
            self.walk(child)
            if child.tail:
                self.parts.append(child.tail)
        if block:
            self.newline()


def _span(value: str | None, zero_means_rest: bool) -> int:
    """A rowspan/colspan attribute; junk or negative is 1, ``rowspan="0"`` runs to the last row."""
    if value is None:
        return 1
    try:
        span = int(value.strip())
    except ValueError:
        return 1
    if span == 0 and zero_means_rest:
        return 0
    return min(span, _MAX_SPAN) if span > 0 else 1


_TABLE_PARTS = etree.XPath(".//tr | .//td | .//th | .//br | .//p | .//div | .//li | .//text()")
"""A table's rows, cells, line-breaking elements and text nodes in document order, in one C query."""
_TABLE_PARTS_FILTERED = etree.XPath(
    ".//tr | .//td | .//th | .//br | .//p | .//div | .//li"
    " | .//text()[not(ancestor::script or ancestor::style or ancestor::caption)]"
)
"""The same without script, style and caption text: slower, used only when a table holds those."""
_HAS_NOISE = etree.XPath("boolean(.//script | .//style | .//caption)")


def _row_cells(table: etree._Element) -> list[list[tuple[etree._Element, list[str]]]]:
    """Rows of (cell element, text pieces); a line-breaking element inside a cell is a newline."""
    rows: list[list[tuple[etree._Element, list[str]]]] = []
    parts: list[str] | None = None
    query = _TABLE_PARTS_FILTERED if _HAS_NOISE(table) else _TABLE_PARTS
    for item in query(table):
        if isinstance(item, str):
            if parts is not None:
                parts.append(item)
            continue
        tag = item.tag
        if tag == "tr":
            rows.append([])
            parts = None
        elif tag in ("td", "th"):
            if not rows:
                rows.append([])
            parts = []
            rows[-1].append((item, parts))
        elif parts is not None:
            parts.append("\n")
    return rows


def table_grid(table: etree._Element) -> list[list[GridCell | None]]:
    """Logical grid of one table: each merged cell at its origin, covered positions ``None``.

    Cell text: line-breaking elements become newlines and ``squash_whitespace`` joins across them
    exactly as ``join_wrapped_lines`` does.
    """
    rows = _row_cells(table)
    n_rows = len(rows)
    occupied: set[tuple[int, int]] = set()
    origins: list[tuple[int, int, GridCell]] = []
    width = 0
    for r, cells in enumerate(rows):
        c = 0
        for td, parts in cells:
            while (r, c) in occupied:
                c += 1
            rowspan = _span(td.get("rowspan"), zero_means_rest=True)
            rowspan = n_rows - r if rowspan == 0 else min(rowspan, n_rows - r)
            colspan = _span(td.get("colspan"), zero_means_rest=False)
            if rowspan == colspan == 1:
                occupied.add((r, c))
            else:
                occupied.update((r + i, c + j) for i in range(rowspan) for j in range(colspan))
            text = squash_whitespace("".join(parts))
            origins.append((r, c, GridCell(text, rowspan=rowspan, colspan=colspan)))
            c += colspan
            width = max(width, c)
    width = max([width] + [c + 1 for _, c in occupied])
    grid: list[list[GridCell | None]] = [[None] * width for _ in range(n_rows)]
    for r, c, cell in origins:
        grid[r][c] = cell
    return grid
