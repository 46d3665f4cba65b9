"""Word reports made from the official blank template, as bodies fill it in.

For the 2021 template the template's own tables are copied and filled, so the merges (w:gridSpan,
w:vMerge) and per-cell borders are exactly the official ones; the title, headings and prose reuse
the template's paragraph formatting. The 2019 tables, which the blank does not have, are built with
python-docx merges in the same grid.
"""

from __future__ import annotations

import io
import zipfile
from copy import deepcopy
from functools import cache
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from lxml import etree

from .compose import Block, Heading, Para, Table, Title, compose
from .layout import Cell, Grid, table3
from .records import Report
from .style import Style, wrap_text

TEMPLATE_DOCX = Path(__file__).resolve().parents[2] / "fixtures" / "real" / "template-2021-blank.docx"
_TEMPLATE_TABLES = {"table2": 0, "table3": 1, "table4": 2}
_WIDTH_TWIPS = 9740


@cache
def _template_bytes() -> bytes:
    return TEMPLATE_DOCX.read_bytes()


def _open_template() -> docx.document.Document:
    return docx.Document(io.BytesIO(_template_bytes()))


def _cell_lines(cell: Cell, style: Style) -> list[str]:
    if cell.vertical and style.vertical_labels:
        return list(cell.text)
    if cell.wrap and style.wrap_labels and len(cell.text) > 14:
        return wrap_text(cell.text, 14)
    return [cell.text]


def _set_para_text(p: etree._Element, lines: list[str], rpr: etree._Element | None) -> None:
    """Replace a paragraph's runs with one run per line, joined by w:br (Shift+Enter in Word)."""
    for r in p.findall(qn("w:r")):
        p.remove(r)
    for i, line in enumerate(lines):
        run = OxmlElement("w:r")
        if rpr is not None:
            run.append(deepcopy(rpr))
        if i:
            run.append(OxmlElement("w:br"))
        t = OxmlElement("w:t")
        t.set(qn("xml:space"), "preserve")
        t.text = line
        run.append(t)
        p.append(run)


def _set_tc_text(tc: etree._Element, lines: list[str]) -> None:
    paras = tc.findall(qn("w:p"))
    if not paras:
        paras = [OxmlElement("w:p")]
        tc.append(paras[0])
    for extra in paras[1:]:
        tc.remove(extra)
    first_run = paras[0].find(qn("w:r"))
    rpr = first_run.find(qn("w:rPr")) if first_run is not None else None
    _set_para_text(paras[0], lines, deepcopy(rpr) if rpr is not None else None)


def _vmerge(tc: etree._Element) -> str | None:
    pr = tc.find(qn("w:tcPr"))
    vm = pr.find(qn("w:vMerge")) if pr is not None else None
    if vm is None:
        return None
    return vm.get(qn("w:val")) or "continue"


def _fill(tbl: etree._Element, grid: Grid, style: Style) -> None:
    """Write a grid into a template table: each row's non-continued cells, in order, are the grid
    row's cells (the template and the layout merge the same way)."""
    rows = tbl.findall(qn("w:tr"))
    if len(rows) != len(grid.rows):
        raise ValueError(f"{grid.name}: template has {len(rows)} rows, layout {len(grid.rows)}")
    for tr, cells in zip(rows, grid.rows):
        tcs = [tc for tc in tr.findall(qn("w:tc")) if _vmerge(tc) != "continue"]
        if len(tcs) != len(cells):
            raise ValueError(f"{grid.name}: template row has {len(tcs)} cells, layout {len(cells)}")
        for tc, cell in zip(tcs, cells):
            _set_tc_text(tc, _cell_lines(cell, style))


