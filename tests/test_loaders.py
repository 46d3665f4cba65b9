"""Loaders on real files built here: reportlab PDFs with ruled tables, HTML bytes, python-docx files."""

from __future__ import annotations

import io
import random
from pathlib import Path

import docx
import pdfplumber
import pikepdf
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

from extraction.document import Document, GridCell, LoadError, TableBlock, TextBlock
from extraction.loaders import find_loader, load_document
from extraction.loaders.docx import DocxLoader
from extraction.loaders.html import HtmlLoader
from extraction.textnorm import join_wrapped_lines
from extraction.loaders.pdf import PdfLoader

ROOT = Path(__file__).resolve().parent.parent
REAL_PDF = ROOT / "fixtures" / "real" / "ha-2024-szf.pdf"
TEMPLATE_DOCX = ROOT / "fixtures" / "real" / "template-2021-blank.docx"
FONT = "STSong-Light"


@pytest.fixture(autouse=True)
def _data_dir() -> None:
    """Override conftest's settings-based fixture: loaders need no Django."""


def _font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def pdf_with_table(rows: list[list[str]], before: str = "二、主动公开政府信息情况", spans: list | None = None) -> bytes:
    """A platypus story: a paragraph, then a GRID-ruled table (split over pages if long)."""
    font = _font()
    buffer = io.BytesIO()
    style = ParagraphStyle("p", fontName=font, fontSize=11, leading=16, wordWrap="CJK")
    table = Table(rows, repeatRows=0)
    commands = [("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONT", (0, 0), (-1, -1), font, 9)]
    commands += [("SPAN", a, b) for a, b in spans or []]
    table.setStyle(TableStyle(commands))
    SimpleDocTemplate(buffer, pagesize=A4).build([Paragraph(before, style), table, Paragraph("五、存在的主要问题", style)])
    return buffer.getvalue()


TABLE2 = [
    ["第二十条第（一）项", "", "", ""],
    ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
    ["规章", "1", "0", "11"],
    ["行政规范性文件", "8", "", "66"],
]


def _cell_texts(block: TableBlock) -> list[list[str | None]]:
    return [[c.text if c else None for c in row] for row in block.rows]


# --- PDF ------------------------------------------------------------------------------------


def test_ruled_pdf_table_becomes_a_grid_with_boxes(tmp_path: Path) -> None:
    data = pdf_with_table(TABLE2, spans=[((0, 0), (-1, 0))])
    doc = PdfLoader().load(tmp_path / "r.pdf", data)
    assert doc.format == "pdf" and doc.page_count == 1 and doc.has_text_layer
    kinds = [type(b).__name__ for b in doc.blocks]
    assert kinds == ["TextBlock", "TableBlock", "TextBlock"]
    assert doc.blocks[0].lines == ["二、主动公开政府信息情况"]
    table = doc.tables[0]
    assert table.page == 1 and table.locator == "page 1, table 1"
    assert _cell_texts(table) == [
        ["第二十条第(一)项", None, None, None],
        ["信息内容", "本年制发件数", "本年废止件数", "现行有效件数"],
        ["规章", "1", "0", "11"],
        ["行政规范性文件", "8", "", "66"],
    ]
    merged = table.rows[0][0]
    assert merged is not None and merged.colspan == 4 and merged.rowspan == 1
    for row in table.rows:
        for cell in row:
            if cell is not None:
                x0, top, x1, bottom = cell.box
                assert 0 <= x0 < x1 <= A4[0] and 0 <= top < bottom <= A4[1]


def test_pdf_cell_boxes_match_pdfplumber(tmp_path: Path) -> None:
    """The grid comes from pdfium ruling lines but must be pdfplumber's own table."""
    data = pdf_with_table(TABLE2, spans=[((0, 0), (-1, 0))])
    doc = PdfLoader().load(tmp_path / "r.pdf", data)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        expected = sorted(pdf.pages[0].find_tables()[0].cells)
    ours = sorted(c.box for row in doc.tables[0].rows for c in row if c is not None)
    assert len(ours) == len(expected)
    assert all(abs(a - b) < 0.01 for x, y in zip(ours, expected) for a, b in zip(x, y))


