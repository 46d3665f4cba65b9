"""Plain text and markdown dumps: pdftotext/pdfplumber output, tab-separated rows, markdown pipe tables.

Pipe tables (``| 规章 | 0 | 0 | 0 |``, as markdown converters write them) are real grids: they become
TableBlocks so that an empty cell stays a printed blank instead of vanishing between two numbers.
"""

from __future__ import annotations

import re
from pathlib import Path

from extraction.document import Block, Document, GridCell, LoadError, TableBlock, TextBlock
from extraction.textnorm import decode_bytes, looks_like_text, normalize_text

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".csv", ".tsv", ""}
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_RULE_CELL = re.compile(r"^\s*:?-{2,}:?\s*$")


class TextLoader:
    name = "text"

    def score(self, head: bytes, suffix: str) -> int:
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            return 0
        return 10 if suffix in TEXT_SUFFIXES else 5

    def load(self, path: Path, data: bytes) -> Document:
        text = decode_bytes(data)
        if not looks_like_text(text):
            raise LoadError("not a text document (binary or undecodable bytes)")
        lines = normalize_text(text).replace("\r\n", "\n").replace("\r", "\n").split("\n")
        return Document(path=str(path), format="text", blocks=split_pipe_tables(lines), page_count=1)


def split_pipe_tables(lines: list[str]) -> list[Block]:
    """Running text as TextBlocks, each run of two or more pipe-table lines as a TableBlock."""
    blocks: list[Block] = []
    text: list[str] = []
    start = 0
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and _PIPE_ROW.match(lines[j]):
            j += 1
        if j - i >= 2:
            if text:
                blocks.append(TextBlock(lines=text, locator=f"text, lines {start + 1}-{i}"))
            blocks.append(_pipe_table(lines[i:j], first_line=i + 1, number=sum(isinstance(b, TableBlock) for b in blocks) + 1))
            text, start, i = [], j, j
            continue
        text.append(lines[i])
        i += 1
    if text or not blocks:
        blocks.append(TextBlock(lines=text, locator="text" if not blocks else f"text, lines {start + 1}-{len(lines)}"))
    return blocks


def _pipe_table(lines: list[str], first_line: int, number: int) -> TableBlock:
    rows: list[list[GridCell | None]] = []
    for line in lines:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if all(_RULE_CELL.match(c) or not c for c in cells):
            continue  # the |---|---| line under a header
        rows.append([GridCell(c.replace("<br>", "").replace("<br/>", "")) for c in cells])
    width = max((len(r) for r in rows), default=0)
    for row in rows:
        row.extend(GridCell("") for _ in range(width - len(row)))
    return TableBlock(rows=rows, locator=f"text table {number} (line {first_line})")