def _split_template(
    tbl: etree._Element, after: int, headers: int, repeat: bool
) -> tuple[etree._Element, etree._Element]:
    """Cut a template table after grid row ``after``; vertical merges cut by it restart below."""
    first, second = _fresh(tbl), _fresh(tbl)
    for i, tr in enumerate(first.findall(qn("w:tr"))):
        if i > after:
            first.remove(tr)
    for i, tr in enumerate(second.findall(qn("w:tr"))):
        if i <= after and not (repeat and i < headers):
            second.remove(tr)
    top = second.findall(qn("w:tr"))[headers if repeat else 0]
    for tc in top.findall(qn("w:tc")):
        if _vmerge(tc) == "continue":
            tc.find(qn("w:tcPr")).find(qn("w:vMerge")).set(qn("w:val"), "restart")
    return first, second


def _el(tag: str, **attrs: str) -> etree._Element:
    el = OxmlElement(tag)
    for name, value in attrs.items():
        el.set(qn(f"w:{name}"), value)
    return el


def _built_table(grid: Grid, style: Style) -> etree._Element:
    """A ruled table for a grid the template lacks (2019), merged as Word merges: a w:gridSpan
    cell per horizontal merge, w:vMerge restart/continue cells down a vertical one."""
    total = sum(grid.widths)
    twips = [int(_WIDTH_TWIPS * w / total) for w in grid.widths]
    tbl = OxmlElement("w:tbl")
    tbl_pr = OxmlElement("w:tblPr")
    tbl_pr.append(_el("w:tblW", w=str(sum(twips)), type="dxa"))
    tbl_pr.append(_el("w:jc", val="center"))
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        borders.append(_el(f"w:{side}", val="single", sz="8", space="0", color="auto"))
    tbl_pr.append(borders)
    tbl_pr.append(_el("w:tblLayout", type="fixed"))
    tbl.append(tbl_pr)
    tbl_grid = OxmlElement("w:tblGrid")
    for w in twips:
        tbl_grid.append(_el("w:gridCol", w=str(w)))
    tbl.append(tbl_grid)
    owner: dict[tuple[int, int], tuple[Cell, int]] = {}
    for r, c, cell in grid.placed():
        for dr in range(cell.rowspan):
            owner[(r + dr, c)] = (cell, r)
    rpr = OxmlElement("w:rPr")
    rpr.append(_el("w:rFonts", ascii="宋体", hAnsi="宋体", eastAsia="宋体", hint="eastAsia"))
    rpr.append(_el("w:sz", val="20"))
    for r in range(len(grid.rows)):
        tr = OxmlElement("w:tr")
        c = 0
        while c < grid.ncols:
            cell, top = owner[(r, c)]
            tc = OxmlElement("w:tc")
            tc_pr = OxmlElement("w:tcPr")
            tc_pr.append(_el("w:tcW", w=str(sum(twips[c : c + cell.colspan])), type="dxa"))
            if cell.colspan > 1:
                tc_pr.append(_el("w:gridSpan", val=str(cell.colspan)))
            if cell.rowspan > 1:
                tc_pr.append(_el("w:vMerge", val="restart") if r == top else OxmlElement("w:vMerge"))
            tc_pr.append(_el("w:vAlign", val="center"))
            tc.append(tc_pr)
            p = OxmlElement("w:p")
            if cell.kind != "label" or cell.vertical:
                p.append(_el("w:pPr"))
                p[0].append(_el("w:jc", val="center"))
            tc.append(p)
            if r == top:
                _set_para_text(p, _cell_lines(cell, style), deepcopy(rpr))
            tr.append(tc)
            c += cell.colspan
        tbl.append(tr)
    return tbl


_W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"


def _fresh(el: etree._Element) -> etree._Element:
    """A copy without Word's w14:paraId/textId, which must stay unique in a document."""
    el = deepcopy(el)
    for node in el.iter():
        for name in [a for a in node.attrib if a.startswith(_W14)]:
            del node.attrib[name]
    return el


def _page_break_para() -> etree._Element:
    p = OxmlElement("w:p")
    run = OxmlElement("w:r")
    br = OxmlElement("w:br")
    br.set(qn("w:type"), "page")
    run.append(br)
    p.append(run)
    return p


