"""The grounding rule: a number the model gives must be printed in its table's section of the source."""

from __future__ import annotations

from pathlib import Path

from extraction.llm.grounding import ground, number_tokens
from extraction.llm.prompt import render_document, split_sections
from extraction.loaders.text import TextLoader
from extraction.record import CellValue, Record
from extraction.schema import ACTIVE, APPLICATIONS, REVIEW
from tests.conftest import FIXTURES, expected_for, report_keys

FEES = (ACTIVE, "administrative_fees", "amount_10k_yuan")
LICENSING = (ACTIVE, "administrative_licensing", "decisions")


def _record(cells: dict[tuple[str, str, str], object]) -> Record:
    record = Record(organization="某市人民政府", year=2024, template="2021")
    for key, value in cells.items():
        record.cells[key] = CellValue(value=value, raw=str(value))  # type: ignore[arg-type]
    return record


def test_number_tokens_respect_boundaries_separators_and_full_width() -> None:
    tokens = number_tokens("共1,016,920件；８２件；1820；8.2；收费14505.4305万元")
    assert tokens["1016920"] == 1 and tokens["82"] == 1 and tokens["1820"] == 1 and tokens["8.2"] == 1
    assert tokens["14505.4305"] == 1
    assert tokens["20"] == 0 and tokens["8"] == 0 and tokens["14505"] == 0


def test_a_value_inside_a_longer_number_is_not_grounded() -> None:
    findings = ground(_record({LICENSING: 82}), {ACTIVE: "行政许可 1820 件，比例 8.2%"})
    assert [f.code for f in findings] == ["G1"] and findings[0].cells == (LICENSING,)


def test_money_must_keep_its_printed_decimals() -> None:
    source = {ACTIVE: "行政事业性收费 14505.4305"}
    assert ground(_record({FEES: "14505.4305"}), source) == []
    assert [f.printed for f in ground(_record({FEES: "14505.43"}), source)] == ["14505.43"]


def test_a_value_cannot_be_used_more_often_than_it_is_printed() -> None:
    # Two cells printed 0 and one printed blank (—): an answer with three zeros made one up.
    keys = [(REVIEW, "reconsideration", f) for f in ("upheld", "corrected", "other")]
    source = {REVIEW: "行政复议：结果维持0件，结果纠正0件，其他结果—"}
    assert ground(_record(dict(zip(keys, (0, 0, None)))), source) == []
    findings = ground(_record(dict(zip(keys, (0, 0, 0)))), source)
    assert len(findings) == 1 and findings[0].code == "G1" and set(findings[0].cells) == set(keys)
    assert "0 is given in 3 cells but printed 2 times" in findings[0].message


def test_each_table_is_grounded_in_its_own_section() -> None:
    key = (APPLICATIONS, "new_received", "natural_person")
    sections = {ACTIVE: "行政许可 756", APPLICATIONS: "本年新收 自然人 12", REVIEW: ""}
    assert [f.cells for f in ground(_record({key: 756}), sections)] == [(key,)]


def test_glued_digit_runs_ground_a_whole_row() -> None:
    """Web pages that glue a row's cells (``640020470``) are grounded by the row's concatenation."""
    path = FIXTURES / "real" / "pt-2021-syq.txt"
    document = TextLoader().load(path, path.read_bytes())
    sections = split_sections(render_document(document)).tables
    record = Record.from_report(report_keys(expected_for(path)))
    assert ground(record, sections) == []
    record.cells[(APPLICATIONS, "new_received", "natural_person")] = CellValue(value=65, raw="65")
    assert any(f.code == "G1" for f in ground(record, sections))


def test_every_seed_record_is_grounded_in_its_own_text() -> None:
    """The rule holds for what the reports really print (no false G1 on the seeds and real pages)."""
    paths = sorted((FIXTURES / "seeds").glob("*.txt")) + sorted((FIXTURES / "real").glob("pt-*.txt"))
    for path in paths:
        document = TextLoader().load(Path(path), Path(path).read_bytes())
        record = Record.from_report(report_keys(expected_for(path)))
        findings = ground(record, split_sections(render_document(document)).tables)
        assert findings == [], (path.name, [f.message for f in findings])
