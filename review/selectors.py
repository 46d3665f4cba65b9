"""Reads: the review queue, claims, neighbours, the audit trail and the source a reviewer checks against."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Sum, Value, When
from django.utils import timezone

from extraction import Record
from extraction.document import TableBlock
from extraction.loaders import load_document
from extraction.schema import describe_cell
from extraction.validation import neighbour_fit
from review.models import CellEdit, Report, Status, StatusChange
from review.records import cell_key, record_from_json
from review.storage import page_sizes, read_source

TRUST_RANK = Case(When(status=Status.VERIFIED, then=Value(0)), When(status=Status.ACCEPTED, then=Value(1)),
                  default=Value(2), output_field=IntegerField())
"""Order by how far a report's record is trusted: verified, then accepted, then the rest."""

QUEUE_RANK = {
    Status.NEEDS_REVIEW: 0,
    Status.PENDING: 1,
    Status.FAILED: 2,
    Status.ACCEPTED: 3,
    Status.VERIFIED: 4,
    Status.REJECTED: 5,
}


def claim_minutes() -> int:
    """How long a claim holds without activity (FOI_CLAIM_MINUTES, default 30)."""
    value = getattr(settings, "CLAIM_MINUTES", None) or os.environ.get("FOI_CLAIM_MINUTES") or 30
    return max(1, int(value))


def claim_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(minutes=claim_minutes())


def active_claim_q(prefix: str = "") -> Q:
    """Reports whose claim is still running (held by someone, claimed after the cutoff)."""
    return Q(**{f"{prefix}claimed_by__isnull": False, f"{prefix}claimed_at__gte": claim_cutoff()})


def claim_holder(report: Report) -> Any | None:
    """The user holding the report now, or None when unclaimed or the claim expired."""
    if report.claimed_by_id is None or report.claimed_at is None or report.claimed_at < claim_cutoff():
        return None
    return report.claimed_by


def held_by_other(report: Report, user: Any) -> bool:
    holder = claim_holder(report)
    return holder is not None and holder.pk != user.pk


def queue(qs: QuerySet[Report] | None = None) -> QuerySet[Report]:
    """Most serious first: needs review before everything else, then most hard findings, then oldest."""
    qs = Report.objects.all() if qs is None else qs
    rank = Case(*[When(status=s, then=Value(r)) for s, r in QUEUE_RANK.items()], default=Value(9),
                output_field=IntegerField())
    return qs.annotate(queue_rank=rank).order_by("queue_rank", "-hard_count", "created_at", "id")


def next_candidates(user: Any) -> QuerySet[Report]:
    """Reports a reviewer could take next: needing review and not held by someone else."""
    others = active_claim_q() & ~Q(claimed_by=user)
    return queue(Report.objects.filter(status=Status.NEEDS_REVIEW).exclude(others))


def previous_year_record(report: Report, organization: str | None = None, year: int | None = None
                         ) -> Record | None:
    """Last year's record of the same body, for the soft cross-year checks (S1, S2).

    ``organization``/``year`` name the body and year when they come from a record not stored yet (a new
    report has neither until its first extraction is written).
    """
    year = year or report.year
    return _record_of_year(report, organization or report.organization, year - 1 if year else None)


def following_year_record(report: Report) -> Record | None:
    """Next year's record of the same body: its S1/S2 checks read this report as their previous year."""
    return _record_of_year(report, report.organization, report.year + 1 if report.year else None)


def same_body_year(report: Report) -> QuerySet[Report]:
    """Other reports stored for the same body and year (often the same report as PDF and as web page)."""
    if not report.organization or not report.year:
        return Report.objects.none()
    return Report.objects.filter(organization=report.organization, year=report.year).exclude(pk=report.pk
                                                                                          ).order_by("id")


def reading_twins(report: Report, findings: list[dict[str, Any]]) -> dict[int, list[list[str]]]:
    """For findings that offer candidate readings: per reading, the other stored copies of this body's
    report for this year (verified or accepted, e.g. its web page beside its text) that hold exactly it."""
    offering = [(index, f) for index, f in enumerate(findings) if f.get("options") and f.get("cells")]
    if not offering:
        return {}
    twins = [t for t in same_body_year(report).filter(status__in=[Status.VERIFIED, Status.ACCEPTED],
                                                      record__isnull=False)]
    if not twins:
        return {}
    records = [(f"#{t.pk} {t.filename} ({t.get_status_display()})", record_from_json(t.record, t.provenance))
               for t in twins]
    matches: dict[int, list[list[str]]] = {}
    for index, finding in offering:
        cells = [cell_key(c) for c in finding["cells"]]
        per_option = [[name for name, record in records
                       if all(record.has(k) and record.value(k) == v for k, v in zip(cells, option, strict=True))]
                      for option in finding["options"]]
        if any(per_option):
            matches[index] = per_option
    return matches


def _record_of_year(report: Report, organization: str | None, year: int | None) -> Record | None:
    """The body's record of that year that the cross-year checks trust most (verified, then accepted)."""
    if not organization or not year:
        return None
    other = (
        Report.objects.filter(organization=organization, year=year, record__isnull=False)
        .exclude(status__in=[Status.REJECTED, Status.FAILED]).exclude(pk=report.pk)
        .order_by(TRUST_RANK, "-updated_at")
        .first()
    )
    return record_from_json(other.record, other.provenance) if other else None


