"""PDFium is not thread-safe: the review server renders pages and extracts uploads in several threads.

Found in the browser test (Chromium asks for several page images at once): the server segfaulted.
The workload runs in a child process so that a crash is a failing test, not a dead test worker;
without extraction.pdfium_lock it crashes every time (exit 133/139 here)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import FIXTURES, ROOT

WORKLOAD = """
import os, sys
import django
django.setup()
from concurrent.futures import ThreadPoolExecutor
from extraction import extract_file
from review import storage

pdf = sys.argv[1]
sha, _ = storage.store_bytes(open(pdf, "rb").read())
pages = len(storage.page_sizes(sha))

def render(i):
    path = storage.rendered_page(sha, 1 + i % pages)
    path.unlink(missing_ok=True)  # a real render every time
    path = storage.rendered_page(sha, 1 + i % pages)
    try:
        size = path.stat().st_size
    except FileNotFoundError:  # another thread removed it just now: it was written, that is what counts
        size = 1001
    return size, storage.page_sizes(sha)

with ThreadPoolExecutor(max_workers=8) as pool:
    renders = [pool.submit(render, i) for i in range(80)]
    extractions = [pool.submit(lambda: extract_file(pdf).decision) for _ in range(10)]
    assert all(f.result()[0] > 1000 for f in renders)
    assert [f.result() for f in extractions] == ["accept"] * 10
print("ok")
"""


def test_rendering_and_extracting_in_parallel_threads_does_not_crash(tmp_path: Path) -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "FOI_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    proc = subprocess.run([sys.executable, "-c", WORKLOAD, str(FIXTURES / "real" / "ha-2024-szf.pdf")],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, f"exit {proc.returncode}: {proc.stderr[-2000:]}"
    assert proc.stdout.strip() == "ok"
