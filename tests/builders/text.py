"""Plain-text dumps of a report, as the seeds are: pdftotext-like and markdown-like.

``write_text`` reads like seed 000: prose cut at a fixed width, table rows as labels and numbers
separated by spaces, header cells broken into two-character pieces, merged labels on lines of their
own, and (with ``wrap_labels``) long labels wrapped with the last number stranded on its own line.
A blank cell printed as ``''`` simply vanishes from its row, as it does in real dumps.
``write_markdown`` reads like seed 001: ``#`` headings and tab-separated rows, one field per grid
column.
"""

from __future__ import annotations

import re
from pathlib import Path

from extraction.schema import APPLICANT_COLUMNS, REVIEW_FIELDS

from .compose import Block, Heading, Para, Table, Title, compose
from .layout import RESULTS, Cell, Grid
from .records import Report
from .style import Style, wrap_text

PROSE_WIDTH = 40
LABEL_WIDTH = 16


def _merged_label_lines(cell: Cell, style: Style) -> list[str]:
    if style.vertical_labels:
        return list(cell.text)
    if style.wrap_labels:
        return wrap_text(cell.text, 3 if cell.text.endswith(RESULTS[2:]) else 4)
    return [cell.text]


# Narrow header cells that a PDF breaks every two characters: 自然/人, 社会/公益/组织, 结果/维持.
_NARROW_HEADERS = frozenset(f.label for f in (*APPLICANT_COLUMNS, *REVIEW_FIELDS)) - {"总计", "其他"}


def _header_lines(row: list[Cell], style: Style) -> list[str]:
    if not style.wrap_labels:
        return [" ".join(c.text for c in row)]
    out: list[str] = []
    for cell in row:
        width = 2 if cell.text in _NARROW_HEADERS else 24
        out += wrap_text(cell.text, width) + [""]
    return out


def _row_lines(label: str, values: list[str], index: int, style: Style, width: int) -> list[str]:
    """One data row; a long label wraps and strands numbers as pdftotext does (seed 000)."""
    vals = [v for v in values if v != ""]
    if not (style.wrap_labels and len(label) > width):
        return [" ".join([label, *vals]).strip(), ""]
    parts = wrap_text(label, width)
    if len(parts) == 2 and index % 2 == 0:
        return [parts[0], " ".join([parts[1], *vals[:-1]]), "", *vals[-1:], ""]
    return [*parts, "", " ".join(vals[:-1]), "", *vals[-1:], ""]


def grid_text_lines(grid: Grid, style: Style) -> list[str]:
    """A grid as a pdftotext dump shows it."""
    lines: list[str] = []
    for r, row in enumerate(grid.rows):
        values = [c.text for c in row if c.kind == "value"]
        if not values:
            lines += _header_lines(row, style) if grid.name != "table2" else [" ".join(c.text for c in row)]
            if grid.name == "table2":
                lines.append("")
            continue
        for cell in row:
            if cell.kind == "label" and cell.rowspan > 1:
                lines += _merged_label_lines(cell, style)
                if style.wrap_labels:
                    lines.append("")
        own = [c for c in row if c.kind == "label" and c.rowspan == 1]
        width = LABEL_WIDTH + 3 * (sum(c.colspan for c in own) - 1)  # a merged cell is wider
        lines += _row_lines(" ".join(c.text for c in own), values, r, style, width)
    return lines


def _prose_lines(text: str) -> list[str]:
    """Prose cut every ``PROSE_WIDTH`` characters but never inside a number, with the space that
    pdftotext leaves before a number set in a Latin font (``政府信息 6533条``)."""
    text = re.sub(r"(?<=[\u4e00-\u9fff])(\d)", r" \1", text)
    lines: list[str] = []
    start = 0
    while start < len(text):
        end = min(start + PROSE_WIDTH, len(text))
        while start + 1 < end < len(text) and text[end - 1].isdigit() and text[end].isdigit():
            end -= 1
        lines.append(text[start:end])
        start = end
    return lines


def text_dump(report: Report, style: Style = Style()) -> str:
    return blocks_text(compose(report, style), style)


def blocks_text(blocks: list[Block], style: Style) -> str:
    """Any block list as a pdftotext-like dump."""
    lines: list[str] = [""]
    for block in blocks:
        if isinstance(block, Title):
            lines += block.lines + [""]
        elif isinstance(block, Heading):
            lines += [block.text]
        elif isinstance(block, Para):
            lines += _prose_lines(block.text) + [""]
        elif isinstance(block, Table):
            lines += ["", ""] if block.continued else [""]
            lines += grid_text_lines(block.grid, style) + [""]
    return "\n".join(lines) + "\n"


def write_text(report: Report, path: str | Path, style: Style = Style(), encoding: str = "utf-8") -> Path:
    """A pdftotext-like dump of the report (see the module doc)."""
    path = Path(path)
    path.write_bytes(text_dump(report, style).encode(encoding, errors="replace"))
    return path


def _tsv_rows(grid: Grid, style: Style) -> list[str]:
    """One line per grid row, one tab-separated field per grid column; spans leave empty fields."""
    out: list[str] = []
    for row in grid.matrix():
        out.append("\t".join("" if cell is None else cell.text for cell in row))
    return out


def markdown_dump(report: Report, style: Style = Style()) -> str:
    levels = {"一": "##", "二": "##", "三": "###"}
    lines: list[str] = ["", ""]
    for block in compose(report, style):
        if isinstance(block, Title):
            lines += [f"# {block.lines[0]}", *block.lines[1:], ""]
        elif isinstance(block, Heading):
            lines += [f"{levels.get(block.text[0], '####')} {block.text}", ""]
        elif isinstance(block, Para):
            lines += [block.text, ""]
        elif isinstance(block, Table):
            lines += _tsv_rows(block.grid, style) + [""]
    return "\n".join(lines)


def write_markdown(report: Report, path: str | Path, style: Style = Style()) -> Path:
    """A markdown-like conversion with tab-separated table rows (like seed 001)."""
    path = Path(path)
    path.write_text(markdown_dump(report, style), encoding="utf-8")
    return path


FLATTENED_HEADER = "标题: {title}\n==================== 正文 ====================\n"


def flattened_page(report: Report, style: Style = Style()) -> str:
    """The report as some portals print it: every whitespace gone, one run of text (cf. fixtures/real/pt-*)."""
    dump = text_dump(report, style)
    title = dump.strip().splitlines()[0].strip()
    return FLATTENED_HEADER.format(title=title) + "".join(dump.split())


def write_flattened(report: Report, path: str | Path, style: Style = Style()) -> Path:
    """A page text with the tables flattened into digit runs (see :func:`flattened_page`)."""
    path = Path(path)
    path.write_text(flattened_page(report, style), encoding="utf-8")
    return path