def test_pdf_table_split_across_pages_gives_consecutive_blocks(tmp_path: Path) -> None:
    rows = [["信息内容", "本年新收", "总计"]] + [[f"第{i}行", str(i), str(2 * i)] for i in range(1, 60)]
    doc = PdfLoader().load(tmp_path / "long.pdf", pdf_with_table(rows))
    tables = doc.tables
    assert len(tables) == 2 and doc.page_count == 2
    assert [t.page for t in tables] == [1, 2]
    assert [t.locator for t in tables] == ["page 1, table 1", "page 2, table 1"]
    labels = [r[0].text for t in tables for r in t.rows if r[0] is not None]
    assert labels == [r[0] for r in rows]


def test_pdf_cell_lines_join_by_cjk_rule(tmp_path: Path) -> None:
    rows = [["信息内容", "本年新收"],
            ["（二）部分公开（区分处理的，只计这一情\n形，不计其他情形）", "12\n34"]]
    table = PdfLoader().load(tmp_path / "w.pdf", pdf_with_table(rows)).tables[0]
    assert table.rows[1][0].text == "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"
    assert table.rows[1][1].text == "12 34"


def test_pdf_radical_code_points_are_normalised(tmp_path: Path) -> None:
    """reportlab draws U+2EA0 / U+2ED4 with STSong-Light, so the PDF really carries the radicals."""
    rows = [["信息内容", "总计"], ["⺠政部⻔", "3"]]
    doc = PdfLoader().load(tmp_path / "rad.pdf", pdf_with_table(rows, before="淮安市⼈⺠政府"))
    assert doc.blocks[0].lines == ["淮安市人民政府"]
    assert doc.tables[0].rows[1][0].text == "民政部门"
    assert "⺠" not in doc.text and "⻔" not in doc.text


def test_image_only_pdf_has_no_text_layer(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for _ in range(2):
        canvas.rect(72, 500, 300, 200, fill=1)
        canvas.line(72, 400, 500, 400)
        canvas.showPage()
    canvas.save()
    doc = PdfLoader().load(tmp_path / "scan.pdf", buffer.getvalue())
    assert doc.has_text_layer is False and doc.blocks == [] and doc.page_count == 2


def _encrypted(data: bytes, user: str, owner: str) -> bytes:
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner=owner, user=user))
    return out.getvalue()


def test_encrypted_pdf_needs_password(tmp_path: Path) -> None:
    data = _encrypted(pdf_with_table(TABLE2), user="u", owner="o")
    with pytest.raises(LoadError, match="password"):
        load_document(tmp_path / "locked.pdf", data)


def test_owner_only_encryption_still_reads(tmp_path: Path) -> None:
    data = _encrypted(pdf_with_table(TABLE2), user="", owner="o")
    assert load_document(tmp_path / "perm.pdf", data).tables


@pytest.mark.parametrize("cut", [0.5, 0.9, 0.98])
def test_truncated_pdf_is_a_load_error(tmp_path: Path, cut: float) -> None:
    data = REAL_PDF.read_bytes()
    with pytest.raises(LoadError, match="corrupt or truncated PDF"):
        load_document(tmp_path / "cut.pdf", data[: int(len(data) * cut)])


def test_pdf_named_htm_goes_to_pdf_loader(tmp_path: Path) -> None:
    path = tmp_path / "report.htm"
    path.write_bytes(pdf_with_table(TABLE2))
    assert isinstance(find_loader(path.read_bytes()[:8192], ".htm"), PdfLoader)
    assert load_document(path).format == "pdf"


def test_real_pdf_fixture() -> None:
    doc = load_document(REAL_PDF)
    assert doc.page_count == 6 and doc.has_text_layer and not doc.warnings
    assert doc.text_lines()[0] == "淮安市人民政府"
    assert [(t.page, len(t.rows)) for t in doc.tables] == [(3, 8), (4, 6), (4, 16), (5, 12), (5, 4)]
    t3 = doc.tables[2]
    assert t3.rows[3][0].text == "一、本年新收政府信息公开申请数量"
    assert [c.text for c in t3.rows[3][3:]] == ["3001", "53", "0", "0", "61", "4", "3119"]
    assert t3.rows[5][0].text == "三、本年度办理结果" and t3.rows[5][0].rowspan == 11
    assert t3.rows[6][1].text == "(二)部分公开(区分处理的,只计这一情形,不计其他情形)"
    assert t3.rows[2][4].text == "商业企业"  # justified '商 业 企业' inside a cell loses its gaps
    assert [c.text for c in doc.tables[4].rows[3]][:5] == ["72", "64", "178", "37", "351"]
    assert "收取政府信息公开信息处理费3940元。" in doc.text


