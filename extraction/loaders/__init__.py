"""Loader registry: each loader says how well it fits a file's bytes; the best one reads it.

As in paperless-ngx, a loader declares what it takes (``score``) rather than the caller switching
on the extension: government sites serve PDFs named ``.htm`` and pages named ``.pdf``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from extraction.document import Document, LoadError

MAX_BYTES = 200 * 1024 * 1024


class Loader(Protocol):
    name: str

    def score(self, head: bytes, suffix: str) -> int:
        """0 when the loader cannot read the file; higher is a better fit."""

    def load(self, path: Path, data: bytes) -> Document:
        """Read the file into a Document or raise LoadError with the reason."""


def _registry() -> list[Loader]:
    from extraction.loaders.docx import DocxLoader
    from extraction.loaders.html import HtmlLoader
    from extraction.loaders.pdf import PdfLoader
    from extraction.loaders.text import TextLoader

    return [PdfLoader(), DocxLoader(), HtmlLoader(), TextLoader()]


def find_loader(head: bytes, suffix: str) -> Loader | None:
    best: tuple[int, Loader] | None = None
    for loader in _registry():
        score = loader.score(head, suffix)
        if score > 0 and (best is None or score > best[0]):
            best = (score, loader)
    return best[1] if best else None


def load_document(path: str | Path, data: bytes | None = None) -> Document:
    """Read any supported report file; raise LoadError naming the reason it cannot be read."""
    path = Path(path)
    if data is None:
        if not path.exists():
            raise LoadError("file not found")
        if path.is_dir():
            raise LoadError("is a directory, not a file")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise LoadError(f"file too large ({size} bytes; limit {MAX_BYTES})")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise LoadError(f"cannot read file: {exc.strerror or exc}") from exc
    if not data.strip():
        raise LoadError("empty file")
    loader = find_loader(data[:8192], path.suffix.lower())
    if loader is None:
        raise LoadError("unrecognised format: not a PDF, HTML, DOCX or text document")
    return loader.load(path, data)
