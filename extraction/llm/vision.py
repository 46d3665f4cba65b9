"""Page images of a scanned PDF, for a vision model (the only way to read a report without text).

Pages are rendered with pypdfium2 in greyscale JPEG: tables stay legible at 1.5× (108 dpi) and a
page costs ~100–200 kB as a data URL. A scan has no text to find the tables by, so the first
``max_pages`` pages are sent; a longer report's later tables may be cut off (the reviewer sees it).
"""

from __future__ import annotations

import base64
import io

import pypdfium2 as pdfium

from extraction.pdfium_lock import PDFIUM_LOCK


def page_images(path: str, max_pages: int = 8, scale: float = 1.5, quality: int = 75) -> list[str]:
    """``data:image/jpeg;base64,…`` URLs of the first pages; raises on an unreadable PDF."""
    with PDFIUM_LOCK:  # PDFium is not thread-safe (see extraction.pdfium_lock)
        return _page_images(path, max_pages, scale, quality)


def _page_images(path: str, max_pages: int, scale: float, quality: int) -> list[str]:
    pdf = pdfium.PdfDocument(path)
    try:
        urls: list[str] = []
        for index in range(min(len(pdf), max_pages)):
            page = pdf[index]
            try:
                bitmap = page.render(scale=scale, grayscale=True)
                image = bitmap.to_pil().copy()
                bitmap.close()
            finally:
                page.close()
            buffer = io.BytesIO()
            image.convert("L").save(buffer, format="JPEG", quality=quality)
            urls.append("data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii"))
        return urls
    finally:
        pdf.close()