# --- bad input ------------------------------------------------------------------------------


def test_random_bytes_raise_load_error(tmp_path: Path) -> None:
    data = random.Random(7).randbytes(5000)
    with pytest.raises(LoadError):
        load_document(tmp_path / "x.bin", data)


def test_empty_file_raises_load_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    with pytest.raises(LoadError, match="empty"):
        load_document(path)


def test_corrupt_docx_raises_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="corrupt DOCX"):
        load_document(tmp_path / "x.docx", b"PK\x03\x04word/document.xml" + b"\x00garbage" * 50)


_PREFIXES = [b"", b"%PDF-1.7\n", b"PK\x03\x04", b"<html><body><table><tr><td>", b"\xef\xbb\xbf", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from(_PREFIXES), body=st.binary(max_size=3000),
       suffix=st.sampled_from([".pdf", ".htm", ".docx", ".txt", ""]))
def test_any_bytes_give_a_document_or_load_error(prefix: bytes, body: bytes, suffix: str) -> None:
    try:
        doc = load_document(Path("f" + suffix), prefix + body)
    except LoadError:
        return
    assert isinstance(doc, Document)


# --- HTML -----------------------------------------------------------------------------------

PAGE = """<html><head><meta {meta}><title>淮安市2024年政府信息公开工作年度报告</title>
<style>td {{ color: red }}</style><script>var x = "不应出现";</script></head><body>
<div>淮安市人民政府<br>2024年政府信息公开工作年度报告</div>
<p>一、总体情况　本年新收申请3119件。</p>
<table border="1"><tr><td rowspan="2" colspan="2">勾稽</td><td colspan="2">申请人情况</td></tr>
<tr><td>自然人</td><td>总计</td></tr>
<tr><td rowspan="2">三、本年度<br>办理结果</td><td>（一）予以公开</td><td>12<br>34</td><td>&nbsp;</td></tr>
<tr><td>（二）部分公<br>开</td><td>5</td><td>\u3000</td></tr></table>
<p>五、存在的主要问题</p></body></html>"""


def _page(meta: str) -> str:
    return PAGE.format(meta=meta)


@pytest.mark.parametrize("meta", ['charset="gbk"', 'http-equiv="Content-Type" content="text/html; charset=gb2312"', 'name="x"'])
def test_gbk_html_decodes_with_and_without_meta(tmp_path: Path, meta: str) -> None:
    doc = load_document(tmp_path / "r.html", _page(meta).encode("gbk"))
    assert doc.format == "html"
    assert "一、总体情况 本年新收申请3119件。" in doc.text_lines()
    assert doc.tables[0].rows[0][2].text == "申请人情况"


def test_utf8_page_mislabelled_gb2312_still_decodes(tmp_path: Path) -> None:
    doc = load_document(tmp_path / "r.html", _page('charset="gb2312"').encode("utf-8"))
    assert doc.tables[0].rows[1][2].text == "自然人"


def test_html_grid_spans_and_blanks(tmp_path: Path) -> None:
    doc = load_document(tmp_path / "r.htm", _page('charset="utf-8"').encode("utf-8"))
    assert [b.locator for b in doc.blocks] == ["html title", "text", "table 1", "text"]
    assert doc.blocks[1].lines == ["淮安市人民政府", "2024年政府信息公开工作年度报告", "一、总体情况 本年新收申请3119件。"]
    assert "不应出现" not in doc.text and "color" not in doc.text
    assert _cell_texts(doc.tables[0]) == [
        ["勾稽", None, "申请人情况", None],
        [None, None, "自然人", "总计"],
        ["三、本年度办理结果", "(一)予以公开", "12 34", ""],
        [None, "(二)部分公开", "5", ""],
    ]
    assert doc.tables[0].rows[0][0] == GridCell("勾稽", rowspan=2, colspan=2)
    assert doc.tables[0].rows[2][0].rowspan == 2


