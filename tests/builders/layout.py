"""The three tables as logical grids laid out like the official templates, for every writer.

A grid lists, per row, the cells that *start* in that row (as HTML does); rowspan/colspan say how
far each reaches. Writers for PDF, HTML, DOCX and text all render these grids, so one layout (the
template's merges, the 勾稽 note, the vertical 三、本年度办理结果 label) is written once.
Row labels come from ``extraction.schema``; only the template's structural words are defined here.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Literal

from extraction.schema import (
    ACTIVE,
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    APPLICATIONS,
    REVIEW,
    REVIEW_FIELDS,
    REVIEW_ROWS,
    ROWS_ABSENT_IN_2019,
    CellKey,
    RowSpec,
    Template,
    active_rows,
)

from .records import Report
from .style import Style, bracket_label, format_value

CHECK_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
APPLICANTS = "申请人情况"
LEGAL_PERSONS = "法人或其他组织"
RESULTS = "三、本年度办理结果"
CONTENT = "信息内容"
RECONSIDERATION = "行政复议"
LITIGATION = "行政诉讼"
LITIGATION_GROUPS = ("未经复议直接起诉", "复议后起诉")
OTHER_2019 = "（六）其他处理"

# 表二: which 第二十条 item each row belongs to, in template order.
ARTICLE_ITEMS: dict[str, str] = {
    "rules": "第二十条第（一）项",
    "normative_documents": "第二十条第（一）项",
    "administrative_licensing": "第二十条第（五）项",
    "other_external_services": "第二十条第（五）项",
    "administrative_penalty": "第二十条第（六）项",
    "administrative_coercion": "第二十条第（六）项",
    "administrative_fees": "第二十条第（八）项",
    "government_procurement": "第二十条第（九）项",
}

CellKind = Literal["header", "label", "value", "section"]


@dataclass
class Cell:
    text: str
    rowspan: int = 1
    colspan: int = 1
    kind: CellKind = "label"
    key: CellKey | None = None
    """The record cell a value cell prints."""
    vertical: bool = False
    """A merged label the style wants written one character per line."""
    wrap: bool = False
    """A long label the style wants broken over lines."""


@dataclass
class Grid:
    name: str
    """``table2``, ``table3`` or ``table4``."""
    ncols: int
    rows: list[list[Cell]]
    header_rows: int = 0
    row_keys: list[str | None] = field(default_factory=list)
    """The record row each grid row prints (None for header rows)."""
    widths: list[float] = field(default_factory=list)
    """Relative column widths, as in the template."""

    def placed(self) -> list[tuple[int, int, Cell]]:
        """Every cell with its (row, column) once spans are laid out, in reading order."""
        taken: set[tuple[int, int]] = set()
        out: list[tuple[int, int, Cell]] = []
        for r, row in enumerate(self.rows):
            c = 0
            for cell in row:
                while (r, c) in taken:
                    c += 1
                out.append((r, c, cell))
                for dr in range(cell.rowspan):
                    for dc in range(cell.colspan):
                        taken.add((r + dr, c + dc))
                c += cell.colspan
        return out

    def matrix(self) -> list[list[Cell | None]]:
        """A rectangular view: each cell at its top-left position, None where a span covers."""
        out: list[list[Cell | None]] = [[None] * self.ncols for _ in self.rows]
        for r, c, cell in self.placed():
            out[r][c] = cell
        return out


def _value_cells(report: Report, table: str, row: RowSpec, style: Style, spans: list[int]) -> list[Cell]:
    values = report[table][row.key]
    return [
        Cell(format_value(values[f.key], f, (table, row.key, f.key), style), colspan=span, kind="value",
             key=(table, row.key, f.key))
        for f, span in zip(row.fields, spans, strict=True)
    ]


def table2(report: Report, style: Style) -> Grid:
    """表二 as one 4-column table: item header, 信息内容 header, then the item's rows."""
    template: Template = report["template"]
    rows: list[list[Cell]] = []
    keys: list[str | None] = []
    current = ""
    for spec in active_rows(template):
        n = len(spec.fields)
        spans = [1] * (n - 1) + [4 - n]
        if ARTICLE_ITEMS[spec.key] != current:
            current = ARTICLE_ITEMS[spec.key]
            rows.append([Cell(current, colspan=4, kind="section")])
            rows.append([Cell(CONTENT, kind="header")]
                        + [Cell(f.label, colspan=s, kind="header") for f, s in zip(spec.fields, spans)])
            keys += [None, None]
        label = "规范性文件" if style.short_labels and spec.key == "normative_documents" else spec.label
        rows.append([Cell(label)] + _value_cells(report, ACTIVE, spec, style, spans))
        keys.append(spec.key)
    return Grid("table2", 4, rows, 0, keys, [2.4, 2.0, 2.0, 2.0])


def _split_label(label: str) -> tuple[str, str]:
    """``（三）不予公开 1.属于国家秘密`` → group ``（三）不予公开`` and item ``1.属于国家秘密``."""
    group, _, item = label.partition(" ")
    return (group, item) if item else ("", label)


