"""Writes: ingest, reviewer edits, claims and status changes. Every report write goes through here
(accounts: review/accounts.py).

Invariants kept by this module (tested in tests/test_review_services.py):
- every record written has just passed ``extraction.validate`` (``_store_checked``), findings stored with it;
- a status changes only in ``_change_status``, which records who, from, to and why;
- an edit names the version it started from and is refused when the report moved on (no lost update).
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from extraction import CellValue, ExtractConfig, ExtractionResult, Record, extract_file
from extraction.llm import LlmConfig, make_fallback, not_configured_fallback
from extraction.numbers import parse_cell
from extraction.pipeline import PARSER_VERSION
from extraction.schema import TEMPLATES, all_cells, describe_cell, field_spec
from review import selectors
from review.models import CellEdit, ExtractionRun, LlmCall, Method, RejectReason, Report, Status, StatusChange
from review.records import (
    Checked,
    JsonDict,
    cell_id,
    cell_key,
    check_record,
    claims_from_json,
    claims_to_json,
    display_value,
    finding_from_json,
    prose_claims_of,
    record_from_json,
    record_to_json,
)
from review.storage import read_source, store_bytes

DECISION_STATUS = {"accept": Status.ACCEPTED, "review": Status.NEEDS_REVIEW, "failed": Status.FAILED}
EDITABLE = {Status.NEEDS_REVIEW}
REOPENABLE = {Status.VERIFIED, Status.ACCEPTED, Status.REJECTED, Status.FAILED}


class ReviewError(Exception):
    """A refused write; the message is shown to the reviewer as is."""


class ConcurrentEdit(ReviewError):
    pass


class ClaimHeld(ReviewError):
    pass


class NotEditable(ReviewError):
    pass


class NoteRequired(ReviewError):
    pass


class InvalidCells(ReviewError):
    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors.values()))


# --- ingest -----------------------------------------------------------------------------------------

def extraction_config() -> ExtractConfig:
    """Settings → the library's config, the LLM step as the parser's fallback."""
    return ExtractConfig(accept_confidence=settings.ACCEPT_CONFIDENCE, fallback=llm_fallback())


def llm_fallback() -> Any:
    """The LLM step from FOI_LLM_* (read now, so a worker process builds its own); unconfigured, the
    report goes to review with the reason "LLM not configured". Answers are cached under DATA_DIR."""
    config = LlmConfig.from_env(os.environ)
    if config is None:
        return not_configured_fallback
    if config.cache_dir is None:
        config = dataclasses.replace(config, cache_dir=Path(settings.DATA_DIR) / "llm-cache")
    return make_fallback(config)


@dataclass(frozen=True)
class IngestOutcome:
    report: Report
    created: bool
    """A new file (a new SHA-256)."""
    run: ExtractionRun | None
    """The run made now; None when the file had been extracted already (idempotent re-ingest)."""


def store_source(data: bytes, filename: str, *, source_url: str = "") -> tuple[Report, bool]:
    """Store the bytes once by SHA-256; the same bytes under another name are the same report."""
    sha, _ = store_bytes(data)
    name = Path(filename).name[:255] or sha
    report, created = Report.objects.get_or_create(sha256=sha, defaults={
        "filename": name, "size": len(data), "source_url": source_url[:1000], "status": Status.PENDING})
    if not created and source_url and not report.source_url:
        Report.objects.filter(pk=report.pk).update(source_url=source_url[:1000])
        report.source_url = source_url[:1000]
    return report, created


def ingest_bytes(data: bytes, filename: str, *, source_url: str = "", user: Any = None,
                 force: bool = False) -> IngestOutcome:
    """The one ingest pipeline: store → extract → validate → decide → status. Idempotent per SHA-256."""
    report, created = store_source(data, filename, source_url=source_url)
    run = run_extraction(report, user=user, force=force)
    report.refresh_from_db()
    return IngestOutcome(report, created, run)


def ingest_path(path: str | Path, *, source_url: str = "", user: Any = None, force: bool = False) -> IngestOutcome:
    path = Path(path)
    return ingest_bytes(path.read_bytes(), path.name, source_url=source_url, user=user, force=force)


def run_extraction(report: Report, *, user: Any = None, force: bool = False) -> ExtractionRun | None:
    """Extract the stored file unless it has been already (``force`` re-runs: ``reingest``).

    A report a reviewer has touched (edited, verified, rejected) keeps its record: the new run is stored
    beside it for comparison, never silently written over a human's work.
    """
    if report.current_run_id is not None and not force:
        return None
    result = extract_file(report.filename, extraction_config(), data=read_source(report.sha256))
    return _record_run(report, result, user=user, forced=force)


def qa_sample_rate() -> float:
    """Share of automatically accepted reports that a reviewer checks (FOI_QA_SAMPLE_RATE, default 0.02)."""
    return min(1.0, max(0.0, float(getattr(settings, "QA_SAMPLE_RATE", 0.02))))


def qa_draws(sha256: str) -> bool:
    """Draw by the file's hash, not by chance: the same file is always in or out, so re-runs are idempotent."""
    return int(sha256[:12], 16) / 16**12 < qa_sample_rate()



