"""The one validator: every record (parser, LLM or reviewer) is checked here and only here.

Hard identities I1–I5 send a record to review; soft checks S1–S3 warn. A finding names the cells,
the expected and the printed value and the difference, in words a reviewer can act on. Blank cells
(None) count as 0, except that a blank 总计 cell is not checked against its row (I2), and the 总计 column
is not summed over the result rows (I3) when some of them leave 总计 blank: many real tables print 总计
only on 一/二/（七）/四. That column is still bound by I1, and （七）总计 by its own row (I2).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import replace

from extraction.prose import ProseClaim
from extraction.record import CellValue, Finding, Record, Value
from extraction.schema import (
    ACTIVE,
    APPLICANT_COLUMNS,
    APPLICANT_PARTS,
    APPLICATION_ROWS,
    APPLICATIONS,
    RESULT_ROW_KEYS,
    REVIEW,
    ROWS_ABSENT_IN_2019,
    REVIEW_ROWS,
    CellKey,
    Template,
    describe_cell,
    field_spec,
    required_cells,
)

_COLUMN_LABEL = {c.key: c.label for c in APPLICANT_COLUMNS}
_MONEY = re.compile(r"^\d+(?:\.\d+)?$")


class _Cells:
    """A read-only snapshot of a record's values: the checks below read every cell several times."""

    __slots__ = ("value", "has", "template")

    def __init__(self, record: Record) -> None:
        values = {key: cell.value for key, cell in record.cells.items()}
        self.value = values.get
        self.has = values.__contains__
        self.template = record.template


def validate(record: Record, prose_claims: Iterable[ProseClaim] = ()) -> list[Finding]:
    template: Template = record.template or "2021"
    cells = _Cells(record)
    findings = _check_domain(cells, template)
    findings += _check_balance(cells)
    findings += _check_row_totals(cells)
    findings += _check_results_sum(cells)
    findings += _check_review_totals(cells)
    findings += _check_prose(cells, prose_claims)
    return findings


def validate_neighbour(record: Record, previous: Record) -> list[Finding]:
    """Soft cross-year checks against the same body's previous year (S1 carry-over, S2 stock-flow)."""
    findings: list[Finding] = []
    for col in APPLICANT_COLUMNS:
        now_key = (APPLICATIONS, "carried_over", col.key)
        before_key = (APPLICATIONS, "carried_forward", col.key)
        if record.has(now_key) and previous.has(before_key):
            now, before = _n(record.value(now_key)), _n(previous.value(before_key))
            if now != before:
                findings.append(Finding(
                    "S1", "soft",
                    f"S1 {col.label}: 上年结转 = {now}, {previous.year}年 结转下年度继续办理 = {before} (diff {now - before})",
                    (now_key,), expected=before, printed=now, diff=now - before,
                ))
    if record.template == "2021" and previous.template == "2021":
        for row, label in (("rules", "规章"), ("normative_documents", "行政规范性文件")):
            keys = [(ACTIVE, row, f) for f in ("issued", "repealed", "in_force")]
            prev_key = (ACTIVE, row, "in_force")
            if all(record.has(k) for k in keys) and previous.has(prev_key):
                issued, repealed, in_force = (_n(record.value(k)) for k in keys)
                expected = _n(previous.value(prev_key)) + issued - repealed
                if expected != in_force:
                    findings.append(Finding(
                        "S2", "soft",
                        f"S2 {label}: 上年现行有效 + 本年制发 − 本年废止 = {expected}, 现行有效件数 = {in_force}"
                        f" (diff {in_force - expected})",
                        (keys[2],), expected=expected, printed=in_force, diff=in_force - expected,
                    ))
    return findings


def neighbour_fit(record: Record, cells: tuple[CellKey, ...], readings: Iterable[tuple[Value, ...]],
                  previous: Record | None = None, following: Record | None = None) -> list[list[str]] | None:
    """For each candidate reading of ``cells``: the cross-year findings (S1/S2) it alone would raise.

    A digit run with several splits is never decided here: this only tells a reviewer which reading
    agrees with the neighbouring years. None when no stored neighbour tells the readings apart.
    """
    readings = list(readings)
    found: list[set[str]] = []
    for reading in readings:
        candidate = replace(record, cells=dict(record.cells))
        for key, value in zip(cells, reading, strict=True):
            candidate.cells[key] = CellValue(value=value, raw="" if value is None else str(value))
        messages: list[str] = []
        if previous is not None:
            messages += [f.message for f in validate_neighbour(candidate, previous)]
        if following is not None:
            messages += [f.message for f in validate_neighbour(following, candidate)]
        found.append(set(messages))
    if len(found) < 2 or all(f == found[0] for f in found):
        return None
    common = set.intersection(*found)
    return [sorted(f - common) for f in found]


def _n(value: object) -> int:
    return value if isinstance(value, int) else 0


def _all_present(record: _Cells, keys: Iterable[CellKey]) -> bool:
    return all(record.has(k) for k in keys)


