"""End to end on real files of every format, built by the tests: the record written is the record read.

Each case writes a report (PDF, HTML, DOCX, text, markdown) with layout quirks seen in published
reports, extracts it through the public entry point and compares with the record it was built from.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extraction import extract_file
from extraction.record import ExtractionResult
from tests.builders import (
    Style,
    blank_out,
    make_record,
    unbalance,
    write_docx,
    write_encrypted_pdf,
    write_html,
    write_markdown,
    write_not_a_report,
    write_pdf,
    write_random_bytes,
    write_scanned_pdf,
    write_text,
    write_truncated,
    zero_cells,
)
from tests.conftest import FIXTURES

Writer = Callable[..., Path]
WRITERS: dict[str, tuple[Writer, str]] = {
    "pdf": (write_pdf, ".pdf"),
    "html": (write_html, ".html"),
    "docx": (write_docx, ".docx"),
    "text": (write_text, ".txt"),
    "markdown": (write_markdown, ".md"),
}


def extract(tmp_path: Path, fmt: str, record: dict[str, Any], style: Style = Style(), name: str = "report") -> ExtractionResult:
    writer, suffix = WRITERS[fmt]
    path = writer(record, tmp_path / f"{name}{suffix}", style)
    return extract_file(path)


def report_of(result: ExtractionResult) -> dict[str, Any]:
    report = result.to_json_dict()["report"]
    assert report is not None, result.reasons
    return report


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.parametrize("template", ["2021", "2019"])
def test_clean_reports_round_trip_and_are_accepted(tmp_path: Path, fmt: str, template: str) -> None:
    record = make_record(template, seed=11)
    result = extract(tmp_path, fmt, record)
    assert report_of(result) == record
    assert result.decision == "accept", result.reasons


QUIRKS: dict[str, Style] = {
    "split-across-pages": Style(split_table3_after_row="denied_state_secret", split_label_fragments=True),
    "split-repeating-header": Style(split_table3_after_row="unable_not_held", repeat_header=True),
    "vertical-and-wrapped-labels": Style(vertical_labels=True, wrap_labels=True),
    "fullwidth-digits-and-separators": Style(fullwidth_digits=True, thousands_sep=True),
    "ascii-brackets-and-short-labels": Style(ascii_brackets=True, short_labels=True),
    "title-over-two-lines": Style(title_split=True),
}


@pytest.mark.parametrize("fmt", list(WRITERS))
@pytest.mark.parametrize("quirk", list(QUIRKS))
def test_layout_quirks_do_not_change_a_number(tmp_path: Path, fmt: str, quirk: str) -> None:
    record = make_record("2021", seed=5)
    result = extract(tmp_path, fmt, record, QUIRKS[quirk])
    assert report_of(result) == record
    assert result.decision == "accept", result.reasons


@pytest.mark.parametrize("fmt", ["pdf", "html", "docx"])
@pytest.mark.parametrize("template", ["2021", "2019"])
def test_totals_printed_only_on_the_main_rows_are_accepted(tmp_path: Path, fmt: str, template: str) -> None:
    """Like 上海市人民政府办公厅 2019: 总计 printed on 一/二/（七）/四 only, every result row's 总计 left blank.
    The blanks are read as null (never filled in with the row's sum) and the balanced report is accepted.
    (Text and tab-separated dumps lose a blank cell: such rows go to review, see the blank-mark tests.)"""
    base = make_record(template, seed=4)
    main_rows = {"new_received", "carried_over", "total", "carried_forward"}
    cells = [("applications", row, "total") for row, values in base["applications"].items()
             if row not in main_rows and values["total"] is not None]
    record = blank_out(base, cells)
    result = extract(tmp_path, fmt, record, Style(blank_marks={c: "" for c in cells}))
    assert report_of(result) == record
    assert result.decision == "accept", result.reasons


@pytest.mark.parametrize("fmt", ["pdf", "html", "docx"])
@pytest.mark.parametrize("mark", ["", "—", "－", "-", "/", "无"])
def test_blank_marks_read_as_null_in_grids(tmp_path: Path, fmt: str, mark: str) -> None:
    base = make_record("2021", seed=2)
    cells = zero_cells(base, "applications")[:3]
    record = blank_out(base, cells)
    result = extract(tmp_path, fmt, record, Style(blank_marks={c: mark for c in cells}))
    report = report_of(result)
    for table, row, field in cells:
        assert report[table][row][field] is None
    assert report == record
    assert result.decision == "accept", result.reasons


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_blank_marks_in_text_dumps(tmp_path: Path, fmt: str) -> None:
    base = make_record("2021", seed=2)
    cells = zero_cells(base, "applications")[:2]
    record = blank_out(base, cells)
    result = extract(tmp_path, fmt, record, Style(blank_marks={c: "—" for c in cells}))
    assert report_of(result) == record


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_notes_beside_numbers_are_kept_out_of_the_value(tmp_path: Path, fmt: str) -> None:
    record = make_record("2021", seed=8)
    cell = ("active_disclosure", "normative_documents", "issued")
    result = extract(tmp_path, fmt, record, Style(notes={cell: "（其中修订16件）"}))
    assert report_of(result) == record
    assert result.record is not None
    note = result.record.cells[cell].note or ""
    assert "其中修订16件" in note


@pytest.mark.parametrize("fmt", list(WRITERS))
def test_unbalanced_source_goes_to_review_with_the_printed_numbers(tmp_path: Path, fmt: str) -> None:
    printed = unbalance(make_record("2021", seed=4), "carried_over", "natural_person", delta=1)
    result = extract(tmp_path, fmt, printed)
    assert result.decision == "review"
    assert report_of(result) == printed  # the numbers the body published, unrepaired
    codes = {f.code for f in result.hard_findings}
    assert "I1" in codes and "I2" in codes
    assert any(r.startswith("I1 自然人: 一+二 =") for r in result.reasons)


@pytest.mark.parametrize("fmt", ["pdf", "html", "docx", "text"])
def test_missing_table_four_goes_to_review(tmp_path: Path, fmt: str) -> None:
    record = make_record("2021", seed=6)
    result = extract(tmp_path, fmt, record, Style(omit_table4=True))
    assert result.decision == "review"
    assert any("表四" in r for r in result.reasons)
    report = report_of(result)
    assert report["applications"] == record["applications"]


def test_scanned_pdf_without_text_layer_goes_to_review(tmp_path: Path) -> None:
    path = write_scanned_pdf(make_record("2021", seed=1), tmp_path / "scan.pdf")
    result = extract_file(path)
    assert result.decision == "review"
    assert any("no text layer" in r for r in result.reasons)


def test_password_protected_pdf_fails_with_the_reason(tmp_path: Path) -> None:
    path = write_encrypted_pdf(make_record("2021", seed=1), tmp_path / "locked.pdf")
    result = extract_file(path)
    assert result.decision == "failed"
    assert "password" in result.reasons[0]


@pytest.mark.parametrize("fmt", ["pdf", "docx", "html"])
def test_truncated_files_fail_or_are_reviewed_never_accepted_wrong(tmp_path: Path, fmt: str) -> None:
    record = make_record("2021", seed=3)
    writer, suffix = WRITERS[fmt]
    whole = writer(record, tmp_path / f"whole{suffix}", Style())
    cut = write_truncated(whole, tmp_path / f"cut{suffix}", keep=0.4)
    result = extract_file(cut)
    assert result.decision in ("failed", "review")
    assert result.reasons
    if fmt in ("pdf", "docx"):
        assert result.decision == "failed"


def test_random_bytes_and_empty_files_fail(tmp_path: Path) -> None:
    noise = write_random_bytes(tmp_path / "noise.pdf", header=b"%PDF-1.7\n")
    assert extract_file(noise).decision == "failed"
    empty = tmp_path / "empty.html"
    empty.write_bytes(b"")
    assert extract_file(empty).reasons == ["empty file"]


@pytest.mark.parametrize("fmt", ["pdf", "html", "docx", "text"])
@pytest.mark.parametrize("variant", ["notice", "near_miss"])
def test_a_document_that_is_not_an_annual_report_fails(tmp_path: Path, fmt: str, variant: str) -> None:
    """Also the notice *about* compiling the reports, which names the report and the 勾稽 rule."""
    suffix = WRITERS[fmt][1]
    path = write_not_a_report(tmp_path / f"notice{suffix}", fmt, variant=variant)
    result = extract_file(path)
    assert result.decision == "failed"
    assert "not an annual" in result.reasons[0]


PRE_2019 = """平潭综合实验区2018年度政府信息公开工作年度报告
本报告所列数据的统计期限自2018年1月1日起至2018年12月31日止。
二、主动公开政府信息情况
2018年主动公开政府信息1203条，其中政府集中采购项目类信息55条。
三、政府信息依申请公开工作情况
政府信息公开情况统计表
指标名称 单位 统计数
一、主动公开情况
（一）主动公开政府信息数 条 1203
二、依申请公开情况
（一）收到申请数 件 12
"""


STUB_PAGE = """标题: 平潭综合实验区公安局2020年政府信息公开工作年度报告
发布时间: 2021-01-28 11:10
发布机构: 平潭综合实验区公安局
栏目: 政府信息公开年报
==================== 正文 ====================
平潭综合实验区公安局2020年政府信息公开工作年度报告
"""


@pytest.mark.parametrize("suffix", [".txt", ".html"])
def test_a_page_that_only_links_to_the_report_fails_saying_so(tmp_path: Path, suffix: str) -> None:
    """Crawled portals often publish the report as an attachment: the page holds the title and labels only.
    Nothing to review there; the reason sends the analyst to the attachment."""
    path = tmp_path / f"stub{suffix}"
    text = STUB_PAGE if suffix == ".txt" else (
        "<html><head><meta charset='utf-8'><title>平潭综合实验区公安局2020年政府信息公开工作年度报告</title></head>"
        "<body><h1>平潭综合实验区公安局2020年政府信息公开工作年度报告</h1><p>附件：<a href='x.pdf'>下载</a></p></body></html>")
    path.write_text(text, encoding="utf-8")
    result = extract_file(path)
    assert result.decision == "failed" and result.record is None
    assert len(result.reasons) == 1 and result.reasons[0].startswith("no report text: ")
    assert "import the attachment instead" in result.reasons[0]


def test_a_report_in_prose_without_tables_still_goes_to_review(tmp_path: Path) -> None:
    """Prose and no tables (tables as images, say) is a report a reviewer can finish from the original."""
    path = tmp_path / "prose.txt"
    prose = "本年度我局认真贯彻落实政府信息公开条例，坚持以公开为常态、不公开为例外，全面推进政务公开工作。" * 8
    path.write_text(STUB_PAGE + prose + "\n本年度共收到政府信息公开申请3件，均已按时答复。\n", encoding="utf-8")
    result = extract_file(path)
    assert result.decision == "review" and result.record is not None
    assert "表二 主动公开政府信息情况 not found" in result.reasons


def test_a_pre_2019_report_goes_to_review_saying_why(tmp_path: Path) -> None:
    """A 2018 report (old statistics table) whose prose names a 2019 row label is not read as a 2019 table."""
    path = tmp_path / "2018.txt"
    path.write_text(PRE_2019, encoding="utf-8")
    result = extract_file(path)
    assert result.decision == "review" and result.record is not None and result.record.template is None
    assert result.reasons == ["report for 2018 predates the 2019 template (not in scope)"]


def test_the_2019_headers_outweigh_a_title_year_before_2019(tmp_path: Path) -> None:
    """A 2019-format report whose title says 2018 (a misprint or a late report) is still read in full."""
    path = tmp_path / "late.txt"
    text = (FIXTURES / "real" / "pt-2019-syq.txt").read_text(encoding="utf-8")
    path.write_text(text.replace("2019年度", "2018年度"), encoding="utf-8")
    result = extract_file(path)
    assert result.record is not None and result.record.template == "2019" and result.record.year == 2018
    assert result.record.value(("applications", "new_received", "total")) == 23


@pytest.mark.parametrize("meta", [True, False])
def test_gbk_html_with_and_without_declared_charset(tmp_path: Path, meta: bool) -> None:
    record = make_record("2021", seed=9)
    path = write_html(record, tmp_path / "gbk.htm", Style(), encoding="gbk", meta_charset=meta)
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("utf-8")
    result = extract_file(path)
    assert report_of(result) == record
    assert result.decision == "accept"


def test_pdf_named_as_html_is_sniffed_by_content(tmp_path: Path) -> None:
    record = make_record("2021", seed=10)
    path = write_pdf(record, tmp_path / "report.htm")
    result = extract_file(path)
    assert result.source_format == "pdf"
    assert report_of(result) == record


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".pdf", ".html", ".docx", ".txt", ".md", ""]))
def test_arbitrary_bytes_never_crash_the_extractor(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = tmp_path / f"any{suffix}"
    path.write_bytes(data)
    result = extract_file(path)
    assert result.decision in ("accept", "review", "failed")
    assert result.decision != "accept"


_CELL_TEXT = st.text(alphabet=st.sampled_from(list("0123456789０１２,.-—/无元件（）() 其中修订")), max_size=12)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell_text=_CELL_TEXT, row=st.sampled_from(["granted", "unable_not_held", "total"]),
       column=st.integers(min_value=0, max_value=6))
def test_arbitrary_cell_text_never_crashes_and_never_yields_a_silent_wrong_number(
    tmp_path: Path, cell_text: str, row: str, column: int
) -> None:
    """Replace one 表三 cell of a markdown dump with arbitrary text: if accepted, the value is that text's number."""
    from extraction.numbers import parse_cell
    from extraction.schema import APPLICANT_KEYS, APPLICATION_ROWS

    record = make_record("2021", seed=12)
    path = write_markdown(record, tmp_path / "cell.md")
    label = next(r.label for r in APPLICATION_ROWS if r.key == row).split()[-1]
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, line in enumerate(lines) if label in line.replace(" ", "") and "\t" in line)
    fields = lines[index].rstrip("\t").split("\t")
    fields[len(fields) - 7 + column] = cell_text
    lines[index] = "\t".join(fields)
    path.write_text("\n".join(lines), encoding="utf-8")
    result = extract_file(path)
    assert result.decision in ("accept", "review", "failed")
    if result.decision == "accept":
        assert result.record is not None
        parsed = parse_cell(cell_text)
        assert parsed.ok
        assert result.record.value(("applications", row, APPLICANT_KEYS[column])) == parsed.value


