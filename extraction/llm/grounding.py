"""Grounding: every number of an LLM answer must be printed in the source text of its table.

A model that "helps" by completing a total or fixing a sum produces numbers the report never
printed. The validator cannot see that when the invented number makes the identities hold, so each
value is looked up in the text the model was given (NFKC-normalised, thousands separators dropped).

The rule, per table section (表二 / 表三 / 表四 as cut by ``prompt.split_sections``):

1. A value is *grounded* when it occurs as a whole number token: not preceded or followed by
   another digit, a decimal point or a thousands separator (``82`` is not in ``1820`` nor in
   ``8.2``). Money keeps its decimals: ``14505.4305`` must appear with those digits. A signed
   2019 ``change`` is looked up by its absolute value.
2. No value may be used more often than it is printed: a table that prints ``0`` forty times
   supports forty zeros, not forty-five. Every printed cell is one token, so a model that turns a
   printed blank (``—``) into ``0`` or repeats a number into a wrong row is caught even for the
   small numbers that rule 1 alone finds almost anywhere (0–9 occur in every table's row labels
   and dates). This is why small numbers are not exempt: they are held by the count instead.
3. Some text layers glue a row's cells into one digit run (``640020470``, ``500000 5``). A row
   (or a whole table, for 表四's single line of 15 values) is grounded when its values, in template
   order, spell consecutive printed numbers, split only between values, at least one of which holds
   several values; its cells then do not take part in rule 2. A row label's enumerator glued to the
   previous row's digits (``…30000033.要求…`` = ``3000003`` + ``3.``) is split off first.

Anything else is a hard finding ``G1`` that names the cell and the value.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from extraction.record import Finding, Record, Value
from extraction.schema import TABLES, CellKey, Template, all_cells, describe_cell
from extraction.textnorm import normalize_text

_NUMBER = re.compile(r"(?<![\d.,])\d{1,3}(?:,\d{3})+(?:\.\d+)?(?![\d,]|\.\d)|(?<![\d.,])\d+(?:\.\d+)?(?![\d,]|\.\d)")
_MAX_CELLS_NAMED = 6


_GLUED_ENUMERATOR = re.compile(r"(?<=\d)(\d)\.(?=[^\d\s.])")
"""``…重复申请30000033.要求…``: the next row's ``3.`` glued to a row's digits."""


def _numbers_in_order(text: str) -> list[str]:
    """The numbers printed in ``text`` in reading order, thousands separators dropped.

    A row enumerator glued to the previous row's digits is split off first, so that the row's
    digits and the ``3.`` of the next label are two numbers, as printed.
    """
    text = _GLUED_ENUMERATOR.sub(r" \1.", normalize_text(text))
    return [m.group(0).replace(",", "") for m in _NUMBER.finditer(text)]


def number_tokens(text: str) -> Counter[str]:
    """Every number printed in ``text``, thousands separators dropped, with how often it occurs."""
    return Counter(_numbers_in_order(text))


def value_token(value: Value) -> str | None:
    """The token a printed value appears as; None for a blank."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return str(abs(value))
    text = normalize_text(str(value)).replace(",", "").strip().lstrip("+-")
    return text or None


def ground(record: Record, sections: dict[str, str], cells: Iterable[CellKey] | None = None) -> list[Finding]:
    """G1 findings for the values of ``record`` (all cells, or ``cells``) not printed in their section.

    ``sections`` maps a table key to the text it was read from; a table without a section is not
    checked here (the caller decides what that means, e.g. a scan has no text at all).
    """
    template: Template = record.template or "2021"
    wanted = set(cells) if cells is not None else None
    findings: list[Finding] = []
    for table in TABLES:
        source = sections.get(table)
        if source is None:
            continue
        keys = [k for k in all_cells(template) if k[0] == table and record.has(k)]
        glued = _glued_cells(record, template, table, source)
        supply = number_tokens(source)
        used: dict[str, list[CellKey]] = {}
        for key in keys:
            token = value_token(record.value(key))
            if token is None or key in glued:
                continue
            used.setdefault(token, []).append(key)
        for token, holders in used.items():
            checked = [k for k in holders if wanted is None or k in wanted]
            if not checked:
                continue
            if supply[token] == 0:
                findings += [_absent(template, k, record.value(k)) for k in checked]
            elif len(holders) > supply[token]:
                findings.append(_overused(template, checked, record.value(checked[0]), len(holders), supply[token]))
    return findings


def _glued_cells(record: Record, template: Template, table: str, source: str) -> set[CellKey]:
    """Cells grounded by rule 3: their row's (or table's) values, in order, are consecutive printed
    numbers of which at least one holds several values glued together (``500000 5``)."""
    printed = _numbers_in_order(source)
    if not any(len(token) > 1 for token in printed):
        return set()
    rows: dict[str, list[CellKey]] = {}
    for key in all_cells(template):
        if key[0] == table and record.has(key):
            rows.setdefault(key[1], []).append(key)
    grounded: set[CellKey] = set()
    whole_table = [k for row_keys in rows.values() for k in row_keys]
    for keys in [*rows.values(), whole_table]:
        held = [(k, value_token(record.value(k))) for k in keys]
        values = [t for _, t in held if t is not None]
        if len(values) >= 2 and _printed_glued(values, printed):
            grounded.update(k for k, t in held if t is not None)
    return grounded


def _printed_glued(values: list[str], printed: list[str]) -> bool:
    """True when consecutive printed numbers, split only between values, spell ``values`` and at
    least one of them holds two or more values."""
    target = "".join(values)
    bounds = set()
    length = 0
    for value in values:
        length += len(value)
        bounds.add(length)
    for start in range(len(printed)):
        spelled, used = "", 0
        for token in printed[start:]:
            spelled += token
            used += 1
            if len(spelled) not in bounds or not target.startswith(spelled):
                break
            if spelled == target:
                if used < len(values):
                    return True
                break
    return False


def _absent(template: Template, key: CellKey, value: Value) -> Finding:
    return Finding(
        "G1", "hard",
        f"G1 {describe_cell(template, key)}: {value} does not occur in the source text (not printed there)",
        (key,), printed=value,
    )


def _overused(template: Template, keys: list[CellKey], value: Value, used: int, printed: int) -> Finding:
    names = [describe_cell(template, k) for k in keys[:_MAX_CELLS_NAMED]]
    more = f" and {len(keys) - _MAX_CELLS_NAMED} more" if len(keys) > _MAX_CELLS_NAMED else ""
    return Finding(
        "G1", "hard",
        f"G1 {value} is given in {used} cells but printed {printed} times in the source text: "
        f"{'; '.join(names)}{more}",
        tuple(keys), expected=printed, printed=used, diff=used - printed,
    )


def ground_text(value: str | None, source: str) -> bool:
    """True when a title value (issuing body) is printed in the source, spaces ignored."""
    if not value:
        return True
    squash = re.compile(r"\s+")
    return squash.sub("", normalize_text(value)) in squash.sub("", normalize_text(source))
