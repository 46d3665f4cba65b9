"""Cells are read exactly as printed: blanks, full-width digits, separators, notes, signs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extraction.numbers import looks_like_value, parse_cell


@pytest.mark.parametrize(
    ("text", "kind", "value", "note"),
    [
        ("0", "count", 0, None),
        ("１２３", "count", 123, None),
        ("1,016,920", "count", 1016920, None),
        ("１，０１６，９２０", "count", 1016920, None),
        (" 36 ", "count", 36, None),
        ("", "count", None, None),
        ("—", "count", None, None),
        ("－", "count", None, None),
        ("-", "count", None, None),
        ("/", "count", None, None),
        ("无", "count", None, None),
        ("22（其中修订16件）", "count", 22, "(其中修订16件)"),
        ("251000元", "count", 251000, "元"),
        ("14505.4305", "money", "14505.4305", None),
        ("75394432.52元", "money", "75394432.52", "元"),
        ("1,234.50", "money", "1234.50", None),
        ("-3", "signed", -3, None),
        ("+3", "signed", 3, None),
        ("减少3", "signed", -3, None),
        ("-3", "count", -3, None),
    ],
)
def test_cells_read_as_printed(text: str, kind: str, value: object, note: str | None) -> None:
    parsed = parse_cell(text, kind)
    assert parsed.ok, parsed.error
    assert parsed.value == value
    assert parsed.note == note


@pytest.mark.parametrize(("text", "kind"), [("增3", "count"), ("3.5", "count"), ("见附件", "count"), ("约100", "count")])
def test_cells_that_are_not_counts_are_errors_not_guesses(text: str, kind: str) -> None:
    parsed = parse_cell(text, kind)
    assert not parsed.ok and parsed.value is None


@pytest.mark.parametrize("label", ["1.属于国家秘密", "1、申请人无正当理由", "3.其他", "2024年", "第二十条"])
def test_enumerated_labels_are_not_values(label: str) -> None:
    assert not looks_like_value(label)


@given(st.text(max_size=40))
def test_arbitrary_cell_text_never_crashes(text: str) -> None:
    parsed = parse_cell(text, "count")
    assert parsed.ok or parsed.value is None
    looks_like_value(text)