# --- batch import (issue 5): results extracted elsewhere, source metadata ----------------------------

def record_extraction(report: Report, result: ExtractionResult, *, user: Any = None,
                      force: bool = False) -> ExtractionRun | None:
    """Store a result computed outside this process (the import workers) exactly as ``run_extraction`` would.

    Why: batch import extracts in worker processes and writes from one process; the write path (validate,
    decide, status, cross-year refresh) must stay this one. None when the report was extracted already.
    """
    if report.current_run_id is not None and not force:
        return None
    return _record_run(report, result, user=user, forced=force)


def set_source_metadata(report: Report, *, source_url: str = "", published_on: Any = None,
                        region: str = "") -> bool:
    """Apply what an import's metadata file says about a source (given values win); True when changed."""
    fields: dict[str, Any] = {}
    if source_url and source_url[:1000] != report.source_url:
        fields["source_url"] = source_url[:1000]
    if published_on is not None and published_on != report.published_on:
        fields["published_on"] = published_on
    if region and region[:100] != report.region:
        fields["region"] = region[:100]
    if not fields:
        return False
    Report.objects.filter(pk=report.pk).update(updated_at=timezone.now(), **fields)
    for name, value in fields.items():
        setattr(report, name, value)
    return True


def _record_run(report: Report, result: ExtractionResult, *, user: Any, forced: bool) -> ExtractionRun:
    record_json, provenance = record_to_json(result.record) if result.record else (None, {})
    claims = prose_claims_of(result)
    parse_problems = [f for f in result.findings if f.code == "P1"]
    checked = None
    if result.record is not None:
        previous = selectors.previous_year_record(report, result.record.organization, result.record.year)
        checked = check_record(result.record, claims, previous, extra=parse_problems)
    findings = checked.findings_json() if checked else [f.to_dict() for f in result.findings]
    with transaction.atomic():
        report = Report.objects.select_for_update().get(pk=report.pk)
        if report.current_run_id is not None and not forced:
            return ExtractionRun.objects.get(pk=report.current_run_id)  # a concurrent ingest got here first
        run = ExtractionRun.objects.create(
            report=report, method=result.method or "", parser_version=PARSER_VERSION, decision=result.decision,
            reasons=result.reasons, record=record_json, provenance=provenance, findings=findings,
            notes=list(result.record.notes) if result.record else [],
            confidence=result.confidence, timings=result.timings, forced=forced, created_by=user,
            prompt_version=result.versions.get("prompt", ""), model_name=result.versions.get("model", "")[:120],
        )
        LlmCall.objects.bulk_create(LlmCall(
            report=report, run=run, reason=call.reason, model_name=call.model[:120], mode=call.mode,
            prompt_tokens=call.prompt_tokens, completion_tokens=call.completion_tokens, latency_s=call.latency_s,
            status=call.status, error=call.error or "") for call in result.llm_calls)
        protected = report.status in {Status.VERIFIED, Status.REJECTED} or selectors.has_reviewer_edits(report)
        report.current_run = run
        report.format = result.source_format or report.format
        report.page_count = result.page_count or report.page_count
        if protected:
            report.save(update_fields=["current_run", "format", "page_count", "updated_at"])
            return run
        status = DECISION_STATUS[result.decision]
        if status == Status.ACCEPTED and checked and checked.hard:
            status = Status.NEEDS_REVIEW  # cannot happen with one validator; kept as the invariant's guard
        qa_note = ""
        if status == Status.ACCEPTED and qa_draws(report.sha256):
            status, report.sampled = Status.NEEDS_REVIEW, True
            qa_note = f" — drawn as a QA sample ({qa_sample_rate():.0%} of automatic accepts are checked)"
        report.method = result.method or ""
        report.confidence = result.confidence
        report.reasons = result.reasons
        report.prose_claims = claims_to_json(claims)
        if checked is not None:
            _apply_checked(report, checked, provenance)
        else:
            report.record, report.provenance, report.findings = None, {}, findings
            report.hard_count = sum(1 for f in result.findings if f.severity == "hard")
            report.finding_codes = ""
        report.version = F("version") + 1
        report.save()
        report.refresh_from_db(fields=["version"])
        _change_status(report, status, user=user, note=f"extraction run {run.pk}: {result.decision}"
                       + (f" ({result.reasons[0]})" if result.reasons else "") + qa_note)
    refresh_following_year(report)
    return run


