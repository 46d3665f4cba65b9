"""Reading one printed cell into a value, exactly as printed.

Nothing here rounds, repairs or infers: a cell either reads as a number (with any text beside it kept
as a note), as a printed blank (None), or it does not read, and the caller reports that.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from extraction.textnorm import normalize_text

BLANK_MARKS = frozenset({"", "—", "——", "-", "--", "－", "/", "无", "─", "–", "\\", "／", "空"})

_NUMBER = re.compile(
    r"""^(?P<sign>[+\-−－]|增|减|增加|减少)?\s*
        (?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)
        \s*(?P<note>.*)$""",
    re.VERBOSE | re.DOTALL,
)
_ENUMERATOR = re.compile(r"^\d{1,2}\s*[.、．)）]\s*\D")
_NOTE_OK = re.compile(r"^(?:[（(\[【].*|[元万亿千百件个项条次人户家]{1,3}.*|%)$", re.DOTALL)


@dataclass(frozen=True)
class ParsedCell:
    value: int | str | None
    note: str | None = None
    error: str | None = None
    """Set when the text is not a number nor a printed blank; value is then None and meaningless."""

    @property
    def ok(self) -> bool:
        return self.error is None


@lru_cache(maxsize=65536)
def clean_cell_text(text: str) -> str:
    return re.sub(r"\s+", " ", normalize_text(text)).strip()


@lru_cache(maxsize=65536)
def looks_like_value(text: str) -> bool:
    """True for cells that hold a value (a number, possibly with a note, or a blank mark).

    Enumerated labels such as ``1.属于国家秘密`` start with a digit but are labels.
    """
    cleaned = clean_cell_text(text)
    if cleaned.replace(" ", "") in BLANK_MARKS:
        return True
    if _ENUMERATOR.match(cleaned):
        return False
    match = _NUMBER.match(cleaned)
    if not match:
        return False
    note = match.group("note").strip()
    return not note or bool(_NOTE_OK.match(note))


@lru_cache(maxsize=65536)
def parse_cell(text: str, kind: str = "count") -> ParsedCell:
    """Read a cell as printed. ``kind`` is ``count``, ``signed`` or ``money`` (see schema.FieldSpec)."""
    cleaned = clean_cell_text(text)
    compact = cleaned.replace(" ", "")
    if compact in BLANK_MARKS:
        return ParsedCell(None)
    match = _NUMBER.match(cleaned)
    if not match:
        return ParsedCell(None, error=f"not a number: {cleaned!r}")
    sign_text = match.group("sign") or ""
    number = match.group("num").replace(",", "")
    note = match.group("note").strip() or None
    if note and not _NOTE_OK.match(note):
        return ParsedCell(None, error=f"not a number: {cleaned!r}")
    negative = sign_text in {"-", "−", "－", "减", "减少"}
    if sign_text in {"增", "增加", "减", "减少"} and kind != "signed":
        return ParsedCell(None, note=note, error=f"{cleaned!r} is a change, not a count")
    if sign_text == "+" and kind != "signed":
        note = f"+{' ' + note if note else ''}"
    if kind == "money":
        if negative:
            return ParsedCell(None, error=f"negative amount {cleaned!r}")
        return ParsedCell(number, note=note)
    if "." in number:
        return ParsedCell(None, note=note, error=f"fraction {cleaned!r} where a whole count is due")
    value = int(number)
    if negative:
        value = -value  # kept as printed: the validator reports a negative count (I5), nothing is dropped
    return ParsedCell(value, note=note)
