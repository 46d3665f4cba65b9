"""Batch import: many files through the one ingest pipeline, extraction in worker processes, one writer.

Why this shape (issue 5): analysts load thousands of reports at a time, so a run must be fast, resumable
and honest about every file.

- Hash first: a file whose SHA-256 is stored and extracted already is ``known`` and costs one indexed
  query. A re-run imports nothing twice; a killed run resumes where it stopped (a source stored but not
  yet extracted is extracted by the next run; its report is still ``pending``).
- Workers (``review.extract_worker``) only read the stored copy and run ``extraction.extract_file``; this
  process writes every result through ``services.record_extraction`` (validate, decide, status, cross-year
  refresh), so the database has one writer and SQLite never sees write contention from the import.
- Every file gets a result (``ItemResult``, stored as an ``ImportItem`` row): unreadable, too large,
  not a report type, a crashing or hanging file each fail alone with the reason; the others go on.
"""

from __future__ import annotations

import os
import socket
import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from review import services
from review.extract_worker import ExtractorPool, Job
from review.import_sources import Metadata, Source, SourceProblem, SourceReader
from review.models import ImportBatch, ImportItem, Report, Status
from review.storage import sha256_of, source_path

NEW, RERUN, KNOWN, DUPLICATE, QUEUED, FAILED, SKIPPED = (
    "new", "re-run", "known", "duplicate", "queued", "failed", "skipped")
BUCKETS = ("accepted", "needs_review", "failed", "known", "queued", "skipped")
"""What the progress bar and the summary count (a file's bucket is its outcome or, when extracted now,
the status it got)."""


@dataclass
class ItemResult:
    name: str
    outcome: str
    status: str = ""
    report_id: int | None = None
    sha256: str = ""
    size: int = 0
    reason: str = ""
    codes: str = ""

    @property
    def bucket(self) -> str:
        if self.outcome in (KNOWN, DUPLICATE):
            return "known"
        if self.outcome in (QUEUED, SKIPPED, FAILED):
            return self.outcome
        return self.status or FAILED


@dataclass(frozen=True)
class ImportOptions:
    workers: int = 0
    force: bool = False
    queue: bool = False
    dry_run: bool = False
    source_url: str = ""
    metadata: Metadata = field(default_factory=Metadata.empty)
    max_bytes: int = 100 * 2**20
    timeout: float = 300.0
    user: Any = None
    arguments: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, **overrides: Any) -> ImportOptions:
        defaults: dict[str, Any] = {"workers": settings.IMPORT_WORKERS, "max_bytes": settings.MAX_IMPORT_BYTES,
                                    "timeout": settings.IMPORT_TIMEOUT}
        return cls(**{**defaults, **{k: v for k, v in overrides.items() if v is not None}})


@dataclass
class ImportSummary:
    total: int
    batch_id: int | None
    buckets: Counter[str] = field(default_factory=Counter)
    outcomes: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0
    unused_metadata: list[str] = field(default_factory=list)

    @property
    def done(self) -> int:
        return sum(self.outcomes.values())

    @property
    def failed(self) -> int:
        return self.buckets["failed"]


@dataclass
class _Pending:
    """A file handed to the extractor, waiting for its result."""

    source: Source
    sha256: str
    size: int
    report: Report | None
    rerun: bool
    data: bytes | None = None
    """The bytes, only when the extractor takes them directly (dry runs, in-process extraction)."""


