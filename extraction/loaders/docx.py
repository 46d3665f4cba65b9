"""DOCX loader: body paragraphs and tables in order, merged cells read from the XML itself.

python-docx is not used at load time: opening its package model costs ~10 ms a file (more than the
whole budget) and its ``row.cells`` repeats merged cells instead of saying where a merge starts. We
read ``word/document.xml`` with lxml and resolve ``w:gridSpan`` (columns), ``w:vMerge`` (rows,
restart/continue) and legacy ``w:hMerge`` ourselves, so each merged label appears once at its origin.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from lxml import etree

from extraction.document import Block, Document, GridCell, LoadError, TableBlock, TextBlock
from extraction.textnorm import squash_whitespace
from extraction.textnorm import normalize_text

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC = f"{W}p", f"{W}tbl", f"{W}tr", f"{W}tc"
_CONTAINERS = {f"{W}sdt", f"{W}sdtContent", f"{W}customXml", f"{W}smartTag", f"{W}ins"}
"""Wrappers whose children are read as if they stood in the parent (content controls, tracked inserts)."""
_VAL = f"{W}val"
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAX_XML = 150 * 1024 * 1024
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)


class DocxLoader:
    name = "docx"

    def score(self, head: bytes, suffix: str) -> int:
        """Zip magic plus a Word part name; OLE2 (.doc/.wps, encrypted Office) only to say why not."""
        if head.startswith(b"PK\x03\x04"):
            if b"word/" in head:
                return 100
            return 40 if suffix == ".docx" or b"[Content_Types].xml" in head else 0
        if head.startswith(_OLE2_MAGIC) and suffix in {".doc", ".docx", ".wps", ".dot"}:
            return 10
        return 0

    def load(self, path: Path, data: bytes) -> Document:
        if data.startswith(_OLE2_MAGIC):
            raise LoadError("legacy Word .doc/.wps or password-protected Office file: save it as DOCX or PDF")
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                try:
                    info = archive.getinfo("word/document.xml")
                except KeyError:
                    raise LoadError("not a Word document: the archive has no word/document.xml") from None
                if info.file_size > _MAX_XML:
                    raise LoadError(f"DOCX body too large ({info.file_size} bytes uncompressed)")
                xml = archive.read(info)
        except LoadError:
            raise
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise LoadError(f"corrupt DOCX: {exc}") from exc
        except Exception as exc:  # zlib.error and other decompressor failures
            raise LoadError(f"corrupt DOCX: {type(exc).__name__}: {exc}") from exc
        try:
            root = etree.fromstring(xml, _PARSER)
        except (etree.XMLSyntaxError, ValueError) as exc:
            raise LoadError(f"corrupt DOCX: word/document.xml is not well-formed XML ({exc})") from exc
        body = root.find(f"{W}body")
        if body is None:
            raise LoadError("corrupt DOCX: word/document.xml has no body")
        # Text-box copies (mc:Fallback) and tracked property changes (old w:tcPr inside
        # w:tcPrChange) need the slower element-by-element reading; most files have neither.
        blocks = _body_blocks(body, fallbacks=b"Fallback>" in xml, careful=b"PrChange" in xml)
        return Document(path=str(path), format="docx", blocks=blocks, page_count=1)


def _children(el: etree._Element) -> Iterator[etree._Element]:
    """Child elements, looking through content-control and similar wrappers."""
    for child in el:
        if child.tag in _CONTAINERS:
            yield from _children(child)
        elif isinstance(child.tag, str):
            yield child


def _body_blocks(body: etree._Element, fallbacks: bool, careful: bool) -> list[Block]:
    blocks: list[Block] = []
    lines: list[str] = []
    tables = 0
    for child in _children(body):
        if child.tag == _P:
            lines.extend(line for line in _paragraph_lines(child, fallbacks) if line)
        elif child.tag == _TBL:
            rows = table_grid(child, fallbacks, careful)
            if not rows or len(rows[0]) < 2:  # a one-column frame around text is layout, not data
                lines.extend(cell.text for row in rows for cell in row if cell is not None and cell.text)
                continue
            if lines:
                blocks.append(TextBlock(lines=lines, locator="text"))
                lines = []
            tables += 1
            blocks.append(TableBlock(rows=rows, locator=f"table {tables}"))
    if lines:
        blocks.append(TextBlock(lines=lines, locator="text"))
    return blocks


_T, _BR, _CR, _TAB, _NBH = f"{W}t", f"{W}br", f"{W}cr", f"{W}tab", f"{W}noBreakHyphen"
_SPAN, _VMERGE, _HMERGE, _BEFORE, _AFTER = (f"{W}gridSpan", f"{W}vMerge", f"{W}hMerge", f"{W}gridBefore",
                                            f"{W}gridAfter")
_TEXT_TAGS = (_P, _T, _BR, _CR, _TAB, _NBH)
_TRPR, _TCPR = f"{W}trPr", f"{W}tcPr"
_STREAM_TAGS = (_TR, _TC, *_TEXT_TAGS, _SPAN, _VMERGE, _HMERGE, _BEFORE, _AFTER)
_PIECES = {_BR: "\n", _CR: "\n", _P: "\n", _TAB: " ", _NBH: "-"}


def _in_fallback(el: etree._Element) -> bool:
    return any(a.tag == MC_FALLBACK for a in el.iterancestors())


def _paragraph_lines(p: etree._Element, fallbacks: bool) -> list[str]:
    """A paragraph's text split at manual line breaks, normalised; text boxes' VML copies skipped."""
    parts: list[str] = []
    for el in p.iter(*_TEXT_TAGS):
        if fallbacks and _in_fallback(el):
            continue
        parts.append((el.text or "") if el.tag == _T else _PIECES.get(el.tag, ""))
    return [squash_whitespace(line) for line in "".join(parts).split("\n")]


def _int_val(el: etree._Element, default: int) -> int:
    try:
        return max(0, min(int(el.get(_VAL, default)), 1000))
    except ValueError:
        return default


class _Tc:
    """One w:tc as read from the stream: its grid span, merge marks and text pieces."""

    __slots__ = ("span", "vmerge", "hmerge", "parts")

    def __init__(self) -> None:
        self.span = 1
        self.vmerge: str | None = None
        self.hmerge: str | None = None
        self.parts: list[str] = []


class _Tr:
    __slots__ = ("before", "after", "cells")

    def __init__(self) -> None:
        self.before = 0
        self.after = 0
        self.cells: list[_Tc] = []


def _read_rows(tbl: etree._Element, fallbacks: bool, careful: bool) -> list[_Tr]:
    """Rows and cells with their merge marks and text pieces.

    The common case (no table nested in a cell) is one pass of lxml's C iterator over the
    table's elements in document order; tcPr/trPr marks arrive right after their w:tc / w:tr.
    """
    if careful or fallbacks or tbl.find(f".//{_TBL}") is not None:
        return _read_rows_nested(tbl, fallbacks)
    rows: list[_Tr] = []
    cell: _Tc | None = None
    texts = (_T, _P, _BR, _CR, _TAB, _NBH)
    for el in tbl.iter(*_STREAM_TAGS):
        tag = el.tag
        if tag in texts:
            if cell is not None:
                cell.parts.append((el.text or "") if tag == _T else _PIECES[tag])
        elif tag == _TC:
            cell = _Tc()
            if rows:
                rows[-1].cells.append(cell)
        elif tag == _TR:
            rows.append(_Tr())
            cell = None
        elif cell is not None and tag == _SPAN:
            cell.span = max(1, _int_val(el, 1))
        elif cell is not None and tag == _VMERGE:
            cell.vmerge = el.get(_VAL, "continue")
        elif cell is not None and tag == _HMERGE:
            cell.hmerge = el.get(_VAL, "continue")
        elif rows and tag == _BEFORE:
            rows[-1].before = _int_val(el, 0)
        elif rows and tag == _AFTER:
            rows[-1].after = _int_val(el, 0)
    return rows


def _read_rows_nested(tbl: etree._Element, fallbacks: bool) -> list[_Tr]:
    """Element by element: a nested table is read into its cell's text; marks only from the
    cell's own w:tcPr (not from a tracked change's old one)."""
    rows: list[_Tr] = []
    for tr in _children(tbl):
        if tr.tag != _TR:
            continue
        row = _Tr()
        rows.append(row)
        for prop in tr.iterchildren(_TRPR):
            for mark in prop:
                if mark.tag == _BEFORE:
                    row.before = _int_val(mark, 0)
                elif mark.tag == _AFTER:
                    row.after = _int_val(mark, 0)
        for tc in _children(tr):
            if tc.tag != _TC:
                continue
            cell = _Tc()
            row.cells.append(cell)
            for prop in tc.iterchildren(_TCPR):
                for mark in prop:
                    if mark.tag == _SPAN:
                        cell.span = max(1, _int_val(mark, 1))
                    elif mark.tag == _VMERGE:
                        cell.vmerge = mark.get(_VAL, "continue")
                    elif mark.tag == _HMERGE:
                        cell.hmerge = mark.get(_VAL, "continue")
            for el in tc.iter(*_TEXT_TAGS):
                if not (fallbacks and _in_fallback(el)):
                    cell.parts.append((el.text or "") if el.tag == _T else _PIECES[el.tag])
    return rows


class _Origin:
    __slots__ = ("row", "col", "text", "rowspan", "colspan")

    def __init__(self, row: int, col: int, text: str, colspan: int) -> None:
        self.row, self.col, self.text, self.rowspan, self.colspan = row, col, text, 1, colspan


def table_grid(tbl: etree._Element, fallbacks: bool = False, careful: bool = False) -> list[list[GridCell | None]]:
    """Logical grid of a w:tbl: merges at their origin cell, covered positions ``None``.

    ``w:gridSpan`` is a colspan; ``w:vMerge`` restart opens a vertical merge per grid column and a
    continue cell extends it; legacy ``w:hMerge`` continue cells widen the cell to their left.
    """
    grid_cols = len(tbl.findall(f"{W}tblGrid/{W}gridCol"))
    origins: dict[tuple[int, int], _Origin] = {}
    vertical: dict[int, _Origin] = {}
    rows = _read_rows(tbl, fallbacks, careful)
    width = grid_cols
    for r, tr in enumerate(rows):
        c = tr.before
        left: _Origin | None = None
        for tc in tr.cells:
            if tc.vmerge is not None and tc.vmerge != "restart" and c in vertical:
                origin = vertical[c]
                origin.rowspan = max(origin.rowspan, r - origin.row + 1)
            elif tc.hmerge is not None and tc.hmerge != "restart" and left is not None:
                left.colspan += tc.span
            else:
                origin = _Origin(r, c, "".join(tc.parts), tc.span)
                origins[(r, c)] = origin
                left = origin
                for col in range(c, c + tc.span):
                    if tc.vmerge is not None:
                        vertical[col] = origin
                    else:
                        vertical.pop(col, None)
            c += tc.span
        width = max(width, c + tr.after)
    grid: list[list[GridCell | None]] = [[None] * width for _ in rows]
    # One normalisation call per table, not per cell (NUL cannot occur in XML text).
    texts = normalize_text("\x00".join(o.text for o in origins.values())).split("\x00")
    for ((r, c), o), text in zip(origins.items(), texts):
        grid[r][c] = GridCell(squash_whitespace(text, normalized=True), rowspan=o.rowspan,
                              colspan=min(o.colspan, width - c))
    return grid