def _pipe_tables(markdown: str) -> str:
    """Tab rows as markdown converters (pandoc, markitdown) write tables: ``| a | b |`` with a rule line."""
    out: list[str] = []
    previous_was_row = False
    for line in markdown.split("\n"):
        if "\t" in line:
            cells = line.split("\t")
            out.append("| " + " | ".join(cells) + " |")
            if not previous_was_row:
                out.append("|" + "|".join("---" for _ in cells) + "|")
            previous_was_row = True
        else:
            out.append(line)
            previous_was_row = False
    return "\n".join(out)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("template", ["2021", "2019"])
def test_markdown_pipe_tables_keep_blank_cells(tmp_path: Path, seed: int, template: str) -> None:
    from tests.builders import markdown_dump

    base = make_record(template, seed=40 + seed)
    cells = zero_cells(base, "applications")[:2]
    record = blank_out(base, cells)
    path = tmp_path / "converted.md"
    path.write_text(_pipe_tables(markdown_dump(record, Style(blank_marks={c: "" for c in cells}))), encoding="utf-8")
    result = extract_file(path)
    assert report_of(result) == record  # an empty pipe cell is a printed blank (null), not a vanished cell
    assert result.decision == "accept", result.reasons


def test_pipe_table_of_a_real_seed(tmp_path: Path) -> None:
    from tests.conftest import FIXTURES, expected_for, report_keys

    seed = FIXTURES / "seeds" / "001_bdd5b039361f2e6c.txt"
    path = tmp_path / "seed.md"
    path.write_text(_pipe_tables(seed.read_text(encoding="utf-8")), encoding="utf-8")
    result = extract_file(path)
    assert result.decision == "accept" and report_of(result) == report_keys(expected_for(seed))
    assert result.record is not None
    assert "text table" in (result.record.cells[("applications", "granted", "natural_person")].source.locator or "")  # type: ignore[union-attr]