def refresh_following_year(report: Report) -> None:
    """Year y's S1/S2 compare with year y−1: re-check y whenever y−1 is stored or corrected."""
    for following in Report.objects.filter(organization=report.organization, year=(report.year or 0) + 1,
                                            record__isnull=False).exclude(pk=report.pk):
        refresh_findings(following)


def refresh_findings(report: Report) -> Checked | None:
    """Re-run the validator on the stored record (e.g. once last year's report arrives, for S1/S2).

    Only soft cross-year findings can change this way, so the status stays; parse problems stay too.
    """
    if report.record is None:
        return None
    record = record_from_json(report.record, report.provenance)
    parse_problems = [finding_from_json(f) for f in report.findings or [] if f.get("code") == "P1"]
    checked = check_record(record, claims_from_json(report.prose_claims), selectors.previous_year_record(report),
                           extra=parse_problems)
    Report.objects.filter(pk=report.pk).update(findings=checked.findings_json(), hard_count=len(checked.hard),
                                               finding_codes=checked.codes(), updated_at=timezone.now())
    return checked


def _apply_checked(report: Report, checked: Checked, provenance: JsonDict) -> None:
    """Copy a validated record onto the report object (the caller saves)."""
    record_json, fresh = record_to_json(checked.record)
    # keep provenance fields the Record does not carry (e.g. the "edited" mark)
    report.record = record_json
    report.provenance = {k: {**provenance.get(k, {}), **v} for k, v in fresh.items()}
    report.findings = checked.findings_json()
    report.hard_count = len(checked.hard)
    report.finding_codes = checked.codes()
    report.organization = (checked.record.organization or "")[:255]
    report.year = checked.record.year
    report.template = checked.record.template or ""


# --- status -----------------------------------------------------------------------------------------

def _change_status(report: Report, to: str, *, user: Any, note: str = "") -> None:
    """The only place a status changes: the report row and a StatusChange naming who and why."""
    before = Report.objects.filter(pk=report.pk).values_list("status", flat=True).first() or ""
    Report.objects.filter(pk=report.pk).update(status=to, status_note=note[:2000], updated_at=timezone.now())
    report.status, report.status_note = to, note[:2000]
    if before != to:
        StatusChange.objects.create(report=report, from_status=before, to_status=to, note=note[:2000],
                                    hard_findings=report.hard_count, user=user)


def _bump_version(report: Report, version: int, **fields: Any) -> None:
    """Write ``fields`` only if the report is still at ``version``: the optimistic lock."""
    updated = Report.objects.filter(pk=report.pk, version=version).update(
        version=F("version") + 1, updated_at=timezone.now(), **fields)
    if updated != 1:
        raise ConcurrentEdit(_conflict_message(report))
    report.version = version + 1
    for name, value in fields.items():
        setattr(report, name, value)


def _conflict_message(report: Report) -> str:
    """Who changed the report last, so the refused reviewer knows whom to talk to."""
    edit = report.edits.select_related("user").first()
    change = report.status_changes.select_related("user").first()
    last = max((e for e in (edit, change) if e is not None), key=lambda e: e.at, default=None)
    who = ""
    if last is not None:
        name = last.user.get_username() if last.user is not None else "the ingest pipeline"
        who = f" by {name} at {timezone.localtime(last.at):%H:%M:%S}"
    return (f"This report was changed{who} since you opened it. Nothing was saved: reload the page to see "
            "the current values, then make your change again.")


