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
from extraction.loaders.html import join_wrapped_lines, squash_whitespace

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
        return Document(path=str(path), format="docx", blocks=_body_blocks(body), page_count=1)


def _children(el: etree._Element) -> Iterator[etree._Element]:
    """Child elements, looking through content-control and similar wrappers."""
    for child in el:
        if child.tag in _CONTAINERS:
            yield from _children(child)
        elif isinstance(child.tag, str):
            yield child


def _body_blocks(body: etree._Element) -> list[Block]:
    blocks: list[Block] = []
    lines: list[str] = []
    tables = 0
    for child in _children(body):
        if child.tag == _P:
            lines.extend(line for line in _paragraph_lines(child) if line)
        elif child.tag == _TBL:
            rows = table_grid(child)
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


_TEXT_TAGS = (f"{W}t", f"{W}tab", f"{W}br", f"{W}cr", f"{W}noBreakHyphen", f"{W}ptab")


def _paragraph_lines(p: etree._Element) -> list[str]:
    """A paragraph's text split at manual line breaks, normalised; text boxes' fallbacks skipped."""
    skip_fallback = p.find(f".//{MC_FALLBACK}") is not None
    parts: list[str] = []
    for el in p.iter(*_TEXT_TAGS):
        if skip_fallback and any(a.tag == MC_FALLBACK for a in el.iterancestors()):
            continue
        tag = el.tag
        if tag == f"{W}t":
            parts.append(el.text or "")
        elif tag in (f"{W}br", f"{W}cr"):
            parts.append("\n")
        elif tag == f"{W}noBreakHyphen":
            parts.append("-")
        else:
            parts.append(" ")
    return [squash_whitespace(line) for line in "".join(parts).split("\n")]


def _cell_text(tc: etree._Element) -> str:
    lines: list[str] = []
    for child in _children(tc):
        if child.tag == _P:
            lines.extend(_paragraph_lines(child))
        elif child.tag == _TBL:  # a table inside a cell: read its text into the cell
            lines.extend(c.text for row in table_grid(child) for c in row if c is not None)
    return join_wrapped_lines(lines)


def _int_val(el: etree._Element | None, default: int) -> int:
    if el is None:
        return default
    try:
        return max(0, min(int(el.get(_VAL, default)), 1000))
    except ValueError:
        return default


class _Origin:
    __slots__ = ("row", "col", "text", "rowspan", "colspan")

    def __init__(self, row: int, col: int, text: str, colspan: int) -> None:
        self.row, self.col, self.text, self.rowspan, self.colspan = row, col, text, 1, colspan


def table_grid(tbl: etree._Element) -> list[list[GridCell | None]]:
    """Logical grid of a w:tbl: merges at their origin cell, covered positions ``None``."""
    grid_cols = len(tbl.findall(f"{W}tblGrid/{W}gridCol"))
    origins: dict[tuple[int, int], _Origin] = {}
    vertical: dict[int, _Origin] = {}
    rows = [tr for tr in _children(tbl) if tr.tag == _TR]
    width = grid_cols
    for r, tr in enumerate(rows):
        c = _int_val(tr.find(f"{W}trPr/{W}gridBefore"), 0)
        left: _Origin | None = None
        for tc in (el for el in _children(tr) if el.tag == _TC):
            span = max(1, _int_val(tc.find(f"{W}tcPr/{W}gridSpan"), 1))
            vmerge = tc.find(f"{W}tcPr/{W}vMerge")
            hmerge = tc.find(f"{W}tcPr/{W}hMerge")
            if vmerge is not None and vmerge.get(_VAL, "continue") != "restart" and c in vertical:
                origin = vertical[c]
                origin.rowspan = max(origin.rowspan, r - origin.row + 1)
            elif hmerge is not None and hmerge.get(_VAL, "continue") != "restart" and left is not None:
                left.colspan += span
            else:
                origin = _Origin(r, c, _cell_text(tc), span)
                origins[(r, c)] = origin
                left = origin
                for col in range(c, c + span):
                    if vmerge is not None:
                        vertical[col] = origin
                    else:
                        vertical.pop(col, None)
            c += span
        width = max(width, c + _int_val(tr.find(f"{W}trPr/{W}gridAfter"), 0))
    grid: list[list[GridCell | None]] = [[None] * width for _ in rows]
    for (r, c), o in origins.items():
        grid[r][c] = GridCell(o.text, rowspan=o.rowspan, colspan=min(o.colspan, width - c))
    return grid
