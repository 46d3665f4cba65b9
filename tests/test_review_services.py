"""Services: ingest, the one validator on every write, the audit trail, claims and the optimistic lock."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from extraction import validate
from extraction.pipeline import PARSER_VERSION
from review import services, tasks
from review.models import CellEdit, ExtractionRun, Method, Report, Status, StatusChange
from review.records import check_record, record_from_json, record_to_json
from review.storage import source_path
from tests.test_review_helpers import (  # noqa: F401 - fixtures
    MISREAD_CELL,
    PT_2019,
    SEED,
    UNBALANCED_PDF,
    UNBALANCED_TXT,
    alice,
    bob,
    fast_hashing,
    fresh,
    ingest,
    make_reviewer,
    unbalanced,
)

pytestmark = pytest.mark.django_db


# --- ingest -----------------------------------------------------------------------------------------

def test_ingest_stores_the_file_once_under_data_dir_by_sha256(tmp_path: Path) -> None:
    outcome = services.ingest_path(SEED, source_url="https://example.gov.cn/2024.htm")
    report = outcome.report
    stored = source_path(report.sha256)
    assert stored == Path(settings.DATA_DIR) / "sources" / report.sha256[:2] / report.sha256[2:4] / report.sha256
    assert stored.read_bytes() == SEED.read_bytes()
    assert (report.filename, report.format, report.size) == (SEED.name, "text", SEED.stat().st_size)
    assert report.source_url == "https://example.gov.cn/2024.htm"
    assert (report.organization, report.year, report.template) == ("焦作市人民政府", 2024, "2021")
    assert report.status == Status.ACCEPTED and report.hard_count == 0


def test_ingest_records_the_run_and_the_status_change() -> None:
    report = ingest(SEED)
    run = ExtractionRun.objects.get(report=report)
    assert report.current_run == run
    assert (run.method, run.parser_version, run.decision) == ("deterministic", PARSER_VERSION, "accept")
    assert set(run.timings) >= {"load", "parse"} and run.confidence == report.confidence == 1.0
    assert run.record == report.record and run.record["applications"]["granted"]["natural_person"] == 293
    change = StatusChange.objects.get(report=report)
    assert (change.from_status, change.to_status, change.user) == (Status.PENDING, Status.ACCEPTED, None)
    assert f"extraction run {run.pk}" in change.note


def test_ingest_is_idempotent_by_content_and_reingest_is_explicit(alice: Any) -> None:
    first = services.ingest_path(SEED)
    again = services.ingest_bytes(SEED.read_bytes(), "renamed-copy.txt")
    assert again.report.pk == first.report.pk and not again.created and again.run is None
    assert Report.objects.count() == 1 and ExtractionRun.objects.count() == 1
    forced = services.ingest_bytes(SEED.read_bytes(), "x.txt", force=True, user=alice)
    assert forced.run is not None and forced.run.forced and forced.run.created_by == alice
    assert ExtractionRun.objects.count() == 2 and fresh(first.report).current_run == forced.run


def test_unbalanced_report_goes_to_review_with_its_findings_stored(unbalanced: Report) -> None:
    assert unbalanced.status == Status.NEEDS_REVIEW
    assert unbalanced.finding_codes == " I2 I3 " and unbalanced.hard_count == 2
    messages = [f["message"] for f in unbalanced.findings]
    assert "I2 （一）予以公开: 总计 = 298, sum of the six applicant columns = 244 (diff 54)" in messages
    assert all(MISREAD_CELL in f["cells"] for f in unbalanced.findings)
    assert unbalanced.provenance[MISREAD_CELL]["raw"] == "239"
    assert unbalanced.provenance[MISREAD_CELL]["locator"] == "text, line 104"


def test_pdf_cells_keep_page_and_box() -> None:
    report = ingest(UNBALANCED_PDF)
    assert report.format == "pdf" and report.page_count == 3 and report.status == Status.NEEDS_REVIEW
    info = report.provenance["applications/carried_forward/natural_person"]
    assert info["page"] == 2 and len(info["box"]) == 4 and info["raw"] == "3"


def test_round_trip_keeps_cells_never_read_as_missing() -> None:
    report = ingest(FIXTURES_FRAGMENT)
    record = record_from_json(report.record, report.provenance)
    stored_codes = sorted(f["code"] for f in report.findings if f["code"] != "P1")
    assert sorted(f.code for f in validate(record)) == stored_codes
    assert any(f["code"] == "I5" and "not read" in f["message"] for f in report.findings)


FIXTURES_FRAGMENT = SEED.parent.parent / "real" / "ha-2024-szf-fragment.txt"


def test_every_stored_record_equals_a_fresh_validation(unbalanced: Report, alice: Any) -> None:
    """The invariant: what the database holds is what extraction.validate says about the record."""
    services.save_record(unbalanced, alice, version=unbalanced.version, cells={"applications/carried_over/total": "13"})
    for report in Report.objects.exclude(record=None):
        record = record_from_json(report.record, report.provenance)
        assert [f.to_dict() for f in check_record(record).findings] == report.findings


# --- reviewer edits ---------------------------------------------------------------------------------

def test_correcting_the_misread_cell_clears_the_findings_and_is_audited(unbalanced: Report, alice: Any) -> None:
    opened = unbalanced.version
    checked = services.save_record(unbalanced, alice, version=unbalanced.version, cells={MISREAD_CELL: "293"},
                                   note="misread: the PDF prints 293")
    assert checked.findings == []
    report = fresh(unbalanced)
    assert report.findings == [] and report.hard_count == 0 and report.finding_codes == ""
    assert report.record["applications"]["granted"]["natural_person"] == 293
    info = report.provenance[MISREAD_CELL]
    assert (info["raw"], info["edited"], info["locator"]) == ("293", True, "text, line 104")
    assert report.version == opened + 1 and report.status == Status.NEEDS_REVIEW
    edit = CellEdit.objects.get(report=report)
    assert (edit.cell, edit.old_value, edit.new_value, edit.user, edit.note) == (
        MISREAD_CELL, 239, 293, alice, "misread: the PDF prints 293")
    assert edit.version == report.version


def test_typed_values_follow_the_printed_cell_rules(unbalanced: Report, alice: Any) -> None:
    services.save_record(unbalanced, alice, version=unbalanced.version, cells={
        MISREAD_CELL: "２９３",  # full-width digits
        "applications/granted/commercial_enterprise": "—",  # a printed blank
        "active_disclosure/administrative_fees/amount_10k_yuan": "14505.4305",
    })
    report = fresh(unbalanced)
    assert report.record["applications"]["granted"]["natural_person"] == 293
    assert report.record["applications"]["granted"]["commercial_enterprise"] is None
    assert "applications/granted/commercial_enterprise" in report.provenance  # blank, not "not read"
    assert CellEdit.objects.filter(report=report).count() == 2  # the money cell did not change


@pytest.mark.parametrize("typed", ["abc", "1.5", "增3", "十二", "x12"])
def test_unparseable_input_is_refused_and_nothing_is_saved(unbalanced: Report, alice: Any, typed: str) -> None:
    with pytest.raises(services.InvalidCells) as refused:
        services.save_record(unbalanced, alice, version=unbalanced.version,
                             cells={MISREAD_CELL: typed, "applications/carried_over/total": "13"})
    assert MISREAD_CELL in refused.value.errors and "表三 （一）予以公开 · 自然人" in refused.value.errors[MISREAD_CELL]
    report = fresh(unbalanced)
    assert report.version == unbalanced.version and not CellEdit.objects.exists()
    assert report.record["applications"]["carried_over"]["total"] == 12


def test_a_negative_count_is_kept_as_typed_and_flagged_i5(unbalanced: Report, alice: Any) -> None:
    """A report may print a negative count; the record keeps it and the validator names it (hard I5)."""
    checked = services.save_record(unbalanced, alice, version=unbalanced.version, cells={MISREAD_CELL: "-3"})
    report = fresh(unbalanced)
    assert report.record["applications"]["granted"]["natural_person"] == -3
    assert any(f.code == "I5" and "-3 is negative" in f.message for f in checked.findings)
    assert " I5 " in report.finding_codes


def test_a_stale_version_is_refused_no_lost_update(unbalanced: Report, alice: Any) -> None:
    opened = unbalanced.version
    services.save_record(fresh(unbalanced), alice, version=opened, cells={MISREAD_CELL: "293"})
    with pytest.raises(services.ConcurrentEdit, match="changed by alice"):
        services.save_record(fresh(unbalanced), alice, version=opened, cells={MISREAD_CELL: "240"})
    assert fresh(unbalanced).record["applications"]["granted"]["natural_person"] == 293


def test_the_lock_holds_even_when_the_loaded_object_is_current(unbalanced: Report, alice: Any) -> None:
    """Two requests load version N; the first write wins, the second is refused by the UPDATE itself."""
    first, second = fresh(unbalanced), fresh(unbalanced)
    services.save_record(first, alice, version=first.version, cells={MISREAD_CELL: "293"})
    with pytest.raises(services.ConcurrentEdit):
        services.save_record(second, alice, version=second.version, cells={"applications/carried_over/total": "13"})
    assert CellEdit.objects.count() == 1


def test_a_report_held_by_someone_else_cannot_be_saved(unbalanced: Report, alice: Any, bob: Any) -> None:
    services.claim_report(unbalanced, alice)
    with pytest.raises(services.ClaimHeld, match="alice is working on this report"):
        services.save_record(fresh(unbalanced), bob, version=unbalanced.version, cells={MISREAD_CELL: "293"})


def test_meta_edits_are_audited_and_template_change_relayouts(alice: Any) -> None:
    report = ingest(PT_2019)
    assert report.template == "2019"
    services.save_record(report, alice, version=report.version, cells={},
                         meta={"organization": "平潭综合实验区管理委员会", "year": "2019"})
    report = fresh(report)
    assert report.organization == "平潭综合实验区管理委员会"
    assert CellEdit.objects.get(report=report).cell == "meta/organization"
    with pytest.raises(services.InvalidCells):
        services.save_record(report, alice, version=report.version, cells={}, meta={"year": "20x9"})
    services.save_record(report, alice, version=report.version, cells={}, meta={"template": "2021"})
    report = fresh(report)
    assert report.template == "2021" and "active_disclosure/rules/new_made" not in report.provenance
    dropped = set(CellEdit.objects.filter(report=report, typed="(not in the 2021 template)")
                  .values_list("cell", flat=True))
    assert "active_disclosure/rules/new_made" in dropped
    assert "I5" in report.finding_codes  # 2021's 表二 columns were never read


# --- status -----------------------------------------------------------------------------------------

def test_verify_needs_no_hard_finding_or_a_note(unbalanced: Report, alice: Any) -> None:
    with pytest.raises(services.NoteRequired):
        services.verify_report(unbalanced, alice, version=unbalanced.version)
    services.verify_report(unbalanced, alice, version=unbalanced.version,
                           note="the published table itself does not balance")
    report = fresh(unbalanced)
    assert report.status == Status.VERIFIED and report.claimed_by is None
    change = StatusChange.objects.filter(report=report).first()
    assert (change.from_status, change.to_status, change.user, change.hard_findings) == (
        Status.NEEDS_REVIEW, Status.VERIFIED, alice, 2)
    assert report.record["applications"]["granted"]["natural_person"] == 239  # printed numbers kept


def test_verified_is_never_changed_silently_only_reopened(unbalanced: Report, alice: Any) -> None:
    services.save_record(unbalanced, alice, version=unbalanced.version, cells={MISREAD_CELL: "293"})
    report = fresh(unbalanced)
    services.verify_report(report, alice, version=report.version)
    report = fresh(report)
    with pytest.raises(services.NotEditable, match="reopen"):
        services.save_record(report, alice, version=report.version, cells={MISREAD_CELL: "294"})
    with pytest.raises(services.NoteRequired):
        services.reopen_report(report, alice, version=report.version, note=" ")
    services.reopen_report(report, alice, version=report.version, note="QA: check 表四 again")
    report = fresh(report)
    assert report.status == Status.NEEDS_REVIEW and report.claimed_by == alice
    assert list(StatusChange.objects.filter(report=report).values_list("to_status", flat=True))[:2] == [
        Status.NEEDS_REVIEW, Status.VERIFIED]


def test_reject_needs_a_reason(unbalanced: Report, alice: Any) -> None:
    with pytest.raises(services.ReviewError):
        services.reject_report(unbalanced, alice, version=unbalanced.version, reason="bored")
    with pytest.raises(services.NoteRequired):
        services.reject_report(unbalanced, alice, version=unbalanced.version, reason="other")
    services.reject_report(unbalanced, alice, version=unbalanced.version, reason="duplicate", note="same as #1")
    report = fresh(unbalanced)
    assert report.status == Status.REJECTED and report.reject_reason == "duplicate"
    assert report.status_note == "duplicate of another report. same as #1"


def test_permissions_are_checked_in_the_services(unbalanced: Report) -> None:
    nobody = get_user_model().objects.create_user("nobody", is_staff=True)
    with pytest.raises(PermissionDenied):
        services.save_record(unbalanced, nobody, version=unbalanced.version, cells={MISREAD_CELL: "293"})
    with pytest.raises(PermissionDenied):
        services.verify_report(unbalanced, nobody, version=unbalanced.version, note="x")
    with pytest.raises(PermissionDenied):
        services.reject_report(unbalanced, nobody, version=unbalanced.version, reason="duplicate")


def test_reextracting_a_reviewed_report_keeps_the_human_record(unbalanced: Report, alice: Any) -> None:
    services.save_record(unbalanced, alice, version=unbalanced.version, cells={MISREAD_CELL: "293"})
    run = services.run_extraction(fresh(unbalanced), force=True)
    report = fresh(unbalanced)
    assert run is not None and report.current_run == run
    assert report.record["applications"]["granted"]["natural_person"] == 293 and report.findings == []


def test_a_scan_without_record_can_be_typed_in(alice: Any) -> None:
    report, _ = services.store_source(b"%PDF-1.4 scan", "scan.pdf")
    services._record_run(report, _no_text_result(), user=None, forced=False)
    report = fresh(report)
    assert report.status == Status.NEEDS_REVIEW and report.record is None
    with pytest.raises(services.NotEditable):
        services.verify_report(report, alice, version=report.version, note="x")
    services.save_record(report, alice, version=report.version, cells={MISREAD_CELL: "5"},
                         meta={"organization": "某局", "year": "2024", "template": "2021"})
    report = fresh(report)
    assert report.method == Method.HUMAN and report.record["applications"]["granted"]["natural_person"] == 5
    assert any(f["code"] == "I5" for f in report.findings)  # every other cell is still to be typed


def _no_text_result() -> Any:
    from extraction import ExtractionResult

    return ExtractionResult("scan.pdf", "review", ["no text layer (a scanned PDF)"], None, None,
                            source_format="pdf", page_count=1)


# --- claims -----------------------------------------------------------------------------------------

def test_next_report_never_hands_the_same_report_to_two_reviewers(alice: Any, bob: Any) -> None:
    first = ingest(UNBALANCED_TXT)
    second = ingest(UNBALANCED_PDF)
    ingest(SEED)  # accepted: never in the queue
    got_alice = services.next_report(alice)
    got_bob = services.next_report(bob)
    assert {got_alice.pk, got_bob.pk} == {first.pk, second.pk}
    assert services.next_report(alice).pk == got_alice.pk  # your own claim comes back to you
    assert services.next_report(make_reviewer("carol")) is None


def test_claims_expire(unbalanced: Report, alice: Any, bob: Any, settings: Any) -> None:
    settings.CLAIM_MINUTES = 30
    services.claim_report(unbalanced, alice)
    with pytest.raises(services.ClaimHeld):
        services.claim_report(fresh(unbalanced), bob)
    type(unbalanced).objects.filter(pk=unbalanced.pk).update(claimed_at=timezone.now() - timedelta(minutes=31))
    services.claim_report(fresh(unbalanced), bob)
    assert fresh(unbalanced).claimed_by == bob


def test_the_task_takes_an_id_and_calls_the_service() -> None:
    report, created = services.store_source(UNBALANCED_TXT.read_bytes(), UNBALANCED_TXT.name)
    assert created and report.status == Status.PENDING
    assert tasks.extract_report(report.pk).endswith("→ needs_review")
    assert "already extracted" in tasks.extract_report(report.pk)


def test_record_to_json_shape_matches_the_spec() -> None:
    report = ingest(SEED)
    record = record_from_json(report.record, report.provenance)
    shape, provenance = record_to_json(record)
    assert shape == report.record and set(provenance) == set(report.provenance)
