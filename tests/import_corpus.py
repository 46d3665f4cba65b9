"""A directory of generated report files for import tests and the import benchmark.

Mixed formats (mostly text, HTML and DOCX, every ``pdf_every``-th a PDF), distinct bytes per file (each
has its own record), optionally the broken files an analyst's download folder really holds.
"""

from __future__ import annotations

import io
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from tests.builders import (
    ORGANIZATIONS,
    make_record,
    text_dump,
    write_docx,
    write_html,
    write_markdown,
    write_not_a_report,
    write_pdf,
    write_random_bytes,
    write_text,
    write_truncated,
)

WRITERS = (("txt", write_text), ("html", write_html), ("docx", write_docx), ("md", write_markdown))


@dataclass
class Corpus:
    folder: Path
    reports: list[Path] = field(default_factory=list)
    """Generated readable reports (each a new report)."""
    broken: list[Path] = field(default_factory=list)
    """Files that become ``failed`` reports (random bytes, truncated PDF, empty, not a report)."""
    zip_reports: int = 0
    """Reports inside the zip archive."""
    skipped: int = 0
    """Files that are skipped (not a report type)."""

    @property
    def new_reports(self) -> int:
        return len(self.reports) + len(self.broken) + self.zip_reports


def report_record(i: int, seed: int = 0) -> dict:
    """The i-th record: bodies and years vary so that neighbouring years meet."""
    template = "2019" if i % 7 == 3 else "2021"
    year = (2019 + i % 2) if template == "2019" else 2021 + i % 4
    return make_record(template, seed=seed * 1_000_003 + i, organization=ORGANIZATIONS[i % len(ORGANIZATIONS)],
                       year=year)


def write_report(i: int, folder: Path, seed: int = 0, pdf_every: int = 10) -> Path:
    record = report_record(i, seed)
    if pdf_every and i % pdf_every == 0:
        return write_pdf(record, folder / f"r{i:05d}.pdf")
    ext, writer = WRITERS[i % len(WRITERS)]
    return writer(record, folder / f"r{i:05d}.{ext}")


def build_corpus(folder: Path, n: int, *, seed: int = 0, pdf_every: int = 10, broken: bool = True,
                 subdirs: int = 4) -> Corpus:
    """``n`` reports spread over ``subdirs`` sub-directories, plus (``broken``) one of each bad kind."""
    folder.mkdir(parents=True, exist_ok=True)
    corpus = Corpus(folder)
    for i in range(n):
        sub = folder / f"batch{i % subdirs}" if subdirs else folder
        sub.mkdir(exist_ok=True)
        corpus.reports.append(write_report(i, sub, seed, pdf_every))
    if broken:
        bad = folder / "bad"
        bad.mkdir(exist_ok=True)
        pdf = write_pdf(report_record(n + 1, seed), bad / "whole.pdf")
        truncated = write_truncated(pdf, bad / "truncated.pdf", keep=0.4)
        pdf.unlink()
        empty = bad / "empty.txt"
        empty.write_bytes(b"")
        corpus.broken += [write_random_bytes(bad / "random.pdf", 6000, seed=seed, header=b"%PDF-1.7\n"), truncated,
                          empty, write_not_a_report(bad / "notice.html", "html", seed=seed)]
        (bad / "notes.bin").write_bytes(b"\x00\x01\x02")
        corpus.skipped += 1
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for j in range(3):
                record = report_record(n + 10 + j, seed)
                archive.writestr(f"inner/z{j}.txt" if j else f"z{j}.txt", text_dump(record))
            archive.writestr("readme.xml", "<x/>")
        (folder / "bundle.zip").write_bytes(buffer.getvalue())
        corpus.zip_reports = 3
        corpus.skipped += 1
    return corpus


def crash_fallback(document: object, result: object) -> object:
    """An extraction fallback that kills its process: a stand-in for a parser crash (segfault) on one file.

    It lives here, in a module without Django models, because worker processes unpickle it by reference.
    """
    os._exit(3)
