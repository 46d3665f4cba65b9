"""Layout quirks of real reports, chosen per test, and how a value is printed under them.

Each option names something seen in published reports that an extractor must survive. Options are
applied where the format allows (see each field); a writer never changes a number the record holds,
only how it is printed, so the record stays the expected extraction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from extraction.schema import CellKey, FieldSpec

BLANK_MARKS: tuple[str, ...] = ("", "—", "－", "-", "/", "无")
"""Every way the spec says a blank cell may be printed (all read as null)."""

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@dataclass(frozen=True)
class Style:
    """Which quirks a generated report shows. The default is a clean, template-faithful report.

    Formats: P = PDF, H = HTML, D = DOCX, T = pdftotext-like text, M = markdown-like text.
    """

    blank_marks: Mapping[CellKey, str] = field(default_factory=dict)
    """P H D T M: how a cell whose record value is None is printed (``''``, ``'—'``, ``'－'``,
    ``'-'``, ``'/'``, ``'无'``). Writers refuse a listed cell whose value is not None: use
    ``blank_out`` first. A None cell not listed prints ``default_blank``."""
    default_blank: str = ""
    """P H D T M: the mark for None cells not in ``blank_marks`` (HTML prints ``''`` as ``&nbsp;``)."""
    fullwidth_digits: bool = False
    """P H D T M: digits in table values printed as ``０１２…``."""
    thousands_sep: bool = False
    """P H D T M: values of 1000 and over printed with commas: ``1,016,920``, ``14,505.4305``."""
    notes: Mapping[CellKey, str] = field(default_factory=dict)
    """P H D T M: text printed right after the number in the same cell: ``22（其中修订16件）``,
    ``251000元``. The record value is unchanged; the extraction keeps it as the cell's note."""
    plus_sign: bool = False
    """P H D T M: a positive 2019 本年增/减 printed ``+3``."""
    split_table3_after_row: str | None = None
    """P H D: 表三 ends after this row key (e.g. ``'denied_state_secret'``) and continues in a new
    table on the next page (H: a second table after a page-break paragraph; D: the template table
    cut in two around a page break, its vertical merges restarted). Merged labels cut by the split
    continue as empty cells, or as text fragments with ``split_label_fragments``. T M: the two
    parts simply follow each other."""
    repeat_header: bool = False
    """P H D: the continuation of a split 表三 repeats the three header rows."""
    split_label_fragments: bool = False
    """P H D: a merged label cut by the split is itself cut: ``（四）无`` above, ``法提供`` below."""
    vertical_labels: bool = False
    """P H D T: ``三、本年度办理结果`` and the group labels written one character per line."""
    wrap_labels: bool = False
    """P H D T: long labels wrapped over several lines (P: narrow label columns; H D: line breaks;
    T: pdftotext-like, the tail of the label and sometimes the last number on their own lines)."""
    omit_table4: bool = False
    """P H D T M: no 表四; section 四 holds one sentence instead."""
    title_split: bool = False
    """P H D T M: the title broken over two lines (``…工作`` / ``年度报告``)."""
    prose_tables: bool = False
    """P H D T M: every table written as sentences instead of a table (what the LLM path reads)."""
    ascii_brackets: bool = False
    """P H D T M: 表三 labels printed as converters print them: ``(一) 予以公开``, ``1. 属于国家秘密``."""
    short_labels: bool = False
    """P H D T M: 2021 ``行政规范性文件`` printed ``规范性文件`` (the spec allows both)."""
    page_numbers: bool = True
    """P: a ``- 3 -`` footer on each page, as Word exports print it."""
    seed: int = 0
    """P H D T M: picks the prose wording (the numbers in it always come from the record)."""


def fullwidth(text: str) -> str:
    return text.translate(_FULLWIDTH)


def _group(digits: str) -> str:
    neg = digits.startswith("-")
    digits = digits.lstrip("-")
    out = f"{int(digits):,}" if digits else digits
    return f"-{out}" if neg else out


def format_value(value: Any, spec: FieldSpec, key: CellKey, style: Style) -> str:
    """The cell text a report prints for ``value``, with the style's quirks and the cell's note."""
    if value is None:
        return style.blank_marks.get(key, style.default_blank)
    if key in style.blank_marks:
        raise ValueError(f"blank_marks lists {key} but its value is {value!r}: use blank_out() first")
    if isinstance(value, str):
        whole, dot, frac = value.partition(".")
        text = (_group(whole) if style.thousands_sep else whole) + dot + frac
    else:
        text = f"{value:,}" if style.thousands_sep else str(value)
        if spec.kind == "signed" and style.plus_sign and value > 0:
            text = "+" + text
    if style.fullwidth_digits:
        text = fullwidth(text)
    return text + style.notes.get(key, "")


def bracket_label(label: str, style: Style) -> str:
    """A label as printed: converters turn ``（一）予以公开`` into ``(一) 予以公开``."""
    if not style.ascii_brackets:
        return label
    out = label.replace("（", "(").replace("）", ") ").replace(") ）", ")）")
    for n in "12345678":
        out = out.replace(f"{n}.", f"{n}. ")
    return out.replace("  ", " ").strip()


def wrap_text(text: str, width: int) -> list[str]:
    """``text`` cut into lines of ``width`` characters, as a narrow table cell breaks it."""
    return [text[i : i + width] for i in range(0, len(text), width)] or [""]
