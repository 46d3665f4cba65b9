"""PDF loader: pypdfium2 reads text and ruling lines, pdfplumber's table finder builds the grids.

Why not plain pdfplumber: its pdfminer content-stream parse costs ~60 ms a page, and every page
pays it. pypdfium2 (C) gives each character with its box and every path segment in a few ms, so
every page's ruling lines go to pdfplumber's own lattice algorithm (``TableFinder`` with explicit
edges: snapping, joining, intersections, cells); checking all pages, not only keyword pages, also
catches a table continued on a page that carries no header words. Cell text is assembled from
pdfium characters by their centre, as pdfplumber does. A page with table words but no ruled grid
from pdfium is handed to pdfplumber itself (its own parse of that page) as a fallback.
"""

from __future__ import annotations

import ctypes
import io
from bisect import bisect_right
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from pdfplumber.table import TableFinder

from extraction.document import Block, Document, GridCell, LoadError, TableBlock, TextBlock
from extraction.pdfium_lock import PDFIUM_LOCK
from extraction.textnorm import join_wrapped_lines, normalize_text

Char = tuple[str, float, float, float, float]
"""text, x0, top, x1, bottom (points, origin top-left)."""
Cell = tuple[float, float, float, float]
Matrix = tuple[float, float, float, float, float, float]

HEADER_KEYWORDS = (
    "信息内容", "申请人情况", "本年制发件数", "本年处理决定数量", "勾稽", "商业企业", "科研机构",
    "社会公益组织", "法律服务机构", "未经复议直接起诉", "本年新制作数量", "采购项目数量",
)
"""Words printed in the tables' headers, seldom in prose. Two of them on a page where pdfium's paths
give no grid send that page to pdfplumber (a safety net; it costs pdfplumber's parse of the page)."""
_EXPLICIT = {"vertical_strategy": "explicit", "horizontal_strategy": "explicit"}
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
MAX_EDGES = 5000
"""More ruling segments than this on one page is a drawing, not a report table."""
_AXIS_TOLERANCE = 0.5
"""A segment whose ends differ by less than this (points) across its axis counts as a ruling line."""


class PdfLoader:
    name = "pdf"

    def score(self, head: bytes, suffix: str) -> int:
        """PDF magic anywhere in the first KB (pdfium accepts leading junk); the extension is a weak hint."""
        if b"%PDF-" in head[:1024]:
            return 100
        return 20 if suffix == ".pdf" else 0

    def load(self, path: Path, data: bytes) -> Document:
        with PDFIUM_LOCK:  # PDFium is not thread-safe (see extraction.pdfium_lock)
            return self._load(path, data)

    def _load(self, path: Path, data: bytes) -> Document:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            if getattr(exc, "err_code", None) == pdfium_c.FPDF_ERR_PASSWORD:
                raise LoadError("encrypted PDF: a password is required") from exc
            raise LoadError(f"corrupt or truncated PDF: {_short(exc)}") from exc
        except Exception as exc:  # pdfium wrappers raise a few other types on odd input
            raise LoadError(f"corrupt or truncated PDF: {_short(exc)}") from exc
        try:
            _check_complete(data)
            return _read(path, data, pdf)
        except LoadError:
            raise
        except Exception as exc:
            raise LoadError(f"corrupt or truncated PDF: {type(exc).__name__}: {_short(exc)}") from exc
        finally:
            pdf.close()


def _short(exc: BaseException) -> str:
    text = str(exc).replace("Failed to load document ", "").strip() or type(exc).__name__
    return text[:160]


def _check_complete(data: bytes) -> None:
    """A cut-off download has no ``%%EOF`` near its end; pdfium may still open what is left."""
    end = data.rfind(b"%%EOF")
    if end < 0 or len(data[end + 5 :].strip(b"\x00\r\n\t\f ")) > 4096:
        raise LoadError("corrupt or truncated PDF: no end-of-file marker (download cut off?)")


