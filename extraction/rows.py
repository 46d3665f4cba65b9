"""Turn a Document into labelled rows: a label and the value cells printed after it.

Grids (PDF/HTML/DOCX tables) give rows directly. Text dumps do not: a row's label may wrap over
several lines and its last number may fall onto the next line, so text is read as a stream of tokens
where a label token that follows values starts a new row. Both give the same ``LabelledRow`` so one
set of table parsers serves every format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from extraction.document import Document, GridCell, TableBlock, TextBlock
from extraction.numbers import clean_cell_text, looks_like_value
from extraction.record import SourceRef
from extraction.textnorm import normalize_label


@dataclass(slots=True)
class SourceCell:
    text: str
    source: SourceRef


@dataclass
class LabelledRow:
    label: str
    values: list[SourceCell] = field(default_factory=list)
    from_table: bool = False
    locator: str = ""

    @cached_property
    def norm(self) -> str:
        return normalize_label(self.label)


_PAGE_NUMBER_LINE = re.compile(r"^\s*(?:[-—－–]\s*\d{1,3}\s*[-—－–]|第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?|\d{1,3}\s*/\s*\d{1,3})\s*$")
_GLUED = re.compile(r"^(?P<label>.*[^\d\s.,，、．])(?P<num>\d[\d,]*(?:\.\d+)?)$")


def find_rows(document: Document) -> list[LabelledRow]:
    rows: list[LabelledRow] = []
    for block in document.blocks:
        if isinstance(block, TableBlock):
            rows.extend(_grid_rows(block))
        else:
            rows.extend(_text_rows(block))
    return rows


def _grid_rows(table: TableBlock) -> list[LabelledRow]:
    out: list[LabelledRow] = []
    for r, row in enumerate(table.rows):
        cells: list[tuple[int, GridCell]] = [(c, cell) for c, cell in enumerate(row) if cell is not None]
        last_label = -1
        for i, (_, cell) in enumerate(cells):
            if cell.text.strip() and not looks_like_value(cell.text):
                last_label = i
        label = "".join(clean_cell_text(cell.text) for _, cell in cells[: last_label + 1])
        values = [
            SourceCell(
                cell.text,
                SourceRef(page=table.page, box=cell.box, locator=f"{table.locator}, row {r + 1}, column {c + 1}"),
            )
            for c, cell in cells[last_label + 1 :]
        ]
        out.append(LabelledRow(label=label, values=values, from_table=True, locator=f"{table.locator}, row {r + 1}"))
    return out


def _text_rows(block: TextBlock) -> list[LabelledRow]:
    out: list[LabelledRow] = []
    label_parts: list[str] = []
    values: list[SourceCell] = []
    start_line = 0

    def flush() -> None:
        if label_parts or values:
            out.append(
                LabelledRow(
                    label="".join(label_parts),
                    values=list(values),
                    locator=f"{block.locator or 'text'}, line {start_line + 1}",
                )
            )

    for n, line in enumerate(block.lines):
        if _PAGE_NUMBER_LINE.match(line):
            continue
        for token in line.split():
            for kind, text in _split_token(token):
                if kind == "label":
                    if values:
                        flush()
                        label_parts, values = [], []
                    if not label_parts:
                        start_line = n
                    label_parts.append(text)
                else:
                    if not label_parts and not values:
                        start_line = n
                    values.append(
                        SourceCell(text, SourceRef(page=block.page, locator=f"{block.locator or 'text'}, line {n + 1}"))
                    )
    flush()
    return out


def _split_token(token: str) -> list[tuple[str, str]]:
    """A whitespace token is a value, a label, or a label with digits glued on (``数量640020470``)."""
    if looks_like_value(token):
        return [("value", token)]
    glued = _GLUED.match(token)
    if glued and not looks_like_value(glued.group("label")):
        label = glued.group("label")
        # ``第1项`` or ``2024年`` style text keeps its digits; only a label that ends a row glues numbers.
        if not label.endswith(("第", "（", "(")):
            return [("label", label), ("value", glued.group("num"))]
    return [("label", token)]