def _require(user: Any, perm: str) -> None:
    if not user.has_perm(f"review.{perm}"):
        raise PermissionDenied(f"you do not have the permission to {perm.replace('_', ' ')}")


def _require_claim_free(report: Report, user: Any) -> None:
    holder = selectors.claim_holder(report)
    if holder is not None and holder.pk != user.pk:
        raise ClaimHeld(f"{holder.get_username()} is working on this report (claimed at "
                        f"{timezone.localtime(report.claimed_at):%H:%M}); nothing was saved.")


def verify_report(report: Report, user: Any, *, version: int, note: str = "") -> None:
    """Verified: no hard finding remains, or the reviewer says why the published tables do not balance."""
    _require(user, "verify_report")
    if report.status not in {Status.NEEDS_REVIEW, Status.ACCEPTED}:
        raise NotEditable(f"a report that is {report.get_status_display()} cannot be verified")
    _require_claim_free(report, user)
    if report.record is None:
        raise NotEditable("there is no record to verify: enter the values first, or reject the report")
    if report.hard_count and not note.strip():
        raise NoteRequired(f"{report.hard_count} hard finding(s) remain. Correct the values, or write a note "
                           "saying the published report itself does not balance, then verify.")
    with transaction.atomic():
        _bump_version(report, version, claimed_by=None, claimed_at=None)
        _change_status(report, Status.VERIFIED, user=user, note=note.strip())


def reject_report(report: Report, user: Any, *, version: int, reason: str, note: str = "") -> None:
    _require(user, "reject_report")
    if reason not in RejectReason.values:
        raise ReviewError(f"choose a reason: {', '.join(RejectReason.labels)}")
    if reason == RejectReason.OTHER and not note.strip():
        raise NoteRequired("say why the report is rejected")
    if report.status == Status.REJECTED:
        raise NotEditable("the report is already rejected")
    _require_claim_free(report, user)
    label = RejectReason(reason).label
    with transaction.atomic():
        _bump_version(report, version, reject_reason=reason, claimed_by=None, claimed_at=None)
        _change_status(report, Status.REJECTED, user=user, note=f"{label}. {note.strip()}".strip())


def reopen_report(report: Report, user: Any, *, version: int, note: str) -> None:
    """A verified (or accepted, rejected, failed) report goes back to review, never changed silently."""
    _require(user, "change_report")
    if report.status not in REOPENABLE:
        raise NotEditable(f"a report that is {report.get_status_display()} is already open")
    if not note.strip():
        raise NoteRequired("say why the report is reopened")
    with transaction.atomic():
        _bump_version(report, version, reject_reason="", claimed_by=user, claimed_at=timezone.now())
        _change_status(report, Status.NEEDS_REVIEW, user=user, note=note.strip())


# --- claims -----------------------------------------------------------------------------------------

def claim_report(report: Report, user: Any) -> None:
    """Take the report for ``user`` unless someone else holds an unexpired claim (one UPDATE, race-free)."""
    now = timezone.now()
    free = Q(claimed_by__isnull=True) | Q(claimed_by=user) | Q(claimed_at__lt=selectors.claim_cutoff(now))
    if Report.objects.filter(Q(pk=report.pk) & free).update(claimed_by=user, claimed_at=now) != 1:
        report.refresh_from_db(fields=["claimed_by", "claimed_at"])
        _require_claim_free(report, user)
    report.claimed_by, report.claimed_at = user, now


def release_claim(report: Report, user: Any) -> None:
    Report.objects.filter(pk=report.pk, claimed_by=user).update(claimed_by=None, claimed_at=None)
    if report.claimed_by_id == user.pk:
        report.claimed_by, report.claimed_at = None, None


def next_report(user: Any) -> Report | None:
    """Claim the most serious report nobody else holds; None when the queue is empty."""
    for candidate in selectors.next_candidates(user)[:25]:
        try:
            claim_report(candidate, user)
        except ClaimHeld:
            continue  # taken between the read and the claim: try the next one
        return candidate
    return None


# --- reviewer edits ---------------------------------------------------------------------------------