def _check_domain(record: _Cells, template: Template) -> list[Finding]:
    findings: list[Finding] = []
    missing: dict[tuple[str, str], list[CellKey]] = {}
    for key in required_cells(template):
        if not record.has(key):
            missing.setdefault(key[:2], []).append(key)
            continue
        value = record.value(key)
        if value is None:
            continue
        kind = field_spec(template, key).kind
        problem = None
        if kind == "money":
            if not (isinstance(value, str) and _MONEY.match(value)):
                problem = f"{value!r} is not an amount"
        elif isinstance(value, bool) or not isinstance(value, int):
            problem = f"{value!r} is not a whole number"
        elif value < 0 and kind != "signed":
            problem = f"{value} is negative"
        if problem:
            findings.append(Finding("I5", "hard", f"I5 {describe_cell(template, key)}: {problem}", (key,), printed=value))
    for (table, row), keys in missing.items():
        where = describe_cell(template, keys[0]).rsplit(" · ", 1)[0]
        what = "all cells" if len(keys) > 1 and len(keys) == _row_width(template, table, row) else ", ".join(
            describe_cell(template, k).rsplit(" · ", 1)[1] for k in keys
        )
        findings.append(Finding("I5", "hard", f"I5 {where}: not read ({what})", tuple(keys)))
    return findings


def _row_width(template: Template, table: str, row: str) -> int:
    return sum(1 for k in required_cells(template) if k[0] == table and k[1] == row)


def _check_balance(record: _Cells) -> list[Finding]:
    findings: list[Finding] = []
    for col in APPLICANT_COLUMNS:
        keys = [(APPLICATIONS, r, col.key) for r in ("new_received", "carried_over", "total", "carried_forward")]
        if not _all_present(record, keys):
            continue
        received, carried, total, forward = (_n(record.value(k)) for k in keys)
        left, right = received + carried, total + forward
        if left != right:
            findings.append(Finding(
                "I1", "hard", f"I1 {col.label}: 一+二 = {left}, （七）+四 = {right} (diff {left - right})",
                tuple(keys), expected=left, printed=right, diff=left - right,
            ))
    return findings


def _check_row_totals(record: _Cells) -> list[Finding]:
    findings: list[Finding] = []
    for row in APPLICATION_ROWS:
        total_key = (APPLICATIONS, row.key, "total")
        part_keys = [(APPLICATIONS, row.key, p) for p in APPLICANT_PARTS]
        if not _all_present(record, [total_key, *part_keys]) or record.value(total_key) is None:
            continue
        expected = sum(_n(record.value(k)) for k in part_keys)
        printed = _n(record.value(total_key))
        if expected != printed:
            findings.append(Finding(
                "I2", "hard",
                f"I2 {row.label}: 总计 = {printed}, sum of the six applicant columns = {expected} (diff {printed - expected})",
                (total_key, *part_keys), expected=expected, printed=printed, diff=printed - expected,
            ))
    return findings


def _check_results_sum(record: _Cells) -> list[Finding]:
    findings: list[Finding] = []
    for col in APPLICANT_COLUMNS:
        total_key = (APPLICATIONS, "total", col.key)
        part_keys = [(APPLICATIONS, r, col.key) for r in RESULT_ROW_KEYS]
        present = [k for k in part_keys if record.has(k)]
        absent = _absent_rows(record)
        if not record.has(total_key) or len(present) < len(part_keys) - len(absent):
            continue
        if col.key == "total" and any(record.value(k) is None and k[1] not in absent for k in present):
            continue  # 总计 printed only on 一/二/（七）/四: blank sub-row totals are not summed (cf. I2)
        expected = sum(_n(record.value(k)) for k in present)
        printed = _n(record.value(total_key))
        if expected != printed:
            findings.append(Finding(
                "I3", "hard",
                f"I3 {col.label}: （七）总计 = {printed}, sum of results （一）…（六） = {expected} (diff {printed - expected})",
                (total_key, *present), expected=expected, printed=printed, diff=printed - expected,
            ))
    return findings


def _absent_rows(record: _Cells) -> tuple[str, ...]:
    """Rows the record's template does not print (their null cells are not printed blanks)."""
    return ROWS_ABSENT_IN_2019 if record.template == "2019" else ()


def _check_review_totals(record: _Cells) -> list[Finding]:
    findings: list[Finding] = []
    for group in REVIEW_ROWS:
        keys = [(REVIEW, group.key, f.key) for f in group.fields]
        if not _all_present(record, keys) or record.value(keys[-1]) is None:
            continue
        expected = sum(_n(record.value(k)) for k in keys[:-1])
        printed = _n(record.value(keys[-1]))
        if expected != printed:
            findings.append(Finding(
                "I4", "hard",
                f"I4 {group.label}: 总计 = {printed}, 维持+纠正+其他+尚未审结 = {expected} (diff {printed - expected})",
                tuple(keys), expected=expected, printed=printed, diff=printed - expected,
            ))
    return findings


def _check_prose(record: _Cells, claims: Iterable[ProseClaim]) -> list[Finding]:
    findings: list[Finding] = []
    for claim in claims:
        if not _all_present(record, claim.cells):
            continue
        table_value = sum(_n(record.value(k)) for k in claim.cells)
        others = [sum(_n(record.value(k)) for k in cells) for cells in claim.also if _all_present(record, cells)]
        if table_value != claim.value and claim.value not in others:
            where = " + ".join(describe_cell(record.template or "2021", k) for k in claim.cells)
            findings.append(Finding(
                "S3", "soft",
                f"S3 prose says “{claim.quote}” ({claim.value}); {where} = {table_value} (diff {claim.value - table_value})",
                claim.cells, expected=claim.value, printed=table_value, diff=claim.value - table_value,
            ))
    return findings