class BatchImport:
    """One import run over a list of sources; ``on_result`` sees every file's result as it lands."""

    def __init__(self, options: ImportOptions, on_result: Callable[[ItemResult, ImportSummary], None] | None = None
                 ) -> None:
        self.options = options
        self.on_result = on_result
        self.seen: dict[str, tuple[str, int | None]] = {}
        self.pending: dict[int, _Pending] = {}
        self.batch: ImportBatch | None = None
        self.summary = ImportSummary(0, None)

    def run(self, sources: list[Source]) -> ImportSummary:
        started = time.perf_counter()
        self.summary = ImportSummary(len(sources), None)
        if not self.options.dry_run:
            self.batch = ImportBatch.objects.create(arguments=self.options.arguments, host=socket.gethostname()[:255],
                                                    pid=os.getpid())
            self.summary.batch_id = self.batch.pk
        pool = ExtractorPool(0 if self.options.queue else self.options.workers, services.extraction_config(),
                             timeout=self.options.timeout)
        reader = SourceReader(self.options.max_bytes)
        try:
            for key, source in enumerate(sources):
                prepared = self._prepare(key, source, reader)
                if isinstance(prepared, ItemResult):
                    self._emit(prepared)
                else:
                    self._submit(pool, key, prepared)
                self._finish_all(pool.completed(block=pool.full))
            for key, result in pool.drain():
                self._finish_all([(key, result)])
        except BaseException:
            pool.abort()
            raise
        finally:
            reader.close()
            pool.close()
            self.summary.elapsed = time.perf_counter() - started
            self.summary.unused_metadata = self.options.metadata.unused
            if self.batch is not None:
                self.batch.counts = dict(self.summary.buckets)
                fields = ["counts"]
                if self.summary.done == self.summary.total:
                    self.batch.finished_at = timezone.now()
                    fields.append("finished_at")
                self.batch.save(update_fields=fields)
        return self.summary

    # --- one file -------------------------------------------------------------------------------

    def _prepare(self, key: int, source: Source, reader: SourceReader) -> ItemResult | _Pending:
        """Read, hash, dedupe, store: everything before extraction, in this process."""
        if source.problem:
            return ItemResult(source.name, SKIPPED if source.skipped else FAILED, size=source.size,
                              reason=source.problem)
        try:
            data = reader.read(source)
        except SourceProblem as exc:
            return ItemResult(source.name, FAILED, size=source.size, reason=str(exc))
        sha = sha256_of(data)
        if sha in self.seen:
            first, report_id = self.seen[sha]
            return ItemResult(source.name, DUPLICATE, report_id=report_id, sha256=sha, size=len(data),
                              reason=f"same content as {first}")
        meta = self.options.metadata.for_source(source)
        existing = Report.objects.filter(sha256=sha).first()
        self.seen[sha] = (source.name, existing.pk if existing else None)
        if existing is not None and existing.current_run_id is not None and not self.options.force:
            if meta is not None and not self.options.dry_run:
                services.set_source_metadata(existing, source_url=meta.source_url,
                                             published_on=meta.published_on, region=meta.region)
            return ItemResult(source.name, KNOWN, existing.status, existing.pk, sha, len(data),
                              codes=existing.finding_codes.strip())
        rerun = existing is not None and existing.current_run_id is not None
        if self.options.dry_run:
            return _Pending(source, sha, len(data), None, rerun, data)
        report, _ = services.store_source(data, source.filename, source_url=self.options.source_url)
        self.seen[sha] = (source.name, report.pk)
        if meta is not None:
            services.set_source_metadata(report, source_url=meta.source_url, published_on=meta.published_on,
                                         region=meta.region)
        if self.options.queue:
            from review.tasks import enqueue_extraction

            enqueue_extraction(report.pk, self.options.force)
            return ItemResult(source.name, QUEUED, report.status, report.pk, sha, len(data))
        return _Pending(source, sha, len(data), report, rerun, data if self.options.workers == 0 else None)

    def _submit(self, pool: ExtractorPool, key: int, job: _Pending) -> None:
        self.pending[key] = job
        path = None if job.data is not None else str(source_path(job.sha256))
        pool.submit(Job(key, job.source.filename, path=path, data=job.data))
        job.data = None  # the worker has its own copy now: keep memory flat

    def _finish_all(self, results: Iterable[tuple[int, Any]]) -> None:
        for key, result in results:
            self._emit(self._finish(self.pending.pop(key), result))

    def _finish(self, job: _Pending, result: Any) -> ItemResult:
        """Store one extraction result (this process is the only writer)."""
        reason = result.reasons[0] if result.reasons and result.decision != "accept" else ""
        if job.report is None:  # dry run: what would happen
            status = services.DECISION_STATUS[result.decision]
            return ItemResult(job.source.name, RERUN if job.rerun else NEW, status, None, job.sha256, job.size,
                              reason)
        try:
            run = services.record_extraction(job.report, result, user=self.options.user, force=self.options.force)
            report = Report.objects.get(pk=job.report.pk)
        except DatabaseError as exc:
            return ItemResult(job.source.name, FAILED, "", job.report.pk, job.sha256, job.size,
                              f"could not store the result ({type(exc).__name__}: {exc})")
        outcome = KNOWN if run is None else (RERUN if job.rerun else NEW)
        if not reason and getattr(report, "sampled", False) and report.status == Status.NEEDS_REVIEW:
            reason = "accepted, drawn as a QA sample for review"  # FOI_QA_SAMPLE_RATE
        return ItemResult(job.source.name, outcome, report.status, report.pk, job.sha256, job.size,
                          reason if report.status in (Status.NEEDS_REVIEW, Status.FAILED) else "",
                          report.finding_codes.strip())

    def _emit(self, item: ItemResult) -> None:
        self.summary.buckets[item.bucket] += 1
        self.summary.outcomes[item.outcome] += 1
        if self.batch is not None:
            ImportItem.objects.create(batch=self.batch, name=item.name[:1000], sha256=item.sha256, size=item.size,
                                      outcome=item.outcome, status=item.status, report_id=item.report_id,
                                      reason=item.reason)
        if self.on_result is not None:
            self.on_result(item, self.summary)


def import_sources(sources: list[Source], options: ImportOptions,
                   on_result: Callable[[ItemResult, ImportSummary], None] | None = None) -> ImportSummary:
    """Import every source; see the module docstring for what is guaranteed."""
    return BatchImport(options, on_result).run(sources)
