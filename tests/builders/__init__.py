"""Build real report files from a record, so tests can compare an extraction with its source.

A test starts from a record in the spec's JSON shape (``make_record`` gives a random balanced one),
writes it in any format the product reads with the layout quirks it wants to exercise, runs the
extraction and compares::

    from tests.builders import Style, blank_out, make_record, write_pdf

    record = make_record("2021", seed=3)
    cell = ("applications", "denied_state_secret", "research_institution")
    record = blank_out(record, [cell])                       # the expected extraction: null
    write_pdf(record, tmp_path / "r.pdf", Style(
        blank_marks={cell: "—"},                             # how the blank is printed
        split_table3_after_row="unable_not_held",            # 表三 continues on the next page
        vertical_labels=True,                                # 三、本年度办理结果 one char per line
    ))

Writers never change a number: quirks only change how values are printed, so the record a test
wrote is the record the extraction should give back (see ``Style`` for what each format applies).
"""

from .compose import SECTIONS, title_lines
from .junk import write_not_a_report, write_random_bytes, write_truncated
from .layout import Cell, Grid, table2, table3, table4
from .pdf import pdf_bytes, write_encrypted_pdf, write_pdf, write_scanned_pdf
from .records import (
    ORGANIZATIONS,
    Report,
    blank_out,
    get_value,
    identity_errors,
    make_record,
    unbalance,
    zero_cells,
)
from .style import BLANK_MARKS, Style, format_value
from .text import flattened_page, markdown_dump, text_dump, write_flattened, write_markdown, write_text
from .webpage import html_text, write_html
from .word import TEMPLATE_DOCX, docx_document, write_docx

__all__ = [
    "BLANK_MARKS",
    "ORGANIZATIONS",
    "SECTIONS",
    "TEMPLATE_DOCX",
    "Cell",
    "Grid",
    "Report",
    "Style",
    "blank_out",
    "docx_document",
    "format_value",
    "get_value",
    "html_text",
    "identity_errors",
    "make_record",
    "markdown_dump",
    "pdf_bytes",
    "table2",
    "table3",
    "table4",
    "text_dump",
    "flattened_page",
    "write_flattened",
    "title_lines",
    "unbalance",
    "write_docx",
    "write_encrypted_pdf",
    "write_html",
    "write_markdown",
    "write_not_a_report",
    "write_pdf",
    "write_random_bytes",
    "write_scanned_pdf",
    "write_text",
    "write_truncated",
    "zero_cells",
]
