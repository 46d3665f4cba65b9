"""Real PDFs of a record: ruled tables with merged cells (as Word/WPS export them), scans, locks.

Text uses reportlab's built-in CID font STSong-Light, so no font file is needed and pdfplumber
reads the characters back. Tables are drawn with GRID ruling lines and SPAN merges, which is what
lets pdfplumber find them the way it finds them in published reports.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus import Table as RLTable
from reportlab.platypus import TableStyle

from .compose import Block, Heading, Para, Table, Title, compose, title_lines
from .layout import Cell, Grid
from .records import Report
from .style import Style

FONT = "STSong-Light"
MARGIN_X = 48.0
MARGIN_Y = 56.0
FRAME_WIDTH = A4[0] - 2 * MARGIN_X
SECTION_BLUE = colors.Color(0.80, 0.87, 0.95)


@cache
def _font() -> str:
    """Register the CID font once per process (reportlab keeps a global registry)."""
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@cache
def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=28, alignment=TA_CENTER),
        "heading": ParagraphStyle("heading", fontName=font, fontSize=14, leading=24, spaceBefore=8,
                                  spaceAfter=4),
        "body": ParagraphStyle("body", fontName=font, fontSize=11, leading=20, firstLineIndent=22),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=10, alignment=TA_LEFT),
        "center": ParagraphStyle("center", fontName=font, fontSize=8, leading=10, alignment=TA_CENTER),
    }


def _label_text(cell: Cell, style: Style) -> str:
    text = cell.text
    if cell.vertical and style.vertical_labels:
        return "<br/>".join(escape(ch) for ch in text)
    return escape(text)


def _widths(grid: Grid, style: Style) -> list[float]:
    widths = list(grid.widths)
    if grid.name == "table3" and style.wrap_labels:
        widths[:3] = [0.55, 0.75, 1.9]  # narrow label columns: long labels wrap over 2–3 lines
    total = sum(widths)
    return [FRAME_WIDTH * w / total for w in widths]


def grid_table(grid: Grid, style: Style) -> RLTable:
    """One ruled reportlab table: labels as wrapping Paragraphs, merges as SPAN commands."""
    st = _styles()
    data: list[list[object]] = [["" for _ in range(grid.ncols)] for _ in grid.rows]
    commands: list[tuple[object, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), _font()),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("ALIGN", (0, 0), (-1, -1), "CENTER"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    for r, c, cell in grid.placed():
        if cell.kind == "value":
            # Plain strings never wrap, as a number never breaks in a real table; a note may.
            data[r][c] = Paragraph(escape(cell.text), st["center"]) if len(cell.text) > 9 else cell.text
        else:
            para_style = st["cell"] if cell.kind == "label" and not cell.vertical else st["center"]
            data[r][c] = Paragraph(_label_text(cell, style), para_style)
        if cell.kind == "section":
            commands.append(("BACKGROUND", (c, r), (c + cell.colspan - 1, r), SECTION_BLUE))
        if cell.rowspan > 1 or cell.colspan > 1:
            commands.append(("SPAN", (c, r), (c + cell.colspan - 1, r + cell.rowspan - 1)))
    table = RLTable(data, colWidths=_widths(grid, style), repeatRows=0)
    table.setStyle(TableStyle(commands))
    return table


def _flowables(blocks: list[Block], style: Style) -> list[Flowable]:
    st = _styles()
    out: list[Flowable] = []
    for block in blocks:
        if isinstance(block, Title):
            out += [Paragraph(escape(line), st["title"]) for line in block.lines]
            out.append(Spacer(1, 10))
        elif isinstance(block, Heading):
            out.append(Paragraph(escape(block.text), st["heading"]))
        elif isinstance(block, Para):
            out.append(Paragraph(escape(block.text), st["body"]))
        elif isinstance(block, Table):
            if block.continued:
                out.append(PageBreak())
            # Kept whole (with its heading) so that a table moves to the next page rather than
            # splitting at a row chosen by chance; splits happen only where the style asks.
            group: list[Flowable] = [grid_table(block.grid, style), Spacer(1, 8)]
            if out and isinstance(out[-1], Paragraph) and out[-1].style is st["heading"]:
                group.insert(0, out.pop())
            out.append(KeepTogether(group))
    return out


def _footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont(_font(), 10)
    canvas.drawCentredString(A4[0] / 2, MARGIN_Y / 2, f"- {doc.page} -")
    canvas.restoreState()


def blocks_pdf_bytes(blocks: list[Block], style: Style, title: str, author: str) -> bytes:
    """Any block list as PDF bytes (reports and the not-a-report documents alike)."""
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X, topMargin=MARGIN_Y,
        bottomMargin=MARGIN_Y, title=title, author=author, creator="Microsoft® Word 2016",
        invariant=True,  # same record and style, same bytes (tests may hash files)
    )
    on_page = _footer if style.page_numbers else (lambda canvas, doc: None)
    doc.build(_flowables(blocks, style), onFirstPage=on_page, onLaterPages=on_page)
    return buf.getvalue()


def pdf_bytes(report: Report, style: Style = Style()) -> bytes:
    """The report as PDF bytes (what the other PDF writers start from)."""
    title = "".join(title_lines(report, Style()))
    return blocks_pdf_bytes(compose(report, style), style, title, str(report["organization"]))


def write_pdf(report: Report, path: str | Path, style: Style = Style()) -> Path:
    """A text PDF of the report with ruled tables that pdfplumber finds."""
    path = Path(path)
    path.write_bytes(pdf_bytes(report, style))
    return path


def write_scanned_pdf(report: Report, path: str | Path, style: Style = Style(), dpi: int = 110,
                      skew_degrees: float = 0.0) -> Path:
    """A PDF with no text layer: each page of the text PDF rendered to a bitmap and embedded, as a
    scanner or a "print to image" would leave it (optionally a little skewed).

    The text PDF does not embed its CJK font, so the bitmap shows Chinese glyphs only where pdfium
    finds a system CJK font (Debian ``fonts-wqy-zenhei``); without one only rules and digits show.
    Either way the file has no characters to extract, which is what it is for."""
    import pypdfium2 as pdfium
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    path = Path(path)
    source = pdfium.PdfDocument(pdf_bytes(report, style))
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    try:
        for page in source:
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            if skew_degrees:
                image = image.rotate(skew_degrees, resample=Image.Resampling.BILINEAR, expand=False,
                                     fillcolor=255)
            canvas.drawImage(ImageReader(image), 0, 0, width=A4[0], height=A4[1])
            canvas.showPage()
    finally:
        source.close()
    canvas.save()
    return path


def write_encrypted_pdf(report: Report, path: str | Path, password: str = "foi2024",
                        style: Style = Style(), owner_only: bool = False) -> Path:
    """An AES-256 encrypted PDF. ``owner_only`` leaves the user password empty: it opens without a
    password but carries restrictions, as many published reports do."""
    import pikepdf

    path = Path(path)
    with pikepdf.open(io.BytesIO(pdf_bytes(report, style))) as pdf:
        user = "" if owner_only else password
        pdf.save(path, encryption=pikepdf.Encryption(owner=password + "-owner", user=user, R=6))
    return path