def test_html_layout_table_is_not_a_giant_cell(tmp_path: Path) -> None:
    html = ("<html><body><table><tr><td><p>标题</p><table><tr><td>信息内容</td><td>总计</td></tr>"
            "<tr><td>规章</td><td>3</td></tr></table><p>结尾</p></td></tr></table></body></html>")
    doc = load_document(tmp_path / "r.html", html.encode())
    assert [type(b).__name__ for b in doc.blocks] == ["TextBlock", "TableBlock", "TextBlock"]
    assert _cell_texts(doc.tables[0]) == [["信息内容", "总计"], ["规章", "3"]]
    assert doc.blocks[0].lines == ["标题"] and doc.blocks[2].lines == ["结尾"]


def test_html_without_tables_keeps_text(tmp_path: Path) -> None:
    doc = load_document(tmp_path / "r.html", "<html><body><p>本年新收申请<b>12</b>件</p></body></html>".encode())
    assert doc.tables == [] and doc.text == "本年新收申请12件"


def test_html_named_pdf_goes_to_html_loader(tmp_path: Path) -> None:
    doc = load_document(tmp_path / "r.pdf", _page('charset="utf-8"').encode())
    assert doc.format == "html"


def test_html_utf16_with_bom(tmp_path: Path) -> None:
    data = _page('charset="utf-16"').encode("utf-16")
    assert isinstance(find_loader(data[:8192], ".bin"), HtmlLoader)
    assert load_document(tmp_path / "r.bin", data).tables[0].rows[1][2].text == "自然人"


def test_html_without_text_is_load_error(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="no text"):
        load_document(tmp_path / "r.html", b"<html><body><script>load()</script></body></html>")


def test_join_wrapped_lines() -> None:
    assert join_wrapped_lines(["只计这一情", "形,不计"]) == "只计这一情形,不计"
    assert join_wrapped_lines(["12", "34"]) == "12 34"
    assert join_wrapped_lines(["2024年", "1月", " ", "abc", "def"]) == "2024年1月abc def"


# --- DOCX -----------------------------------------------------------------------------------


def _filled_template(tmp_path: Path) -> Path:
    document = docx.Document(str(TEMPLATE_DOCX))
    table3 = document.tables[1]
    for r, row in enumerate(table3.rows[3:], start=3):
        for c in range(3, 10):
            row.cells[c].text = str(r * 10 + c)
    document.tables[0].rows[2].cells[1].text = "7"
    path = tmp_path / "filled.docx"
    document.save(str(path))
    return path


def test_docx_template_merges(tmp_path: Path) -> None:
    doc = load_document(_filled_template(tmp_path))
    assert doc.format == "docx" and [t.locator for t in doc.tables] == ["table 1", "table 2", "table 3"]
    assert isinstance(doc.blocks[0], TextBlock) and doc.blocks[0].lines[0] == "政府信息公开工作年度报告格式模板"
    t2, t3, t4 = doc.tables
    assert t2.rows[0][0].colspan == 4 and t2.rows[0][1:] == [None, None, None]
    assert [c.text for c in t2.rows[2]] == ["规章", "7", "", ""]
    assert (t3.rows[0][0].rowspan, t3.rows[0][0].colspan) == (3, 3)
    assert (t3.rows[1][3].text, t3.rows[1][3].rowspan, t3.rows[1][9].text, t3.rows[1][9].rowspan) == ("自然人", 2, "总计", 2)
    assert t3.rows[2][4].text == "商业企业"
    denied = [r for r, row in enumerate(t3.rows) if row[1] is not None and row[1].text == "(三)不予公开"]
    assert denied == [7] and t3.rows[7][1].rowspan == 8
    assert all(t3.rows[r][1] is None and t3.rows[r][0] is None for r in range(8, 15))
    assert t3.rows[5][0].text == "三、本年度办理结果" and t3.rows[5][0].rowspan == 22
    assert [c.text for c in t3.rows[3][3:]] == [str(30 + c) for c in range(3, 10)]
    assert [c.text for c in t3.rows[8][2:5]] == ["2.其他法律行政法规禁止公开", "83", "84"]
    assert t4.rows[1][0].rowspan == 2 and t4.rows[0][5].colspan == 10 and len(t4.rows[3]) == 15