def table3(report: Report, style: Style) -> Grid:
    """表三 with the template's 10 grid columns: three label columns and seven values."""
    template: Template = report["template"]
    b = lambda text: bracket_label(text, style)  # noqa: E731
    rows: list[list[Cell]] = [
        [Cell(b(CHECK_NOTE), rowspan=3, colspan=3, kind="header", wrap=True),
         Cell(APPLICANTS, colspan=7, kind="header")],
        [Cell(APPLICANT_COLUMNS[0].label, rowspan=2, kind="header"),
         Cell(LEGAL_PERSONS, colspan=5, kind="header"),
         Cell(APPLICANT_COLUMNS[-1].label, rowspan=2, kind="header")],
        [Cell(c.label, kind="header") for c in APPLICANT_COLUMNS[1:-1]],
    ]
    keys: list[str | None] = [None, None, None]
    specs = [r for r in APPLICATION_ROWS if not (template == "2019" and r.key in ROWS_ABSENT_IN_2019)]
    result_keys = [r.key for r in specs[2:-1]]
    group_of: dict[str, str] = {}
    current = ""
    for spec in specs[2:-2]:
        group, _ = _split_label(spec.label)
        current = group or ("" if spec.key in ("granted", "partially_granted") else current)
        if current and not (template == "2019" and spec.key == "other_other"):
            group_of[spec.key] = current
    sizes = Counter(group_of.values())
    spans7 = [1] * 7
    for spec in specs:
        values = _value_cells(report, APPLICATIONS, spec, style, spans7)
        keys.append(spec.key)
        if spec.key in ("new_received", "carried_over", "carried_forward"):
            rows.append([Cell(b(spec.label), colspan=3, wrap=True)] + values)
            continue
        lead: list[Cell] = []
        if spec.key == result_keys[0]:
            lead.append(Cell(RESULTS, rowspan=len(result_keys), vertical=True, wrap=True))
        group, item = _split_label(spec.label)
        if template == "2019" and spec.key == "other_other":
            lead.append(Cell(b(OTHER_2019), colspan=2, wrap=True))
        elif spec.key in group_of:
            if group:
                lead.append(Cell(b(group), rowspan=sizes[group], vertical=True, wrap=True))
            lead.append(Cell(b(item), wrap=True))
        else:
            lead.append(Cell(b(item), colspan=2, wrap=True))
        rows.append(lead + values)
    return Grid("table3", 10, rows, 3, keys, [0.75, 0.95, 3.1] + [0.7] * 7)


def table4(report: Report, style: Style) -> Grid:
    """表四: 行政复议 | 行政诉讼 (未经复议直接起诉 | 复议后起诉), one row of 15 values."""
    fields = [f.label for f in REVIEW_FIELDS]
    rows: list[list[Cell]] = [
        [Cell(RECONSIDERATION, colspan=5, kind="header"), Cell(LITIGATION, colspan=10, kind="header")],
        [Cell(f, rowspan=2, kind="header") for f in fields]
        + [Cell(g, colspan=5, kind="header") for g in LITIGATION_GROUPS],
        [Cell(f, kind="header") for f in fields * 2],
        [c for spec in REVIEW_ROWS for c in _value_cells(report, REVIEW, spec, style, [1] * 5)],
    ]
    return Grid("table4", 15, rows, 3, [None, None, None, "all"], [1.0] * 15)


def split_grid(grid: Grid, after_row: int, repeat_header: bool, fragments: bool) -> tuple[Grid, Grid]:
    """Cut a grid after ``after_row`` (grid row index): spans are clipped at the cut and continue in
    the second grid as empty cells (or as the rest of their text with ``fragments``)."""
    if not grid.header_rows <= after_row < len(grid.rows) - 1:
        raise ValueError(f"cannot split {grid.name} after grid row {after_row}")
    top: list[list[Cell]] = [[] for _ in range(after_row + 1)]
    bottom: list[list[Cell]] = [[] for _ in range(len(grid.rows) - after_row - 1)]
    carry: dict[int, list[tuple[int, Cell]]] = {}
    for r, c, cell in grid.placed():
        if r <= after_row and r + cell.rowspan - 1 > after_row:
            above = after_row - r + 1
            below = cell.rowspan - above
            head, tail = cell.text, ""
            if fragments and len(cell.text) > 1:
                cut = max(1, min(len(cell.text) - 1, round(len(cell.text) * above / cell.rowspan)))
                head, tail = cell.text[:cut], cell.text[cut:]
            top[r].append(replace(cell, text=head, rowspan=above))
            carry.setdefault(0, []).append((c, replace(cell, text=tail, rowspan=below)))
        elif r <= after_row:
            top[r].append(cell)
        else:
            carry.setdefault(r - after_row - 1, []).append((c, cell))
    for r, cells in carry.items():
        bottom[r] = [cell for _, cell in sorted(cells, key=lambda pair: pair[0])]
    head_rows = [list(row) for row in grid.rows[: grid.header_rows]] if repeat_header else []
    first = Grid(grid.name, grid.ncols, top, grid.header_rows, grid.row_keys[: after_row + 1], grid.widths)
    second = Grid(grid.name, grid.ncols, head_rows + bottom, len(head_rows),
                  grid.row_keys[: len(head_rows)] + grid.row_keys[after_row + 1 :], grid.widths)
    return first, second


def table3_parts(report: Report, style: Style) -> list[Grid]:
    """表三 as one grid, or two when the style splits it after a row."""
    grid = table3(report, style)
    if style.split_table3_after_row is None:
        return [grid]
    if style.split_table3_after_row not in grid.row_keys:
        raise ValueError(f"no 表三 row {style.split_table3_after_row!r} in a {report['template']} report")
    index = grid.row_keys.index(style.split_table3_after_row)
    return list(split_grid(grid, index, style.repeat_header, style.split_label_fragments))
