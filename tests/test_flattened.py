"""Web pages that print table cells with no separators: solved only when the identities allow one reading."""

from __future__ import annotations

from pathlib import Path

import pytest

from extraction import extract_file
from extraction.schema import all_cells
from tests.builders import flattened_page, make_record
from tests.conftest import FIXTURES, expected_for, report_keys

@pytest.mark.parametrize("seed", range(25))
@pytest.mark.parametrize("template", ["2021", "2019"])
def test_flattened_pages_never_yield_a_wrong_cell(tmp_path: Path, seed: int, template: str) -> None:
    record = make_record(template, seed=seed)
    path = tmp_path / "page.txt"
    path.write_text(flattened_page(record), encoding="utf-8")
    result = extract_file(path)
    assert result.record is not None and result.decision in ("accept", "review")
    for key in all_cells(template):
        if result.record.has(key):
            table, row, field = key
            assert result.record.value(key) == record[table][row][field], key
    if result.decision == "accept":
        assert result.to_json_dict()["report"] == record
    else:
        assert result.reasons


def test_ambiguous_table_two_run_goes_to_review_with_the_candidates_listed() -> None:
    path = FIXTURES / "real" / "pt-2021-syq.txt"
    result = extract_file(path)
    expected = expected_for(path)
    assert result.decision == "review"
    reason = next(r for r in result.reasons if "693665" in r)
    assert "表二 行政规范性文件" in reason and "69 | 3 | 665" in reason and "a reviewer decides" in reason
    assert result.record is not None
    assert not result.record.has(("active_disclosure", "normative_documents", "issued"))
    # 表三 and 表四 are solved exactly, and say so
    assert result.to_json_dict()["report"]["applications"] == expected["applications"]
    assert result.to_json_dict()["report"]["reconsideration_litigation"] == expected["reconsideration_litigation"]
    assert any(note.startswith("solved digit runs") for note in result.record.notes)
    cell = result.record.cells[("applications", "new_received", "total")]
    assert cell.value == 70 and "640020470" in (cell.note or "")


def test_a_2021_report_printing_other_handling_as_one_row_reads_like_2019(tmp_path: Path) -> None:
    seed = FIXTURES / "seeds" / "000_fd57272cd8fb4328.txt"
    text = seed.read_text(encoding="utf-8")
    start = text.index("（六）其\n他处理")
    end = text.index("（七）总计")
    merged = "（六）其他处理 97 1 0 0 8 0 106\n\n"  # the three sub-rows added up, as such reports print them
    path = tmp_path / "one-row.txt"
    path.write_text(text[:start] + merged + text[end:], encoding="utf-8")
    result = extract_file(path)
    report = result.to_json_dict()["report"]
    assert report["applications"]["other_other"] == {
        "natural_person": 97, "commercial_enterprise": 1, "research_institution": 0,
        "social_welfare_organization": 0, "legal_service_institution": 8, "other_organization": 0, "total": 106}
    assert set(report["applications"]["other_overdue_correction"].values()) == {None}
    assert set(report["applications"]["other_overdue_fee"].values()) == {None}
    assert result.decision == "accept", result.reasons
    assert any("printed as one row" in note for note in result.record.notes)  # type: ignore[union-attr]


def test_a_table_two_run_the_prose_pins_is_offered_first_never_settled(tmp_path: Path) -> None:
    """平潭 2021 with the kind of sentence its 2022 report prints added to the prose (stock 665, 69 issued):
    '693665' then fits one reading, offered first to the reviewer; the report is not accepted on prose."""
    source = FIXTURES / "real" / "pt-2021-syq.txt"
    sentence = "集中公开现行有效行政规范性文件665件，动态更新本年度制发的规范性文件69件。"
    text = source.read_text(encoding="utf-8").replace("（二）依申请公开方面。", sentence + "（二）依申请公开方面。", 1)
    assert sentence in text
    path = tmp_path / "pt-2021-with-prose.txt"
    path.write_text(text, encoding="utf-8")
    result = extract_file(path)
    assert result.decision == "review"
    finding = next(f for f in result.findings if f.options)
    assert finding.options[0] == (69, 3, 665)
    assert "the prose states 现行有效件数 665, 本年制发件数 69: 1 of 10 readings fit, listed first" in finding.message
    expected = report_keys(expected_for(source))
    report = result.to_json_dict()["report"]
    assert report["applications"] == expected["applications"]  # the rest reads exactly
    assert report["active_disclosure"]["normative_documents"] == {"issued": None, "repealed": None, "in_force": None}
