"""Plain text and markdown dumps (pdftotext/pdfplumber output, tab-separated markdown rows)."""

from __future__ import annotations

from pathlib import Path

from extraction.document import Document, LoadError, TextBlock
from extraction.textnorm import decode_bytes, looks_like_text, normalize_text

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text", ".csv", ".tsv", ""}


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
        return Document(
            path=str(path),
            format="text",
            blocks=[TextBlock(lines=lines, locator="text")],
            page_count=1,
        )
