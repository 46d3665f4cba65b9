"""Selectors: queue order, who may take what next, last year's record, the audit trail, the source view."""

from __future__ import annotations

import json
from typing import Any

import pytest

from review import selectors, services
from review.grid import build_grid
from review.models import Status
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
)

pytestmark = pytest.mark.django_db


def test_queue_puts_needs_review_first_then_most_hard_findings_then_oldest() -> None:
    accepted = ingest(SEED)
    two_hard = ingest(UNBALANCED_TXT)
    many_hard = ingest(PT_2019)
    pdf_two_hard = ingest(UNBALANCED_PDF)
    assert many_hard.hard_count > 2
    order = [r.pk for r in selectors.queue()]
    assert order == [many_hard.pk, two_hard.pk, pdf_two_hard.pk, accepted.pk]


def test_next_candidates_skip_reports_held_by_others(alice: Any, bob: Any) -> None:
    first = ingest(UNBALANCED_TXT)
    second = ingest(UNBALANCED_PDF)
    services.claim_report(first, alice)
    assert [r.pk for r in selectors.next_candidates(bob)] == [second.pk]
    assert [r.pk for r in selectors.next_candidates(alice)] == [first.pk, second.pk]
    assert selectors.held_by_other(fresh(first), bob) and not selectors.held_by_other(fresh(first), alice)


def test_previous_year_record_feeds_the_carry_over_check(alice: Any) -> None:
    """S1: this year's 上年结转 must equal last year's 结转下年度继续办理 of the same body."""
    this_year = ingest(SEED)  # 焦作市人民政府 2024: 上年结转 = 11 1 0 0 0 0 12
    # last year's report: the same tables under a 2023 title, so its 结转下年度继续办理 is 7 0 0 0 0 0 7
    text = SEED.read_text(encoding="utf-8").replace("2024年政府信息公开工作年度报告", "2023年政府信息公开工作年度报告", 1)
    last = services.ingest_bytes(text.encode("utf-8"), "jiaozuo-2023.txt").report
    assert (last.organization, last.year) == ("焦作市人民政府", 2023)
    previous = selectors.previous_year_record(this_year)
    assert previous is not None and previous.year == 2023
    # ingesting last year's report re-checked this year's: soft S1 findings, the status stays
    this_year = fresh(this_year)
    s1 = [f["message"] for f in this_year.findings if f["code"] == "S1"]
    assert "S1 自然人: 上年结转 = 11, 2023年 结转下年度继续办理 = 7 (diff 4)" in s1
    assert all(f["severity"] == "soft" for f in this_year.findings) and this_year.finding_codes == " S1 S2 "  # S2: 现行有效 stock-flow too
    assert this_year.status == Status.ACCEPTED


def test_audit_trail_shows_edits_and_status_changes_newest_first(alice: Any) -> None:
    report = ingest(UNBALANCED_TXT)
    services.save_record(report, alice, version=report.version, cells={MISREAD_CELL: "293"}, note="misread")
    report = fresh(report)
    services.verify_report(report, alice, version=report.version)
    trail = selectors.audit_trail(fresh(report))
    assert [(e.kind, e.new) for e in trail][:3] == [("status", "verified"), ("edit", "293"), ("status", "needs_review")]
    edit = trail[1]
    assert (edit.what, edit.old, edit.user, edit.note) == ("表三 （一）予以公开 · 自然人", "239", "alice", "misread")
    assert trail[-1].user == "ingest"


def test_source_blocks_carry_the_locators_cells_point_at() -> None:
    report = ingest(UNBALANCED_TXT)
    blocks = selectors.source_blocks(report)
    locators = {loc: text for b in blocks for loc, text in b.lines}
    assert "239" in locators[report.provenance[MISREAD_CELL]["locator"]]


def test_pdf_pages_give_sizes_in_points() -> None:
    report = ingest(UNBALANCED_PDF)
    pages = selectors.pdf_pages(report)
    assert len(pages) == 3 and pages[0][0] > 500


def test_grid_lays_out_the_2019_template_as_printed() -> None:
    report = ingest(PT_2019)
    grid = build_grid(report.record, report.provenance, report.findings, "2019")
    keys = [row.key for row in grid.applications]
    assert "other_overdue_correction" not in keys and len(keys) == 23
    other = next(row for row in grid.applications if row.key == "other_other")
    assert [(label.text, label.colspan) for label in other.labels] == [("（六）其他处理", 2)]
    denied = next(row for row in grid.applications if row.key == "not_processed_complaint")
    assert [(label.text, label.rowspan) for label in denied.labels] == [("（五）不予处理", 5), ("1.信访举报投诉类申请", 1)]
    assert [s.title for s in grid.active][-1] == "第二十条第（九）项"


def test_grid_marks_the_cells_a_finding_names() -> None:
    report = ingest(UNBALANCED_TXT)
    grid = build_grid(report.record, report.provenance, report.findings, "2021")
    granted = next(row for row in grid.applications if row.key == "granted")
    cell = granted.cells[0]
    assert cell.id == MISREAD_CELL and cell.severity == "hard" and len(cell.messages) == 2
    assert granted.codes == [("I2", "hard"), ("I3", "hard")]
    first = grid.applications[0]
    assert [(label.text, label.colspan) for label in first.labels] == [("一、本年新收政府信息公开申请数量", 3)]
    results = next(row for row in grid.applications if row.key == "granted").labels[0]
    assert (results.text, results.rowspan) == ("三、本年度办理结果", 22)
    json.dumps(grid.findings)


def test_docx_source_shows_the_table_cell_the_value_came_from(tmp_path: Any) -> None:
    import copy as _copy

    from tests.builders.word import write_docx
    from tests.conftest import expected_for, report_keys

    record = _copy.deepcopy(report_keys(expected_for(SEED)))
    record["applications"]["granted"]["natural_person"] = 239
    report = ingest(write_docx(record, tmp_path / "unbalanced.docx"))
    assert (report.format, report.status, report.finding_codes) == ("docx", Status.NEEDS_REVIEW, " I2 I3 ")
    locator = report.provenance[MISREAD_CELL]["locator"]
    cells = {loc: text for block in selectors.source_blocks(report) for row in block.rows for loc, text, *_ in row}
    assert cells[locator].strip() == "239"