def reading_fits(report: Report, findings: list[dict[str, Any]]) -> dict[int, list[list[str]]]:
    """For findings that offer candidate readings (digit runs): the cross-year findings each reading would
    raise against the neighbouring years, by finding index. Empty when no neighbour tells them apart."""
    offering = [(index, f) for index, f in enumerate(findings) if f.get("options") and f.get("cells")]
    if not offering or not report.record:
        return {}
    previous, following = previous_year_record(report), following_year_record(report)
    if previous is None and following is None:
        return {}
    record = record_from_json(report.record, report.provenance)
    fits: dict[int, list[list[str]]] = {}
    for index, finding in offering:
        cells = tuple(cell_key(c) for c in finding["cells"])
        fit = neighbour_fit(record, cells, [tuple(o) for o in finding["options"]], previous, following)
        if fit is not None:
            fits[index] = fit
    return fits


def has_reviewer_edits(report: Report) -> bool:
    return CellEdit.objects.filter(report=report).exists()


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    user: str
    kind: str
    """``edit`` or ``status``."""
    what: str
    old: str = ""
    new: str = ""
    note: str = ""


def audit_trail(report: Report, limit: int = 200) -> list[AuditEntry]:
    """Cell edits and status changes together, newest first, in a reviewer's words."""
    entries: list[AuditEntry] = []
    for edit in CellEdit.objects.filter(report=report).select_related("user")[:limit]:
        if edit.cell.startswith("meta/"):
            what = edit.cell.split("/", 1)[1]
        else:
            try:
                what = describe_cell(report.template or "2021", cell_key(edit.cell))  # type: ignore[arg-type]
            except (KeyError, ValueError):
                what = edit.cell
        old = ("(not read)" if not edit.old_present else _shown(edit.old_value))
        entries.append(AuditEntry(edit.at, _username(edit.user), "edit", what, old, _shown(edit.new_value), edit.note))
    for change in StatusChange.objects.filter(report=report).select_related("user")[:limit]:
        entries.append(AuditEntry(change.at, _username(change.user) if change.user else "ingest", "status",
                                  "status", change.from_status or "—", change.to_status, change.note))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries[:limit]


def _shown(value: Any) -> str:
    return "blank" if value is None else str(value)


def _username(user: Any) -> str:
    return user.get_username() if user is not None else "—"


# --- the source beside the grid ---------------------------------------------------------------------

@dataclass
class SourceBlock:
    """One block of a non-PDF source, ready for the template: text lines or a table grid."""

    kind: str
    locator: str
    lines: list[tuple[str, str]] = field(default_factory=list)
    """(data-loc, text) per line."""
    rows: list[list[tuple[str, str, int, int]]] = field(default_factory=list)
    """Per row, per cell: (data-loc, text, rowspan, colspan)."""


def source_blocks(report: Report) -> list[SourceBlock]:
    """The document as the loader read it, every line and cell tagged with the locator cells carry."""
    try:
        document = load_document(report.filename, read_source(report.sha256))
    except Exception:  # noqa: BLE001 - LoadError, a missing file or a loader bug: the grid still shows
        return []
    blocks: list[SourceBlock] = []
    for block in document.blocks:
        if isinstance(block, TableBlock):
            out = SourceBlock("table", block.locator)
            for r, row in enumerate(block.rows):
                out.rows.append([(f"{block.locator}, row {r + 1}, column {c + 1}", cell.text, cell.rowspan,
                                  cell.colspan) for c, cell in enumerate(row) if cell is not None])
            blocks.append(out)
        else:
            name = block.locator or "text"
            blocks.append(SourceBlock("text", name, lines=[(f"{name}, line {n + 1}", line)
                                                          for n, line in enumerate(block.lines)]))
    return blocks


def pdf_pages(report: Report) -> list[tuple[float, float]]:
    if report.format != "pdf":
        return []
    try:
        return page_sizes(report.sha256)
    except Exception:  # noqa: BLE001 - a broken PDF shows no page images, the grid still works
        return []


# --- QA sampling: the product's live precision figure -----------------------------------------------

@dataclass(frozen=True)
class QaPrecision:
    """Of the automatically accepted reports drawn for a check and since decided by a reviewer, the
    share that needed no change (verified with no edited cell) — measured, not estimated."""

    checked: int
    unchanged: int
    waiting: int

    @property
    def share(self) -> float | None:
        return self.unchanged / self.checked if self.checked else None


def qa_precision() -> QaPrecision:
    sampled = Report.objects.filter(sampled=True)
    decided = sampled.filter(status__in=[Status.VERIFIED, Status.REJECTED])
    edited = CellEdit.objects.filter(report__in=decided).values("report_id").distinct()
    unchanged = decided.filter(status=Status.VERIFIED).exclude(pk__in=edited).count()
    return QaPrecision(checked=decided.count(), unchanged=unchanged,
                       waiting=sampled.filter(status=Status.NEEDS_REVIEW).count())


# --- LLM usage ledger ---------------------------------------------------------------------------------

def llm_usage(report: Report) -> dict[str, int]:
    """Calls, tokens and errors the LLM spent on this report, over all its runs."""
    totals = report.llm_calls.aggregate(calls=Count("id"), prompt=Sum("prompt_tokens"),
                                        completion=Sum("completion_tokens"),
                                        errors=Count("id", filter=Q(status="error")),
                                        cached=Count("id", filter=Q(status="cached")))
    return {key: value or 0 for key, value in totals.items()}
