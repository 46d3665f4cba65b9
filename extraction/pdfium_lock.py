"""pypdfium2 (PDFium) is not thread-safe: every use of it in a process goes through this one lock.

The review server renders page images and extracts uploads in threads (a browser asks for several
page images at once); two PDFium calls at the same time can crash the process. Worker processes of the
import run one file at a time, so for them the lock costs nothing.
"""

from __future__ import annotations

import threading

PDFIUM_LOCK = threading.RLock()