@pytest.mark.parametrize("seed", range(6))
def test_pdf_without_ruling_lines_never_gives_a_row_its_neighbours_numbers(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No lines → no grid: the page is read as text, where a wrapped label can follow its own numbers.
    Whatever cannot be placed is reported (P1/I5); no cell may hold another row's values."""
    import tests.builders.pdf as builder_pdf

    ruled = builder_pdf.grid_table

    def unruled(grid: Any, style: Style) -> Any:
        table = ruled(grid, style)
        table._linecmds = []  # reportlab draws no GRID lines
        return table

    monkeypatch.setattr(builder_pdf, "grid_table", unruled)
    record = make_record("2021", seed=seed)
    result = extract(tmp_path, "pdf", record, Style(wrap_labels=True))
    assert result.record is not None and result.decision in ("accept", "review")
    for key, cell in result.record.cells.items():
        table, row, field = key
        assert cell.value == record[table][row][field], key
    if result.decision == "review":
        assert any(r.startswith(("P1", "I5")) for r in result.reasons)


@pytest.mark.parametrize("fmt", ["pdf", "html", "docx"])
def test_a_row_printed_entirely_blank_reads_as_nulls(tmp_path: Path, fmt: str) -> None:
    """Many reports leave a whole 表三 row (and even 表四) empty: blanks are null, counted as 0."""
    from extraction.schema import APPLICANT_KEYS

    for seed in range(50):
        base = make_record("2021", seed=seed)
        zero_rows = [row for row, cells in base["applications"].items()
                     if row not in ("total", "new_received") and all(v == 0 for v in cells.values())]
        if zero_rows:
            break
    row = zero_rows[0]
    cells = [("applications", row, column) for column in APPLICANT_KEYS]
    cells += [("reconsideration_litigation", group, field)
              for group, values in base["reconsideration_litigation"].items()
              for field, value in values.items() if all(v == 0 for v in values.values())]
    record = blank_out(base, cells)
    result = extract(tmp_path, fmt, record, Style(blank_marks={c: "" for c in cells}))
    report = report_of(result)
    assert set(report["applications"][row].values()) == {None}
    assert report == record
    assert result.decision == "accept", result.reasons


def test_the_blank_official_template_is_not_a_report() -> None:
    from tests.conftest import FIXTURES

    result = extract_file(FIXTURES / "real" / "template-2021-blank.docx")
    assert result.decision == "failed"
    assert result.reasons == ["a blank form, not a report: no title and every table cell empty"]