def test_docx_paragraphs_and_tables_interleave(tmp_path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("一、总体情况")
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "信息内容"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "申请人情况"
    table.cell(1, 1).text, table.cell(1, 2).text = "自然人", "总计"
    for c, value in enumerate(["规章", "1", "2"]):
        table.cell(2, c).text = value
    document.add_paragraph("五、存在的主要问题")
    path = tmp_path / "made.docx"
    document.save(str(path))
    doc = DocxLoader().load(path, path.read_bytes())
    assert [type(b).__name__ for b in doc.blocks] == ["TextBlock", "TableBlock", "TextBlock"]
    assert _cell_texts(doc.tables[0]) == [["信息内容", "申请人情况", None], [None, "自然人", "总计"], ["规章", "1", "2"]]
    assert doc.tables[0].rows[0][0].rowspan == 2 and doc.tables[0].rows[0][1].colspan == 2


def test_docx_table_nested_in_a_cell_reads_into_that_cell(tmp_path: Path) -> None:
    document = docx.Document()
    outer = document.add_table(rows=2, cols=2)
    outer.cell(0, 0).text, outer.cell(0, 1).text = "信息内容", "总计"
    outer.cell(1, 0).text = "规章"
    inner = outer.cell(1, 1).add_table(rows=1, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "12", "34"
    path = tmp_path / "nested.docx"
    document.save(str(path))
    table = load_document(path).tables[0]
    assert _cell_texts(table) == [["信息内容", "总计"], ["规章", "12 34"]]


def test_legacy_word_file_is_explained(tmp_path: Path) -> None:
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600
    with pytest.raises(LoadError, match="legacy Word"):
        load_document(tmp_path / "old.doc", data)


def test_pdfplumber_fallback_reads_the_grid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """If pdfium's paths give no grid on a page with table header words, pdfplumber looks itself."""
    import extraction.loaders.pdf as pdf_module

    data = pdf_with_table([["信息内容", "申请人情况"], ["规章", "3"]])
    expected = _cell_texts(PdfLoader().load(tmp_path / "a.pdf", data).tables[0])
    monkeypatch.setattr(pdf_module, "_find_tables", lambda page: [])
    doc = PdfLoader().load(tmp_path / "a.pdf", data)
    assert _cell_texts(doc.tables[0]) == expected
    assert doc.warnings == ["page 1: table grid read by pdfplumber fallback"]


def test_html_utf16_without_bom(tmp_path: Path) -> None:
    data = _page('charset="utf-16"').encode("utf-16-le")
    assert isinstance(find_loader(data[:8192], ""), HtmlLoader)
    assert load_document(tmp_path / "r", data).tables[0].rows[1][3].text == "总计"


def test_docx_fast_and_careful_table_readers_agree() -> None:
    """The one-pass reader and the element-by-element one (tracked changes, text boxes) agree."""
    import zipfile

    from lxml import etree

    from extraction.loaders.docx import W, table_grid

    xml = zipfile.ZipFile(TEMPLATE_DOCX).read("word/document.xml")
    tables = etree.fromstring(xml).findall(f"{W}body/{W}tbl")
    assert len(tables) == 3
    for tbl in tables:
        assert table_grid(tbl) == table_grid(tbl, careful=True)


def test_pdf_table_drawn_inside_a_form_xobject(tmp_path: Path) -> None:
    """Ruling lines inside a transformed form XObject land where pdfplumber puts them."""
    font = _font()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.beginForm("grid")
    for i in range(4):
        canvas.line(0, i * 20, 240, i * 20)
    for x in (0, 80, 160, 240):
        canvas.line(x, 0, x, 60)
    canvas.setFont(font, 10)
    for baseline, row in ((46, ["信息内容", "本年制发", "总计"]), (26, ["规章", "1", "2"])):
        for c, text in enumerate(row):
            canvas.drawString(c * 80 + 5, baseline, text)
    canvas.endForm()
    canvas.saveState()
    canvas.translate(100, 500)
    canvas.scale(1.5, 1.5)
    canvas.doForm("grid")
    canvas.restoreState()
    canvas.save()
    data = buffer.getvalue()
    doc = PdfLoader().load(tmp_path / "form.pdf", data)
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        expected = sorted(c for t in pdf.pages[0].find_tables() for c in t.cells)
    ours = sorted(c.box for t in doc.tables for row in t.rows for c in row if c is not None)
    assert len(ours) == len(expected) == 9
    assert all(abs(a - b) < 0.01 for x, y in zip(ours, expected) for a, b in zip(x, y))
    assert _cell_texts(doc.tables[0]) == [["信息内容", "本年制发", "总计"], ["规章", "1", "2"], ["", "", ""]]
