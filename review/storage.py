"""Content-addressed storage of source files and the cache of rendered PDF pages.

Paths are computed from ``settings.DATA_DIR`` at call time (never at import time), so tests that point
DATA_DIR elsewhere and deployments that set FOI_DATA_DIR both keep every byte under that directory.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from django.conf import settings

from extraction.pdfium_lock import PDFIUM_LOCK

PAGE_SCALE = 1.5
"""PNG pixels per PDF point for rendered pages (the review page scales boxes by the same factor)."""


def data_dir() -> Path:
    return Path(settings.DATA_DIR)


def sources_dir() -> Path:
    return data_dir() / "sources"


def cache_dir() -> Path:
    return data_dir() / "cache"


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_path(sha256: str) -> Path:
    """``DATA_DIR/sources/ab/cd/<sha256>``: two levels keep directories small."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sources_dir() / sha256[:2] / sha256[2:4] / sha256


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def store_bytes(data: bytes) -> tuple[str, Path]:
    """Write the bytes once under their SHA-256; a second store of the same bytes writes nothing."""
    digest = sha256_of(data)
    path = source_path(digest)
    if not path.exists():
        _write_atomic(path, data)
    return digest, path


def read_source(sha256: str) -> bytes:
    return source_path(sha256).read_bytes()


def page_sizes(sha256: str) -> list[tuple[float, float]]:
    """Width and height in PDF points of every page (boxes are in the same unit, origin top-left)."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:  # PDFium is not thread-safe; the review server renders in several threads
        pdf = pdfium.PdfDocument(str(source_path(sha256)))
        try:
            sizes: list[tuple[float, float]] = []
            for i in range(len(pdf)):
                page = pdf[i]
                sizes.append(tuple(page.get_size()))  # type: ignore[arg-type]
                page.close()
            return sizes
        finally:
            pdf.close()


def rendered_page(sha256: str, page: int) -> Path:
    """The page (1-based) as a PNG at PAGE_SCALE, rendered once and cached under DATA_DIR/cache/."""
    target = cache_dir() / "pages" / sha256[:2] / f"{sha256}-p{page}@{PAGE_SCALE}.png"
    if target.exists():
        return target
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        pdf = pdfium.PdfDocument(str(source_path(sha256)))
        try:
            if not 1 <= page <= len(pdf):
                raise IndexError(f"page {page} out of range 1..{len(pdf)}")
            pdf_page = pdf[page - 1]
            bitmap = pdf_page.render(scale=PAGE_SCALE)
            image = bitmap.to_pil().copy()  # own pixels: the bitmap is freed here, under the lock
            bitmap.close()
            pdf_page.close()
        finally:
            pdf.close()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=".png")
    os.close(fd)
    try:
        image.save(tmp, format="PNG", optimize=True)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target