def _read(path: Path, data: bytes, pdf: pdfium.PdfDocument) -> Document:
    page_count = len(pdf)
    if page_count == 0:
        raise LoadError("corrupt or truncated PDF: no pages")
    doc = Document(path=str(path), format="pdf", page_count=page_count)
    fallback = _PlumberFallback(data)
    empty_pages: list[int] = []
    try:
        for index in range(page_count):
            try:
                page = pdf[index]
                textpage = page.get_textpage()
            except pdfium.PdfiumError:
                doc.warnings.append(f"page {index + 1} could not be read")
                continue
            try:
                chars = _page_chars(textpage, page.get_mediabox())
                if not any(c[0] != " " for c in chars):
                    empty_pages.append(index + 1)
                    continue
                try:
                    tables = _find_tables(page)
                except _TooManyEdges as exc:
                    doc.warnings.append(f"page {index + 1}: {exc.args[0]} line segments, tables not read")
                    tables = []
                if not tables and _needs_fallback(chars):
                    tables = fallback.tables(index)
                    if tables:
                        doc.warnings.append(f"page {index + 1}: table grid read by pdfplumber fallback")
                doc.blocks.extend(_page_blocks(index + 1, chars, tables))
            finally:
                textpage.close()
                page.close()
    finally:
        fallback.close()
    if len(empty_pages) == page_count:
        doc.has_text_layer = False
        doc.blocks = []
    elif empty_pages:
        doc.warnings.append(f"no text layer on page(s) {', '.join(map(str, empty_pages))} (scanned?)")
    return doc


def _page_chars(textpage: pdfium.PdfTextPage, mediabox: tuple[float, float, float, float]) -> list[Char]:
    """Every printed character with its loose (font-height) box, real spaces included.

    pdfium's generated spaces and line breaks have no usable box and are dropped; gaps are measured
    again in ``_lines``.
    """
    left, _, _, top = mediabox
    raw = textpage.raw
    rect = pdfium_c.FS_RECTF()
    chars: list[Char] = []
    for i in range(textpage.count_chars()):
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        if code < 32 or code in (0xFFFE, 0xFFFF) or (code == 32 and pdfium_c.FPDFText_IsGenerated(raw, i)):
            continue
        if not pdfium_c.FPDFText_GetLooseCharBox(raw, i, rect) or rect.right < rect.left or rect.top <= rect.bottom:
            continue
        chars.append((chr(code), rect.left - left, top - rect.top, rect.right - left, top - rect.bottom))
    return chars


def _needs_fallback(chars: list[Char]) -> bool:
    """Table words on the page but no grid from pdfium's paths: let pdfplumber look (slow, rare)."""
    text = normalize_text("".join(c[0] for c in chars))
    return sum(k in text for k in HEADER_KEYWORDS) >= 2


def _find_tables(page: pdfium.PdfPage) -> list[list[Cell]]:
    """Ruling lines from the page's path objects → pdfplumber's lattice algorithm → cell boxes."""
    left, bottom, right, top = page.get_mediabox()
    edges: list[dict[str, Any]] = []
    _walk(page.raw, pdfium_c.FPDFPage_CountObjects, pdfium_c.FPDFPage_GetObject, _IDENTITY, edges, (left, top))
    h = [e for e in edges if e["top"] == e["bottom"]]
    v = [e for e in edges if e["x0"] == e["x1"]]
    if len(h) < 2 or len(v) < 2:
        return []
    if len(h) + len(v) > MAX_EDGES:  # vector art or outlined text: the lattice search would crawl
        raise _TooManyEdges(len(h) + len(v))
    settings = dict(_EXPLICIT, explicit_horizontal_lines=h, explicit_vertical_lines=v)
    stub = SimpleNamespace(bbox=(0.0, 0.0, right - left, top - bottom))
    finder = TableFinder(stub, settings)  # type: ignore[arg-type]  # explicit edges never touch the page
    return [t.cells for t in finder.tables]


def _walk(handle: Any, count: Any, get: Any, parent: Matrix, out: list[dict[str, Any]], origin: tuple[float, float]) -> None:
    """Collect axis-aligned path segments, descending into form XObjects with their matrices."""
    for i in range(count(handle)):
        obj = get(handle, i)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_PATH:
            _path_edges(obj, _compose(_matrix(obj), parent), out, origin)
        elif kind == pdfium_c.FPDF_PAGEOBJ_FORM:
            _walk(obj, pdfium_c.FPDFFormObj_CountObjects, pdfium_c.FPDFFormObj_GetObject,
                  _compose(_matrix(obj), parent), out, origin)


