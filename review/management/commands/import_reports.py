"""``manage.py import_reports FILE|DIR ...``: store and extract report files through the ingest service."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from review import services
from review.forms import ALLOWED_SUFFIXES


def expand(paths: list[str]) -> list[Path]:
    """Files as given; directories give the report files under them, sorted."""
    out: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in ALLOWED_SUFFIXES)
        else:
            out.append(path)
    return out


class Command(BaseCommand):
    help = ("Store report files by SHA-256 and run the ingest pipeline on them. Importing the same file again "
            "changes nothing unless --force. With --queue the extraction runs on the django-q2 cluster.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH", help="report files or directories")
        parser.add_argument("--force", action="store_true", help="extract again even if already extracted")
        parser.add_argument("--queue", action="store_true", help="store now, extract on the qcluster")
        parser.add_argument("--source-url", default="", help="where the file(s) were published")

    def handle(self, *args: Any, **options: Any) -> None:
        counts: dict[str, int] = {}
        for path in expand(options["paths"]):
            try:
                data = path.read_bytes()
            except OSError as exc:
                self.stderr.write(f"skipped {path}: {exc.strerror or exc}")
                counts["unreadable"] = counts.get("unreadable", 0) + 1
                continue
            if options["queue"]:
                from review.tasks import enqueue_extraction

                report, _ = services.store_source(data, path.name, source_url=options["source_url"])
                enqueue_extraction(report.pk, options["force"])
                self.stdout.write(f"queued   {path} → report {report.pk}")
                counts["queued"] = counts.get("queued", 0) + 1
                continue
            outcome = services.ingest_bytes(data, path.name, source_url=options["source_url"], force=options["force"])
            report = outcome.report
            counts[report.status] = counts.get(report.status, 0) + 1
            state = "new" if outcome.created else ("re-run" if outcome.run else "known")
            codes = report.finding_codes.strip() or "-"
            self.stdout.write(f"{state:6} {report.status:12} {path}  [{codes}]  → report {report.pk}")
        summary = ", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "nothing"
        self.stdout.write(self.style.SUCCESS(f"imported: {summary}"))
