"""``manage.py import_reports PATH...``: files, directories, globs and zip archives through the ingest pipeline.

Thin: discovery is ``review.import_sources``, the run is ``review.importing``; this prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser

from review.import_sources import Metadata, MetadataError, discover
from review.importing import BUCKETS, FAILED, SKIPPED, ImportOptions, ImportSummary, ItemResult, import_sources
from review.management.base import ProgressCommand

LABELS = {"accepted": "accepted", "needs_review": "needs review", "failed": "failed", "known": "known",
          "queued": "queued", "skipped": "skipped"}
NOTES = {"known": "stored before (same SHA-256): nothing done", "queued": "stored; extraction waits for qcluster",
         "skipped": "not a report file type", "failed": "see the lines above (or the ImportItem rows)"}


class Command(ProgressCommand):
    help = ("Store report files by SHA-256 and run the ingest pipeline on them: files, directories (recursive), "
            "globs and zip archives. A file stored before is skipped (a re-run imports nothing twice; a killed run "
            "resumes). Every file gets a result line and an ImportItem row; one bad file never stops the run.")
    dry_run_help = "read, hash and extract, and say what would happen; store nothing"

    def add_arguments(self, parser: CommandParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("paths", nargs="+", metavar="PATH", help="report files, directories, globs or .zip files")
        parser.add_argument("--workers", type=int, default=None,
                            help=f"extraction processes (default FOI_IMPORT_WORKERS = {settings.IMPORT_WORKERS}; "
                                 "0 extracts in this process)")
        parser.add_argument("--queue", action="store_true",
                            help="store now, extract on the django-q2 cluster (manage.py qcluster)")
        parser.add_argument("--force", action="store_true", help="extract again files stored before")
        parser.add_argument("--metadata", type=Path, default=None, metavar="CSV",
                            help="CSV: file name → source_url, published_on (YYYY-MM-DD), region")
        parser.add_argument("--source-url", default="", help="where the file(s) were published")
        parser.add_argument("--strict", action="store_true", help="exit non-zero when any file failed")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["workers"] is not None and options["workers"] < 0:
            raise CommandError("--workers must be 0 or more")
        if options["queue"] and options["dry_run"]:
            raise CommandError("--queue and --dry-run do not go together")
        try:
            metadata = Metadata.load(options["metadata"]) if options["metadata"] else Metadata.empty()
        except MetadataError as exc:
            raise CommandError(str(exc)) from exc
        import_options = ImportOptions.from_settings(
            workers=options["workers"], force=options["force"], queue=options["queue"], dry_run=options["dry_run"],
            source_url=options["source_url"], metadata=metadata,
            arguments={"paths": options["paths"], **{k: options[k] for k in (
                "workers", "queue", "force", "dry_run", "source_url", "strict")},
                "metadata": str(options["metadata"] or "")})
        sources = discover(options["paths"], max_bytes=import_options.max_bytes,
                           max_archive_bytes=settings.MAX_ARCHIVE_BYTES)
        self.verbosity = options["verbosity"]
        bar = self.progress(len(sources), "dry run" if options["dry_run"] else "import", "file",
                            disable=options["no_progress"])
        try:
            summary = import_sources(sources, import_options, on_result=lambda item, s: self._show(item, s, bar))
        except KeyboardInterrupt:
            bar.close()
            raise CommandError("interrupted: what was stored is kept; run the same command again to resume",
                               returncode=130) from None
        finally:
            bar.close()
        self._summary(summary, dry_run=options["dry_run"])
        if options["strict"] and summary.failed:
            raise CommandError(f"{summary.failed} file(s) failed (--strict)")

    def _show(self, item: ItemResult, summary: ImportSummary, bar: Any) -> None:
        bar.update(1)
        b = summary.buckets
        bar.set_postfix_str(f"accepted {b['accepted']} · review {b['needs_review']} · failed {b['failed']} · "
                            f"known {b['known']}", refresh=False)
        if self.verbosity < 1:
            return
        line = f"{item.outcome:9} {item.status or '-':12} {item.name}"
        if item.codes:
            line += f"  [{item.codes}]"
        if item.report_id:
            line += f"  → report {item.report_id}"
        if item.reason and (item.outcome in (FAILED, SKIPPED, "duplicate") or self.verbosity > 1
                            or item.status in ("failed", "needs_review")):
            line += f"  ({item.reason})"
        style = {"failed": self.style.ERROR, "needs_review": self.style.WARNING}.get(item.bucket)
        self.item(style(line) if style else line)

    def _summary(self, summary: ImportSummary, *, dry_run: bool) -> None:
        rate = summary.done / summary.elapsed if summary.elapsed > 0 else 0.0
        title = "Dry run (nothing stored)" if dry_run else f"Import batch {summary.batch_id}"
        lines = [f"\n{title}: {summary.done} of {summary.total} file(s) in {summary.elapsed:.1f} s "
                 f"({rate:.1f} files/s)"]
        for bucket in BUCKETS:
            count = summary.buckets.get(bucket, 0)
            if count:
                lines.append(f"  {LABELS[bucket]:<14}{count:>7}   {NOTES.get(bucket, '')}".rstrip())
        for other, count in sorted(summary.buckets.items()):
            if other not in BUCKETS and count:
                lines.append(f"  {other:<14}{count:>7}   (kept as reviewed)")
        lines.append(f"  {'total':<14}{summary.done:>7}")
        if summary.outcomes.get("duplicate"):
            lines.append(f"  ({summary.outcomes['duplicate']} duplicate(s): same content as another file of this run)")
        if summary.unused_metadata:
            shown = ", ".join(summary.unused_metadata[:5])
            lines.append(f"  metadata rows that matched no file: {len(summary.unused_metadata)} ({shown}…)")
        self.stdout.write("\n".join(lines))