def save_record(report: Report, user: Any, *, version: int, cells: dict[str, str],
                meta: dict[str, str] | None = None, note: str = "") -> Checked:
    """Apply typed values, re-run the validator, store record + findings + audit rows, all or nothing.

    ``cells`` maps ``"table/row/field"`` to the text typed; text equal to what the grid showed is no
    change. Unparseable text is refused with the reason, never coerced.
    """
    _require(user, "change_report")
    if report.status not in EDITABLE:
        raise NotEditable(f"this report is {report.get_status_display()}: reopen it (with a reason) to change it")
    _require_claim_free(report, user)
    if report.version != version:
        raise ConcurrentEdit(_conflict_message(report))
    record = record_from_json(report.record, report.provenance) if report.record else Record(template="2021")
    provenance = dict(report.provenance or {})
    edits: list[CellEdit] = []
    _apply_meta(record, meta or {}, edits)
    template = record.template or "2021"
    errors: dict[str, str] = {}
    for ident, text in cells.items():
        try:
            key = cell_key(ident)
            kind = field_spec(template, key).kind
        except (ValueError, KeyError):
            errors[ident] = f"{ident}: not a cell of the {template} template"
            continue
        old = record.cells.get(key)
        if text.strip() == display_value(old.value if old else None, old is not None):
            continue
        parsed = parse_cell(text, kind)
        if not parsed.ok:
            errors[ident] = f"{describe_cell(template, key)}: {parsed.error}"
            continue
        if old is not None and old.value == parsed.value and type(old.value) is type(parsed.value):
            continue
        note_kept = parsed.note if parsed.note is not None else (old.note if old else None)
        record.cells[key] = CellValue(value=parsed.value, raw=text.strip(), note=note_kept,
                                      source=old.source if old else None)
        provenance[ident] = {**provenance.get(ident, {}), "edited": True}
        edits.append(CellEdit(cell=ident, old_value=old.value if old else None, old_present=old is not None,
                              new_value=parsed.value, typed=text.strip()[:200], note=note))
    if errors:
        raise InvalidCells(errors)
    for edit in edits:
        edit.note = note.strip()
    if not edits:
        return check_record(record, claims_from_json(report.prose_claims), selectors.previous_year_record(report))
    checked = check_record(record, claims_from_json(report.prose_claims), selectors.previous_year_record(report))
    was_empty = report.record is None
    with transaction.atomic():
        scratch = Report(pk=report.pk)
        _apply_checked(scratch, checked, provenance)
        fields = {name: getattr(scratch, name) for name in (
            "record", "provenance", "findings", "hard_count", "finding_codes", "organization", "year", "template")}
        if was_empty:
            fields["method"] = Method.HUMAN
        _bump_version(report, version, claimed_at=timezone.now(), **fields)
        for edit in edits:
            edit.report, edit.user, edit.version = report, user, report.version
        CellEdit.objects.bulk_create(edits)
    report.refresh_from_db(fields=["organization", "year"])
    refresh_following_year(report)
    return checked


def _apply_meta(record: Record, meta: dict[str, str], edits: list[CellEdit]) -> None:
    """Issuing body, year and template: edited like cells, recorded like cells."""
    if "organization" in meta:
        value = meta["organization"].strip() or None
        if value != record.organization:
            edits.append(CellEdit(cell="meta/organization", old_value=record.organization, new_value=value,
                                  typed=meta["organization"][:200]))
            record.organization = value
    if "year" in meta:
        text = meta["year"].strip()
        if text and not (text.isdigit() and 1990 <= int(text) <= 2100):
            raise InvalidCells({"meta/year": f"year: {text!r} is not a year"})
        year = int(text) if text else None
        if year != record.year:
            edits.append(CellEdit(cell="meta/year", old_value=record.year, new_value=year, typed=text))
            record.year = year
    if "template" in meta and meta["template"] and meta["template"] != record.template:
        if meta["template"] not in TEMPLATES:
            raise InvalidCells({"meta/template": f"template: {meta['template']!r} is not 2021 or 2019"})
        edits.append(CellEdit(cell="meta/template", old_value=record.template, new_value=meta["template"],
                              typed=meta["template"]))
        record.template = meta["template"]  # type: ignore[assignment]
        keep = set(all_cells(record.template))
        for key, cell in record.cells.items():
            if key not in keep:  # a cell the other template does not print: its removal is a change too
                edits.append(CellEdit(cell=cell_id(key), old_value=cell.value, new_value=None,
                                      typed=f"(not in the {record.template} template)"))
        record.cells = {k: v for k, v in record.cells.items() if k in keep}
        record.fill_template_nulls()
