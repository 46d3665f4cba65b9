"""What every loader produces: the text and the tables of a report, in reading order.

Loaders differ (pdfplumber, lxml, python-docx, plain text); the parsers see only this. Tables are
logical grids: a cell covered by a row or column span is ``None`` so that the grid stays rectangular
and a merged label is read once.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Box = tuple[float, float, float, float]
"""x0, top, x1, bottom in PDF points (origin top-left), as pdfplumber reports them."""


@dataclass(frozen=True)
class GridCell:
    text: str
    box: Box | None = None
    rowspan: int = 1
    colspan: int = 1


@dataclass
class TableBlock:
    """A table as a grid of rows; ``None`` marks a position covered by a merged cell."""

    rows: list[list[GridCell | None]]
    page: int | None = None
    """1-based page where the table starts (PDF only)."""
    locator: str = ""
    """Human-readable place, e.g. ``page 4, table 2`` or ``table 3``; shown to reviewers."""


@dataclass
class TextBlock:
    """Running text: a list of lines as the source breaks them."""

    lines: list[str]
    page: int | None = None
    locator: str = ""


Block = TextBlock | TableBlock


@dataclass
class Document:
    path: str
    format: str
    """One of ``pdf``, ``html``, ``docx``, ``text``."""
    blocks: list[Block] = field(default_factory=list)
    page_count: int = 0
    has_text_layer: bool = True
    """False for a PDF whose pages carry no extractable text (a scan)."""
    warnings: list[str] = field(default_factory=list)

    @property
    def tables(self) -> list[TableBlock]:
        return [b for b in self.blocks if isinstance(b, TableBlock)]

    def text_lines(self) -> list[str]:
        """All text in reading order, tables flattened row by row (cells joined by tabs)."""
        lines: list[str] = []
        for block in self.blocks:
            if isinstance(block, TextBlock):
                lines.extend(block.lines)
            else:
                for row in block.rows:
                    lines.append("\t".join(c.text for c in row if c is not None))
        return lines

    @property
    def text(self) -> str:
        return "\n".join(self.text_lines())


class LoadError(Exception):
    """The file cannot be read as a report at all; the message says why (shown to the user)."""
