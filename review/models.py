"""Thin models: a source report and its current record, each extraction run, and the audit trail.

No logic lives here (no save() overrides, no signals): every write goes through ``review.services`` so
that each record reaching the database has passed ``extraction.validate`` and each status change
names who made it and why.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Status(models.TextChoices):
    PENDING = "pending", "waiting for extraction"
    NEEDS_REVIEW = "needs_review", "needs review"
    ACCEPTED = "accepted", "accepted automatically"
    VERIFIED = "verified", "verified"
    REJECTED = "rejected", "rejected"
    FAILED = "failed", "failed"


class Method(models.TextChoices):
    DETERMINISTIC = "deterministic", "deterministic parser"
    LLM = "llm", "LLM"
    HUMAN = "human", "reviewer"


class RejectReason(models.TextChoices):
    NOT_A_REPORT = "not_a_report", "not an annual report"
    UNREADABLE = "unreadable", "unreadable"
    DUPLICATE = "duplicate", "duplicate of another report"
    OTHER = "other", "other (see note)"


class Report(models.Model):
    """One source file, stored once by SHA-256, with the record reviewers see and edit."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255, help_text="original file name as uploaded or imported")
    format = models.CharField(max_length=16, blank=True, help_text="pdf, html, docx or text")
    size = models.PositiveBigIntegerField(default=0)
    source_url = models.URLField(max_length=1000, blank=True)
    published_on = models.DateField(null=True, blank=True, help_text="publication date (import --metadata)")
    region = models.CharField(max_length=100, blank=True, db_index=True, help_text="region (import --metadata)")
    page_count = models.PositiveIntegerField(default=0)

    organization = models.CharField(max_length=255, blank=True, db_index=True)
    year = models.PositiveIntegerField(null=True, blank=True, db_index=True)
    template = models.CharField(max_length=4, blank=True)

    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True)
    method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    confidence = models.FloatField(default=0.0)
    record = models.JSONField(null=True, blank=True, help_text="the spec's record shape (Record.to_report())")
    provenance = models.JSONField(default=dict, blank=True,
                                  help_text='{"table/row/field": {raw, note, page, box, locator}}; a key is present '
                                            "exactly when the cell was read")
    findings = models.JSONField(default=list, blank=True, help_text="[Finding.to_dict()] of the current record")
    reasons = models.JSONField(default=list, blank=True, help_text="why the last run decided as it did")
    prose_claims = models.JSONField(default=list, blank=True,
                                    help_text="totals the prose quotes, kept so that re-validation still checks S3")
    hard_count = models.PositiveIntegerField(default=0, db_index=True)
    finding_codes = models.CharField(max_length=200, blank=True,
                                     help_text='space-delimited codes, " I1 I3 S3 ", for a portable filter')
    current_run = models.ForeignKey("ExtractionRun", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")

    version = models.PositiveIntegerField(default=1, help_text="bumped by every write; an edit names the "
                                                               "version it started from")
    claimed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="claimed_reports")
    claimed_at = models.DateTimeField(null=True, blank=True)
    status_note = models.TextField(blank=True, help_text="the note of the last status change")
    reject_reason = models.CharField(max_length=20, choices=RejectReason.choices, blank=True)
    sampled = models.BooleanField(default=False, db_index=True,
                                  help_text="an automatically accepted report drawn for QA review")


    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        permissions = [
            ("verify_report", "Can verify a report"),
            ("reject_report", "Can reject a report"),
        ]

    def __str__(self) -> str:
        who = self.organization or self.filename
        return f"{who} {self.year or ''}".strip()


class ExtractionRun(models.Model):
    """One pass of the extraction pipeline over a report's file, kept whole for audit and evaluation."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="runs")
    method = models.CharField(max_length=16, choices=Method.choices, blank=True)
    parser_version = models.CharField(max_length=32)
    prompt_version = models.CharField(max_length=32, blank=True)
    model_name = models.CharField(max_length=120, blank=True)
    decision = models.CharField(max_length=16)
    reasons = models.JSONField(default=list)
    record = models.JSONField(null=True, blank=True)
    provenance = models.JSONField(default=dict)
    findings = models.JSONField(default=list)
    notes = models.JSONField(default=list, blank=True,
                             help_text="how the parser read it: digit runs solved, rows settled by identities or prose")
    confidence = models.FloatField(default=0.0)
    timings = models.JSONField(default=dict)
    forced = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"run {self.pk} of report {self.report_id}: {self.decision}"


class CellEdit(models.Model):
    """One changed value: the audit trail a reviewer and a later reader both see."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="edits")
    cell = models.CharField(max_length=120, help_text='"table/row/field", or "meta/organization" etc.')
    old_value = models.JSONField(null=True, blank=True)
    new_value = models.JSONField(null=True, blank=True)
    old_present = models.BooleanField(default=True, help_text="false when the cell had not been read")
    typed = models.CharField(max_length=200, blank=True, help_text="what the reviewer typed")
    note = models.TextField(blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(help_text="the report version this edit produced")

    class Meta:
        ordering = ["-at", "-id"]


class StatusChange(models.Model):
    """Who moved a report from one status to another, and why (None user: the ingest pipeline)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16)
    note = models.TextField(blank=True)
    hard_findings = models.PositiveIntegerField(default=0, help_text="hard findings at the time of the change")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]


class LlmCall(models.Model):
    """One call to the language model: the usage ledger (tokens, latency, errors) per report."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="llm_calls")
    run = models.ForeignKey(ExtractionRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="llm_calls")
    reason = models.CharField(max_length=16, help_text="extract or reask")
    model_name = models.CharField(max_length=120)
    mode = models.CharField(max_length=16)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    latency_s = models.FloatField(default=0.0)
    status = models.CharField(max_length=16, help_text="ok, error or cached")
    error = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = "LLM call"


class ImportBatch(models.Model):
    """One run of ``import_reports``: what was asked and what came of it (a killed run has no finished_at)."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    arguments = models.JSONField(default=dict, help_text="paths and options as given")
    counts = models.JSONField(default=dict, help_text="files per outcome, written when the run finishes")
    host = models.CharField(max_length=255, blank=True)
    pid = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name_plural = "import batches"

    def __str__(self) -> str:
        return f"import {self.pk} at {self.started_at:%Y-%m-%d %H:%M}"


class ImportItem(models.Model):
    """The result row of one file of an import, kept even when the file never became a report."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="items")
    name = models.CharField(max_length=1000, help_text='path as given; "archive.zip!inner/path" for a member')
    sha256 = models.CharField(max_length=64, blank=True, db_index=True)
    size = models.PositiveBigIntegerField(default=0)
    outcome = models.CharField(max_length=16, db_index=True,
                               help_text="new, re-run, known, duplicate, queued, failed or skipped")
    status = models.CharField(max_length=16, blank=True, help_text="the report's status after this file")
    report = models.ForeignKey(Report, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports")
    reason = models.TextField(blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["batch", "id"]

    def __str__(self) -> str:
        return f"{self.name}: {self.outcome}"