def _matrix(obj: Any) -> Matrix:
    m = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, m):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(m: Matrix, n: Matrix) -> Matrix:
    """``m`` then ``n`` (PDF row-vector convention)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _path_edges(obj: Any, m: Matrix, out: list[dict[str, Any]], origin: tuple[float, float]) -> None:
    x, y = ctypes.c_float(), ctypes.c_float()
    ox, oy = origin
    start: tuple[float, float] | None = None
    prev: tuple[float, float] | None = None
    for i in range(pdfium_c.FPDFPath_CountSegments(obj)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, i)
        pdfium_c.FPDFPathSegment_GetPoint(segment, x, y)
        point = (m[0] * x.value + m[2] * y.value + m[4] - ox, oy - (m[1] * x.value + m[3] * y.value + m[5]))
        kind = pdfium_c.FPDFPathSegment_GetType(segment)
        if kind == pdfium_c.FPDF_SEGMENT_MOVETO:
            start = point
        elif kind == pdfium_c.FPDF_SEGMENT_LINETO and prev is not None:
            _add_edge(prev, point, out)
        if pdfium_c.FPDFPathSegment_GetClose(segment) and start is not None:
            _add_edge(point, start, out)
        prev = point


def _add_edge(p: tuple[float, float], q: tuple[float, float], out: list[dict[str, Any]]) -> None:
    (x0, y0), (x1, y1) = p, q
    if abs(y0 - y1) < _AXIS_TOLERANCE and abs(x0 - x1) >= 1:
        y = (y0 + y1) / 2
        out.append({"object_type": "line", "x0": min(x0, x1), "x1": max(x0, x1), "top": y, "bottom": y,
                    "width": abs(x1 - x0), "height": 0.0})
    elif abs(x0 - x1) < _AXIS_TOLERANCE and abs(y0 - y1) >= 1:
        x = (x0 + x1) / 2
        out.append({"object_type": "line", "x0": x, "x1": x, "top": min(y0, y1), "bottom": max(y0, y1),
                    "width": 0.0, "height": abs(y1 - y0)})


class _TooManyEdges(Exception):
    pass


class _PlumberFallback:
    """pdfplumber on the whole file, opened only if a page needs it (its parse is the slow part)."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._pdf: Any = None

    def tables(self, index: int) -> list[list[Cell]]:
        import pdfplumber

        try:
            if self._pdf is None:
                self._pdf = pdfplumber.open(io.BytesIO(self._data))
            page = self._pdf.pages[index]
            try:
                return [t.cells for t in page.find_tables()]
            finally:
                page.close()
        except Exception:  # pdfminer trips over what pdfium read: keep the page as text
            return []

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()


class _Grid:
    """pdfplumber's cell boxes as a logical grid: rows by distinct top, columns by distinct x0."""

    def __init__(self, cells: list[Cell]) -> None:
        self.cells = cells
        self.bbox = (min(c[0] for c in cells), min(c[1] for c in cells),
                     max(c[2] for c in cells), max(c[3] for c in cells))
        self.xs = sorted({c[0] for c in cells})
        self.tops = sorted({c[1] for c in cells})
        self.origin: dict[tuple[int, int], Cell] = {}
        self.cover: dict[tuple[int, int], Cell] = {}
        self.span: dict[Cell, tuple[int, int]] = {}
        for cell in cells:
            r0, c0 = self.tops.index(cell[1]), self.xs.index(cell[0])
            rows = [r for r in range(r0, len(self.tops)) if self.tops[r] < cell[3] - 0.01]
            cols = [c for c in range(c0, len(self.xs)) if self.xs[c] < cell[2] - 0.01]
            self.origin[(r0, c0)] = cell
            self.span[cell] = (max(len(rows), 1), max(len(cols), 1))
            for r in rows:
                for c in cols:
                    self.cover.setdefault((r, c), cell)
        self.chars: dict[Cell, list[Char]] = {cell: [] for cell in cells}

    def contains(self, cx: float, cy: float) -> bool:
        x0, top, x1, bottom = self.bbox
        return x0 <= cx < x1 and top <= cy < bottom

    def add(self, char: Char, cx: float, cy: float) -> bool:
        """Put a character in the cell under its centre; False if it falls in no cell."""
        cell = self.cover.get((bisect_right(self.tops, cy) - 1, bisect_right(self.xs, cx) - 1))
        if cell is not None and cell[0] <= cx < cell[2] and cell[1] <= cy < cell[3]:
            self.chars[cell].append(char)
            return True
        return False

    def rows(self) -> list[list[GridCell | None]]:
        grid: list[list[GridCell | None]] = []
        for r in range(len(self.tops)):
            row: list[GridCell | None] = []
            for c in range(len(self.xs)):
                cell = self.origin.get((r, c))
                if cell is None:
                    row.append(None)
                    continue
                lines = [normalize_text(text) for _, text in _lines(self.chars[cell], in_cell=True)]
                rowspan, colspan = self.span[cell]
                row.append(GridCell(join_wrapped_lines(lines), box=cell, rowspan=rowspan, colspan=colspan))
            grid.append(row)
        return grid


