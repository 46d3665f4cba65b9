"""Every bundled real report extracts to exactly its expected record (or goes to review with a reason)."""

from __future__ import annotations

from pathlib import Path

import pytest

from extraction import extract_file
from tests.conftest import FIXTURES, expected_for, report_keys

SEEDS = sorted((FIXTURES / "seeds").glob("*.txt"))
PINGTAN = sorted((FIXTURES / "real").glob("pt-*.txt"))


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name)
def test_seed_reports_extract_exactly_and_are_accepted(path: Path) -> None:
    result = extract_file(path)
    assert result.decision == "accept", result.reasons
    assert result.method == "deterministic"
    assert result.to_json_dict()["report"] == report_keys(expected_for(path))
    assert not result.hard_findings


def test_huaian_pdf_extracts_exactly_and_is_accepted() -> None:
    path = FIXTURES / "real" / "ha-2024-szf.pdf"
    result = extract_file(path)
    assert result.decision == "accept", result.reasons
    assert result.source_format == "pdf"
    assert result.to_json_dict()["report"] == report_keys(expected_for(path))


def test_huaian_pdf_values_carry_page_and_box() -> None:
    result = extract_file(FIXTURES / "real" / "ha-2024-szf.pdf")
    assert result.record is not None
    cell = result.record.cells[("applications", "new_received", "natural_person")]
    assert cell.value == 3001 and cell.raw.strip() == "3001"
    assert cell.source is not None and cell.source.page == 4 and cell.source.box is not None
    x0, top, x1, bottom = cell.source.box
    assert x0 < x1 and top < bottom


@pytest.mark.parametrize("path", PINGTAN, ids=lambda p: p.name)
def test_pingtan_pages_extract_exactly_or_go_to_review_with_a_reason(path: Path) -> None:
    result = extract_file(path)
    expected = report_keys(expected_for(path))
    report = result.to_json_dict()["report"]
    if result.decision == "accept":
        assert report == expected
    else:
        assert result.decision == "review" and result.reasons
        assert report["organization"] == expected["organization"]
        assert report["year"] == expected["year"]
        # Whatever was read must be what the page printed: no cell may disagree with the expected record.
        for table in ("active_disclosure", "applications", "reconsideration_litigation"):
            for row, cells in expected[table].items():
                for field, value in cells.items():
                    key = (table, row, field)
                    if result.record is not None and result.record.has(key):
                        assert result.record.value(key) == value, key


def test_fragment_without_all_tables_goes_to_review() -> None:
    result = extract_file(FIXTURES / "real" / "ha-2024-szf-fragment.txt")
    assert result.decision == "review"
    assert any("表四" in reason and "not found" in reason for reason in result.reasons)