def docx_document(report: Report, style: Style = Style()) -> docx.document.Document:
    """The filled document (for tests that want to inspect it before saving)."""
    return blocks_docx(compose(report, style), style, report if report["template"] == "2021" else None)


def _fill_template_tables(doc_parts: _Parts, blocks: list[Block], i: int, report: Report,
                          style: Style) -> bool:
    """Write table block ``i`` (and its continuation) as filled copies of the template's tables."""
    block = blocks[i]
    assert isinstance(block, Table)
    tbl = _fresh(doc_parts.templates[_TEMPLATE_TABLES[block.grid.name]])
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    if isinstance(nxt, Table) and nxt.continued:
        whole = table3(report, style)
        after = whole.row_keys.index(style.split_table3_after_row)
        top, bottom = _split_template(tbl, after, whole.header_rows, style.repeat_header)
        _fill(top, block.grid, style)
        _fill(bottom, nxt.grid, style)
        doc_parts.add(top, _page_break_para(), bottom)
        return True
    _fill(tbl, block.grid, style)
    doc_parts.add(tbl)
    return False


class _Parts:
    """The template opened and emptied: its paragraph formats and tables kept as prototypes."""

    def __init__(self) -> None:
        self.doc = _open_template()
        body = self.doc.element.body
        paras = {"".join(t.text or "" for t in p.iter(qn("w:t"))): p for p in body.findall(qn("w:p"))}
        self.protos = {"title": paras["政府信息公开工作年度报告格式模板"], "heading": paras["一、总体情况"],
                       "body": paras["（文字描述）"]}
        self.templates = [deepcopy(t) for t in body.findall(qn("w:tbl"))]
        self.sect = body.find(qn("w:sectPr"))
        for el in list(body):
            if el is not self.sect:
                body.remove(el)

    def add(self, *elements: etree._Element) -> None:
        for el in elements:
            self.sect.addprevious(el)

    def para(self, kind: str, text: str) -> None:
        p = _fresh(self.protos[kind])
        run = p.find(qn("w:r"))
        rpr = run.find(qn("w:rPr")) if run is not None else None
        _set_para_text(p, [text], deepcopy(rpr) if rpr is not None else None)
        self.add(p)


def blocks_docx(blocks: list[Block], style: Style, fill_from: Report | None = None) -> docx.document.Document:
    """Any block list as a Word document in the template's formatting. With ``fill_from`` (a 2021
    record) the tables are the template's own, filled; otherwise they are built with merges."""
    parts = _Parts()
    skip_next = False
    for i, block in enumerate(blocks):
        if isinstance(block, Title):
            for line in block.lines:
                parts.para("title", line)
        elif isinstance(block, Heading):
            parts.para("heading", block.text)
        elif isinstance(block, Para):
            parts.para("body", block.text)
        elif isinstance(block, Table):
            if skip_next:
                skip_next = False  # the continuation was written with its first part
                continue
            if fill_from is not None:
                skip_next = _fill_template_tables(parts, blocks, i, fill_from, style)
                continue
            if block.continued:
                parts.add(_page_break_para())
            parts.add(_built_table(block.grid, style))
    return parts.doc


def save_stable(document: docx.document.Document, path: str | Path) -> Path:
    """Save with fixed zip timestamps, so the same document gives the same bytes."""
    raw = io.BytesIO()
    document.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=(2024, 1, 1, 0, 0, 0)), src.read(info),
                         compress_type=zipfile.ZIP_DEFLATED)
    path = Path(path)
    path.write_bytes(out.getvalue())
    return path


def write_docx(report: Report, path: str | Path, style: Style = Style()) -> Path:
    """A .docx report: the official template filled in (2021) or rebuilt with its merges (2019)."""
    return save_stable(docx_document(report, style), path)