def _page_blocks(page_no: int, chars: list[Char], tables: list[list[Cell]]) -> list[Block]:
    """Text lines and tables of one page, ordered by vertical position."""
    grids = [g for g in (_Grid(cells) for cells in tables if cells) if len(g.xs) >= 2]
    outside: list[Char] = []
    for char in chars:
        cx, cy = (char[1] + char[3]) / 2, (char[2] + char[4]) / 2
        if not any(grid.contains(cx, cy) and grid.add(char, cx, cy) for grid in grids):
            outside.append(char)
    items: list[tuple[float, int, Any]] = [(top, 0, text) for top, text in _lines(outside)]
    items += [(g.bbox[1], 1, g) for g in grids]
    items.sort(key=lambda item: (item[0], item[1]))
    blocks: list[Block] = []
    lines: list[str] = []
    table_no = 0
    for _, kind, payload in items:
        if kind == 0:
            lines.append(normalize_text(payload))
            continue
        if lines:
            blocks.append(TextBlock(lines=lines, page=page_no, locator=f"page {page_no}"))
            lines = []
        table_no += 1
        blocks.append(TableBlock(rows=payload.rows(), page=page_no, locator=f"page {page_no}, table {table_no}"))
    if lines:
        blocks.append(TextBlock(lines=lines, page=page_no, locator=f"page {page_no}"))
    return blocks


_SPACE_GAP = 0.25
"""A horizontal gap wider than this fraction of the line height is printed as one space."""


def _wide(ch: str) -> bool:
    """CJK characters and punctuation; full-width letters and digits count as ASCII (１２ ３４)."""
    return ch >= "\u2e80" and not ("\uff10" <= ch <= "\uff5a")


def _lines(chars: list[Char], in_cell: bool = False) -> list[tuple[float, str]]:
    """Group characters into visual lines (by vertical centre), left to right; returns (top, text).

    A wide gap becomes a space (outside tables it may separate the columns of an unruled table).
    Inside a ruled cell a gap between two CJK characters is justification ('商 业 企业'), dropped.
    """
    if not chars:
        return []
    ordered = sorted(chars, key=lambda c: c[2] + c[4])
    groups: list[list[Char]] = []
    anchor = 0.0
    limit = 0.0
    for char in ordered:
        centre, height = (char[2] + char[4]) / 2, char[4] - char[2]
        if groups and abs(centre - anchor) <= limit:
            groups[-1].append(char)
            continue
        groups.append([char])
        anchor, limit = centre, max(height * 0.5, 1.0)
    result: list[tuple[float, str]] = []
    for group in groups:
        group.sort(key=lambda c: c[1])
        heights = sorted(c[4] - c[2] for c in group)
        gap = heights[len(heights) // 2] * _SPACE_GAP
        parts: list[str] = []
        prev: Char | None = None
        spaced = False
        for char in group:
            if char[0] == " ":
                spaced = True
                continue
            if prev is not None and (spaced or char[1] - prev[3] > gap):
                if not (in_cell and _wide(prev[0]) and _wide(char[0])):
                    parts.append(" ")
            parts.append(char[0])
            prev, spaced = char, False
        if parts:
            result.append((min(c[2] for c in group), "".join(parts)))
    return result
