"""The report builders produce what they claim, checked with the libraries alone.

None of these tests uses the project's extractor (it is what the builders exist to test): PDFs are
read with pdfplumber, pages with lxml, Word files with python-docx and their XML.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Any

import docx
import pdfplumber
import pytest
from docx.oxml.ns import qn
from lxml import html as lxml_html

from extraction.schema import (
    ACTIVE,
    APPLICANT_KEYS,
    APPLICATION_ROWS,
    APPLICATIONS,
    REVIEW,
    REVIEW_ROWS,
    ROWS_ABSENT_IN_2019,
    active_rows,
    all_cells,
)
from tests.builders import (
    BLANK_MARKS,
    Style,
    blank_out,
    docx_document,
    format_value,
    get_value,
    identity_errors,
    make_record,
    markdown_dump,
    text_dump,
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
from tests.builders.layout import OTHER_2019, RESULTS

TEMPLATES = ("2021", "2019")


@pytest.fixture(autouse=True)
def _data_dir() -> None:
    """Overrides conftest's fixture of this name, which needs pytest-django's ``settings``: these
    tests touch no Django setting and must also run with ``-p no:django``."""


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def _printed_rows(report: dict[str, Any]) -> list[tuple[str, str, list[Any]]]:
    """(row key, item label as printed, the seven values) for each 表三 row the template prints."""
    out = []
    for spec in APPLICATION_ROWS:
        if report["template"] == "2019" and spec.key in ROWS_ABSENT_IN_2019:
            continue
        label = spec.label.split(" ")[-1]
        if report["template"] == "2019" and spec.key == "other_other":
            label = OTHER_2019
        out.append((spec.key, label, [report[APPLICATIONS][spec.key][c] for c in APPLICANT_KEYS]))
    return out


def _pdf_tables(path: Path) -> list[tuple[int, list[list[str | None]]]]:
    with pdfplumber.open(path) as pdf:
        return [(i + 1, t) for i, page in enumerate(pdf.pages) for t in page.extract_tables()]


def _find_row(tables: list[tuple[int, list[list[str | None]]]], label: str) -> tuple[int, list[str | None]]:
    """The (page, row) whose label cells end with ``label``: the numbers are its last cells."""
    hits = []
    for page, table in tables:
        for row in table:
            # A table fragment may lose a label column (no ruling separates it), so labels are
            # whatever precedes the seven numbers.
            labels = _squash("".join(c or "" for c in row[:-7]))
            if labels.endswith(_squash(label)) and len(row) >= 9:
                hits.append((page, row))
    assert len(hits) == 1, f"{label}: {len(hits)} rows"
    return hits[0]


# --- records ------------------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_make_record_balances_for_50_seeds(template: str) -> None:
    big = negative = zeros = 0
    for seed in range(50):
        record = make_record(template, seed)
        assert identity_errors(record) == [], seed
        assert record["template"] == template
        assert all(k in record[t][r] for t, r, k in all_cells(template))
        for row in ROWS_ABSENT_IN_2019:
            assert all((v is None) == (template == "2019") for v in record[APPLICATIONS][row].values())
        for spec in active_rows(template):
            for f in spec.fields:
                value = record[ACTIVE][spec.key][f.key]
                assert isinstance(value, str) if f.kind == "money" else isinstance(value, int)
                big += isinstance(value, int) and value >= 100_000
                negative += isinstance(value, int) and value < 0
        zeros += record[APPLICATIONS]["new_received"]["total"] == 0
    assert big > 5, "表二 should sometimes hold six or seven digits"
    assert 0 < zeros < 40, "some bodies receive no application at all (seed 003), most do"
    assert (negative > 0) == (template == "2019"), "only 2019 本年增/减 may be negative"


def test_make_record_is_deterministic_and_varied() -> None:
    assert make_record("2021", 4) == make_record("2021", 4)
    assert make_record("2021", 4) != make_record("2021", 5)
    record = make_record("2019", 1, organization="焦作市人民政府", year=2020)
    assert (record["organization"], record["year"]) == ("焦作市人民政府", 2020)


def test_unbalance_changes_one_number_and_breaks_i1() -> None:
    record = make_record("2021", 2)
    broken = unbalance(record, "total", "natural_person", 1)
    assert any(e.startswith("I1 natural_person") for e in identity_errors(broken))
    changed = [k for k in all_cells("2021") if get_value(record, k) != get_value(broken, k)]
    assert changed == [(APPLICATIONS, "total", "natural_person")]
    assert identity_errors(record) == []  # the original is untouched
    review = unbalance(record, "reconsideration", "total", -1, table=REVIEW)
    assert any(e.startswith("I4 reconsideration") for e in identity_errors(review))


def test_blank_out_zero_cells_keeps_identities() -> None:
    record = make_record("2021", 3)
    cells = zero_cells(record, APPLICATIONS)[:5]
    blanked = blank_out(record, cells)
    assert all(get_value(blanked, c) is None for c in cells)
    assert identity_errors(blanked) == []


def test_format_value_quirks() -> None:
    spec = active_rows("2021")[2].fields[0]
    key = (ACTIVE, "administrative_licensing", "decisions")
    assert format_value(1016920, spec, key, Style()) == "1016920"
    assert format_value(1016920, spec, key, Style(thousands_sep=True)) == "1,016,920"
    assert format_value(1016920, spec, key, Style(fullwidth_digits=True)) == "１０１６９２０"
    assert format_value(22, spec, key, Style(notes={key: "（其中修订16件）"})) == "22（其中修订16件）"
    money = active_rows("2021")[5].fields[0]
    assert format_value("14505.4305", money, key, Style(thousands_sep=True)) == "14,505.4305"
    for mark in BLANK_MARKS:
        assert format_value(None, spec, key, Style(blank_marks={key: mark})) == mark
    with pytest.raises(ValueError):
        format_value(3, spec, key, Style(blank_marks={key: "—"}))
    signed = active_rows("2019")[2].fields[1]
    assert format_value(3, signed, key, Style(plus_sign=True)) == "+3"
    assert format_value(-3, signed, key, Style(plus_sign=True)) == "-3"


# --- PDF ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_pdf_tables_carry_every_value(template: str, tmp_path: Path) -> None:
    record = make_record(template, 11, organization="焦作市人民政府", year=2024 if template == "2021" else 2020)
    path = write_pdf(record, tmp_path / "r.pdf")
    with pdfplumber.open(path) as pdf:
        text = "".join(p.extract_text() or "" for p in pdf.pages)
        assert pdf.pages[0].lines or pdf.pages[0].rects or any(p.lines for p in pdf.pages)
    assert f"焦作市人民政府{record['year']}年政府信息公开工作年度报告" in text
    assert f"收到政府信息公开申请{record[APPLICATIONS]['new_received']['total']}件" in text or \
        f"新收政府信息公开申请{record[APPLICATIONS]['new_received']['total']}件" in text
    tables = _pdf_tables(path)
    for _key, label, values in _printed_rows(record):
        _, row = _find_row(tables, label)
        assert row[-7:] == [str(v) for v in values], label
    results = [row for _, t in tables for row in t if row[0] and _squash(row[0]) == RESULTS]
    assert len(results) == 1
    table2 = next(t for _, t in tables if len(t[0]) == 4)
    printed2 = [c for row in table2 for c in row[1:] if c]
    for spec in active_rows(template):
        for f in spec.fields:
            assert str(record[ACTIVE][spec.key][f.key]) in printed2
    table4 = next(t for _, t in tables if len(t[0]) == 15)
    assert table4[0][0] == "行政复议" and table4[0][5] == "行政诉讼"
    assert table4[-1] == [str(record[REVIEW][r.key][f.key]) for r in REVIEW_ROWS for f in r.fields]


def test_pdf_split_table3_continues_on_next_page(tmp_path: Path) -> None:
    record = make_record("2021", 12)
    style = Style(split_table3_after_row="unable_not_held", vertical_labels=True, split_label_fragments=True,
                  repeat_header=True)
    tables = _pdf_tables(write_pdf(record, tmp_path / "split.pdf", style))
    page_before, _ = _find_row(tables, "1.本机关不掌握相关政府信息")
    page_after, row = _find_row(tables, "2.没有现成信息需要另行制作")
    assert page_after == page_before + 1
    assert row[-7:] == [str(record[APPLICATIONS]["unable_needs_creation"][c]) for c in APPLICANT_KEYS]
    notes = [p for p, t in tables for r in t for c in r if c and "勾稽关系" in c]
    assert notes == [page_before, page_after]  # header repeated on the continuation
    vertical = [c for _, t in tables for r in t for c in r[:1] if c and c.startswith("三")]
    assert vertical and "\n" in vertical[0] and all(len(line) <= 2 for line in vertical[0].split("\n"))
    group = [c for p, t in tables if p == page_before
             for r in t for c in r[1:2] if c and c.startswith("（\n四")]
    assert group and _squash(group[0]) != "（四）无法提供"  # the merged label is cut by the page


def test_pdf_quirks_are_printed_in_cells(tmp_path: Path) -> None:
    record = make_record("2021", 13)
    cell = (APPLICATIONS, "denied_state_secret", "research_institution")
    record = blank_out(record, [cell, (APPLICATIONS, "denied_state_secret", "social_welfare_organization")])
    record[ACTIVE]["administrative_licensing"]["decisions"] = 1016920
    note_key = (ACTIVE, "normative_documents", "issued")
    style = Style(blank_marks={cell: "—"}, default_blank="/", thousands_sep=True,
                  notes={note_key: "（其中修订16件）"}, title_split=True)
    path = write_pdf(record, tmp_path / "q.pdf", style)
    tables = _pdf_tables(path)
    _, row = _find_row(tables, "1.属于国家秘密")
    assert row[5] == "—" and row[6] == "/"
    flat = [_squash(c) for _, t in tables for r in t for c in r if c]
    assert "1,016,920" in flat
    assert f"{record[ACTIVE]['normative_documents']['issued']}（其中修订16件）" in flat
    with pdfplumber.open(path) as pdf:
        first_lines = (pdf.pages[0].extract_text() or "").split("\n")[:2]
    assert first_lines[1] == "年度报告" and first_lines[0].endswith("政府信息公开工作")
    fw_path = write_pdf(make_record("2021", 13), tmp_path / "fw.pdf", Style(fullwidth_digits=True))
    fullwidth = _pdf_tables(fw_path)
    _, row = _find_row(fullwidth, "一、本年新收政府信息公开申请数量")
    assert all(c and re.fullmatch("[０-９]+", c) for c in row[-7:])


def test_pdf_omit_table4_and_prose_tables(tmp_path: Path) -> None:
    record = make_record("2021", 14)
    tables = _pdf_tables(write_pdf(record, tmp_path / "no4.pdf", Style(omit_table4=True)))
    assert not any(len(t[0]) == 15 for _, t in tables) and any(len(t[0]) == 10 for _, t in tables)
    path = write_pdf(record, tmp_path / "prose.pdf", Style(prose_tables=True))
    assert _pdf_tables(path) == []
    with pdfplumber.open(path) as pdf:
        text = _squash("".join(p.extract_text() or "" for p in pdf.pages))
    total = record[APPLICATIONS]["total"]
    assert f"（七）总计：自然人{total['natural_person']}件" in text


def test_scanned_pdf_has_no_text_layer(tmp_path: Path) -> None:
    path = write_scanned_pdf(make_record("2021", 15), tmp_path / "scan.pdf", skew_degrees=0.4)
    with pdfplumber.open(path) as pdf:
        assert len(pdf.pages) >= 2
        assert sum(len(p.chars) for p in pdf.pages) == 0
        assert all(p.images for p in pdf.pages)


def test_encrypted_pdf_needs_its_password(tmp_path: Path) -> None:
    record = make_record("2021", 16)
    path = write_encrypted_pdf(record, tmp_path / "locked.pdf", "s3cret")
    with pytest.raises(Exception) as raised:
        with pdfplumber.open(path) as pdf:
            pdf.pages[0].extract_text()
    assert "PDFPasswordIncorrect" in repr(raised.value)  # pdfplumber wraps pdfminer's error
    with pdfplumber.open(path, password="s3cret") as pdf:
        assert record["organization"] in (pdf.pages[0].extract_text() or "")
    open_one = write_encrypted_pdf(record, tmp_path / "restricted.pdf", "s3cret", owner_only=True)
    assert b"/Encrypt" in open_one.read_bytes()
    with pdfplumber.open(open_one) as pdf:
        assert record["organization"] in (pdf.pages[0].extract_text() or "")


# --- HTML ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_html_tables_have_real_spans(template: str, tmp_path: Path) -> None:
    record = make_record(template, 17)
    cell = (APPLICATIONS, "denied_state_secret", "research_institution")
    record = blank_out(record, [cell])
    path = write_html(record, tmp_path / "r.html", Style(vertical_labels=True))
    page = lxml_html.fromstring(path.read_bytes())
    tables = page.findall(".//table")
    assert len(tables) == 3
    t3 = tables[1]
    results = [td for td in t3.iter("td") if _squash(td.text_content()) == RESULTS]
    assert results[0].get("rowspan") == ("22" if template == "2021" else "20")
    assert len(results[0].findall(".//br")) == len(RESULTS) - 1
    note = t3.find(".//td")
    assert (note.get("rowspan"), note.get("colspan")) == ("3", "3") and "勾稽关系" in note.text_content()
    row = next(tr for tr in t3.iter("tr") if "1.属于国家秘密" in tr.text_content())
    values = [td.text_content() for td in row.findall("td")][-7:]
    assert values[2] == "\xa0"  # the blank cell is &nbsp;
    t4_rows = tables[2].findall(".//tr")
    assert len(t4_rows[-1].findall("td")) == 15


def test_html_gbk_encoding_and_charset_declaration(tmp_path: Path) -> None:
    record = make_record("2021", 18)
    data = write_html(record, tmp_path / "gbk.html", encoding="gbk").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    text = data.decode("gb18030")
    assert "charset=gb2312" in text and record["organization"] in text and "“三安全一稳定”" in text
    bare = write_html(record, tmp_path / "bare.html", encoding="gbk", meta_charset=False).read_bytes()
    assert b"charset" not in bare.lower()
    utf8 = write_html(record, tmp_path / "utf8.html").read_bytes().decode("utf-8")
    assert "charset=utf-8" in utf8


# --- DOCX ---------------------------------------------------------------------------------------


def _merges(tbl: Any) -> tuple[int, int]:
    el = tbl._tbl
    return len(el.findall(".//" + qn("w:gridSpan"))), len(el.findall(".//" + qn("w:vMerge")))


@pytest.mark.parametrize("template", TEMPLATES)
def test_docx_has_merged_template_tables(template: str, tmp_path: Path) -> None:
    record = make_record(template, 19)
    path = write_docx(record, tmp_path / "r.docx")
    document = docx.Document(str(path))
    assert document.paragraphs[0].text == f"{record['organization']}{record['year']}年政府信息公开工作年度报告"
    assert [len(t.rows) for t in document.tables] == ([14, 28, 4] if template == "2021" else [18, 26, 4])
    t3 = document.tables[1]
    spans, vmerges = _merges(t3)
    assert spans > 5 and vmerges > 20
    first_result = t3.rows[5]._tr.findall(qn("w:tc"))[0]
    assert first_result.find(qn("w:tcPr")).find(qn("w:vMerge")).get(qn("w:val")) == "restart"
    for i, (_key, _label, values) in enumerate(_printed_rows(record)):
        assert [c.text for c in t3.rows[3 + i].cells][-7:] == [str(v) for v in values]
    t4 = document.tables[2]
    assert [c.text for c in t4.rows[3].cells] == [
        str(record[REVIEW][r.key][f.key]) for r in REVIEW_ROWS for f in r.fields]
    if template == "2021":  # the official template's own table, filled in
        grid = t3._tbl.find(qn("w:tblGrid"))
        assert [g.get(qn("w:w")) for g in grid][:3] == ["754", "921", "3271"]


def test_docx_split_vertical_and_wrapped(tmp_path: Path) -> None:
    record = make_record("2021", 20)
    style = Style(split_table3_after_row="denied_third_party_rights", vertical_labels=True, wrap_labels=True)
    document = docx_document(record, style)
    assert [len(t.rows) for t in document.tables] == [14, 11, 17, 4]
    body = document.element.body
    assert body.findall(f".//{qn('w:br')}[@{qn('w:type')}='page']")
    top = document.tables[2].rows[0]._tr.findall(qn("w:tc"))[0]  # continuation restarts the merge
    assert top.find(qn("w:tcPr")).find(qn("w:vMerge")).get(qn("w:val")) == "restart"
    results = document.tables[1].rows[5].cells[0].text
    assert results.split("\n") == list(RESULTS)
    wrapped = [c.text for r in document.tables[2].rows for c in r.cells if c.text.startswith("1.申请人无正当理由")]
    assert wrapped and "\n" in wrapped[0]
    write_docx(record, tmp_path / "split.docx", style)
    with zipfile.ZipFile(tmp_path / "split.docx") as z:
        assert "w:vMerge" in z.read("word/document.xml").decode("utf-8")


# --- text dumps ---------------------------------------------------------------------------------


@pytest.mark.parametrize("template", TEMPLATES)
def test_text_dump_reads_like_pdftotext(template: str, tmp_path: Path) -> None:
    record = make_record(template, 21)
    plain = write_text(record, tmp_path / "r.txt").read_text(encoding="utf-8")
    lines = plain.split("\n")
    assert "三、收到和处理政府信息公开申请情况" in lines and "第二十条第（一）项" in lines
    for _key, label, values in _printed_rows(record):
        assert f"{label} {' '.join(map(str, values))}" in lines
    wrapped = text_dump(record, Style(wrap_labels=True)).split("\n")
    assert "三、本" in wrapped and "自然" in wrapped and "人" in wrapped
    total = str(record[APPLICATIONS]["other_overdue_correction"]["total"])
    if template == "2021":
        i = wrapped.index("1.申请人无正当理由逾期不补正、")
        assert total in wrapped[i: i + 8]  # the total stranded on a line of its own
    review = " ".join(str(record[REVIEW][r.key][f.key]) for r in REVIEW_ROWS for f in r.fields)
    assert review in lines


def test_markdown_rows_are_tab_separated(tmp_path: Path) -> None:
    record = make_record("2021", 22)
    text = write_markdown(record, tmp_path / "r.md", Style(ascii_brackets=True)).read_text(encoding="utf-8")
    assert text.lstrip().startswith("# ")
    rows = [line.split("\t") for line in text.split("\n") if "\t" in line]
    table3 = [r for r in rows if len(r) == 10]
    assert len(table3) == 28
    granted = next(r for r in table3 if r[1] == "(一) 予以公开")
    assert granted[0] == RESULTS
    assert granted[-7:] == [str(record[APPLICATIONS]["granted"][c]) for c in APPLICANT_KEYS]
    assert sum(len(r) == 15 for r in rows) == 4
    omitted = markdown_dump(record, Style(omit_table4=True))
    assert "四、政府信息公开行政复议、行政诉讼情况" in omitted
    assert not any(len(line.split("\t")) == 15 for line in omitted.split("\n"))


# --- not reports --------------------------------------------------------------------------------


def _document_text(path: Path, fmt: str) -> str:
    if fmt == "pdf":
        with pdfplumber.open(path) as pdf:
            assert any(page.extract_tables() for page in pdf.pages)
            return "".join(page.extract_text() or "" for page in pdf.pages)
    if fmt == "docx":
        document = docx.Document(str(path))
        assert document.tables
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return path.read_bytes().decode("utf-8")


@pytest.mark.parametrize("fmt", ["pdf", "html", "docx", "text"])
def test_not_a_report_looks_real_but_has_no_report_tables(fmt: str, tmp_path: Path) -> None:
    notice = _document_text(write_not_a_report(tmp_path / f"notice.{fmt}", fmt), fmt)
    near = _document_text(write_not_a_report(tmp_path / f"near.{fmt}", fmt, variant="near_miss"), fmt)
    for text in (notice, near):
        assert "通知" in text and "本年新收政府信息公开申请数量" not in text and "（七）总计" not in text
    assert "整改率" in notice and re.search(r"\d+\.\d%", notice)
    assert "政府信息公开工作年度报告" in near and "勾稽关系" in near


def test_truncated_and_random_files(tmp_path: Path) -> None:
    whole = write_pdf(make_record("2021", 23), tmp_path / "whole.pdf")
    cut = write_truncated(whole, tmp_path / "cut.pdf", keep=0.4)
    assert cut.read_bytes() == whole.read_bytes()[: len(cut.read_bytes())]
    assert b"%%EOF" not in cut.read_bytes()[-1024:]
    noise = write_random_bytes(tmp_path / "noise.pdf", 2048, seed=1, header=b"%PDF-1.7\n")
    assert noise.read_bytes().startswith(b"%PDF-1.7\n") and len(noise.read_bytes()) == 2048 + 9
    same = [write_random_bytes(tmp_path / name, 64, 2).read_bytes() for name in ("a", "b")]
    assert same[0] == same[1]


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_writer_takes_every_quirk_at_once(template: str, tmp_path: Path) -> None:
    record = make_record(template, 24)
    cells = zero_cells(record, APPLICATIONS)[:6]
    record = blank_out(record, cells)
    style = Style(
        blank_marks=dict(zip(cells, BLANK_MARKS, strict=False)), fullwidth_digits=True, thousands_sep=True,
        notes={(ACTIVE, "rules", active_rows(template)[0].fields[0].key): "（其中修订1件）"}, plus_sign=True,
        split_table3_after_row="granted", repeat_header=True, split_label_fragments=True,
        vertical_labels=True, wrap_labels=True, title_split=True, ascii_brackets=True, short_labels=True,
        seed=3,
    )
    outputs = [
        write_pdf(record, tmp_path / "r.pdf", style),
        write_html(record, tmp_path / "r.html", style, encoding="gbk"),
        write_docx(record, tmp_path / "r.docx", style),
        write_text(record, tmp_path / "r.txt", style),
        write_markdown(record, tmp_path / "r.md", style),
        write_pdf(record, tmp_path / "p.pdf", Style(prose_tables=True, omit_table4=True)),
    ]
    assert all(p.stat().st_size > 2000 for p in outputs)
    tables = _pdf_tables(outputs[0])
    page_granted, row = _find_row(tables, "(一) 予以公开")
    assert row[-1] == "".join("０１２３４５６７８９"[int(d)] if d.isdigit() else d
                              for d in f"{record[APPLICATIONS]['granted']['total']:,}")
    assert _find_row(tables, "(二) 部分公开(区分处理的，只计这一情形，不计其他情形)")[0] == page_granted + 1


def test_text_dump_of_a_real_record_matches_the_real_dump() -> None:
    """Seed 000 is pdftotext output of a published report: written from its expected record, the
    builder's dump reproduces its table lines (labels, wraps, stranded totals) nearly verbatim."""
    seed = Path(__file__).resolve().parent.parent / "fixtures" / "seeds" / "000_fd57272cd8fb4328"
    record = json.loads(seed.with_suffix(".expected.json").read_text(encoding="utf-8"))
    real = set(seed.with_suffix(".txt").read_text(encoding="utf-8").split("\n"))
    mine = text_dump(record, Style(wrap_labels=True)).split("\n")
    tables = mine[mine.index("二、主动公开政府信息情况"): mine.index("五、存在的主要问题及改进情况")]
    numbered = [line for line in tables if re.search(r"\d", line)]
    assert len(numbered) > 35
    assert len([line for line in numbered if line not in real]) <= 2


def test_same_record_same_bytes(tmp_path: Path) -> None:
    """Reproducible files: tests may hash them (e.g. to check de-duplication)."""
    record = make_record("2019", 25)
    assert write_pdf(record, tmp_path / "a.pdf").read_bytes() == write_pdf(record, tmp_path / "b.pdf").read_bytes()
    assert write_docx(record, tmp_path / "a.docx").read_bytes() == write_docx(record, tmp_path / "b.docx").read_bytes()
