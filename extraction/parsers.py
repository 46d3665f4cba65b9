"""Read 表二, 表三 and 表四 from labelled rows into record cells, values exactly as printed.

Rows are matched to the template by what their labels say (after normalising whitespace,
punctuation and enumerators), in template order, so wrapped, vertical, renumbered (``1、``) or
slightly renamed labels still land on the right row. A row whose cell count does not fit is
reported, never padded or shifted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extraction.numbers import parse_cell
from extraction.record import CellValue
from extraction.rows import LabelledRow, SourceCell
from extraction.schema import (
    ACTIVE,
    APPLICATION_ROWS,
    APPLICATIONS,
    REVIEW,
    REVIEW_ROWS,
    ROWS_ABSENT_IN_2019,
    CellKey,
    RowSpec,
    Template,
    active_rows,
)


@dataclass
class TableRead:
    table: str
    found: bool = False
    cells: dict[CellKey, CellValue] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """Why a row or cell could not be read; each becomes a hard finding."""
    notes: list[str] = field(default_factory=list)
    unplaced: list[str] = field(default_factory=list)
    """Labels of rows with values that match no template row."""
    choices: dict[str, tuple[tuple[CellKey, ...], tuple[tuple[int | str, ...], ...]]] = field(default_factory=dict)
    """Problem message → (the row's cells, the readings a reviewer may pick) for runs that split several ways."""

    def leave_unplaced(self, row: LabelledRow, where: str) -> None:
        """Values under no recognised label. A row's worth of numbers (3 or more) is a problem a reviewer
        must see — they may be the numbers of a row reported missing; a stray one only lowers confidence."""
        self.unplaced.append(row.label[-30:])
        printed = [v.text for v in row.values if v.text.strip()]
        if len(printed) >= 3:
            self.problems.append(f"{where}: {len(printed)} values under no recognised row label"
                                 f" ({row.locator}: “{row.label[-20:]}” {' '.join(printed)})")


# Patterns are searched in the tail of the normalised label: text accumulated before a row's own
# label (headers, wrapped leftovers of the previous row) must not decide the match.
_ACTIVE_PATTERNS: dict[str, str] = {
    "rules": r"规章",
    "normative_documents": r"规范性文件",
    "administrative_licensing": r"行政许可",
    "other_external_services": r"其他对外管理服务事项|其他对外管理服务",
    "administrative_penalty": r"行政处罚",
    "administrative_coercion": r"行政强制",
    "administrative_fees": r"行政事业性收费",
    "government_procurement": r"政府集中采购",
}
_APPLICATION_PATTERNS: dict[str, str] = {
    "new_received": r"本年新收",
    "carried_over": r"上年结转",
    "granted": r"予以公开",
    "partially_granted": r"部分公开",
    "denied_state_secret": r"国家秘密",
    "denied_prohibited_by_law": r"禁止公开",
    "denied_safety_stability": r"三安全一稳定|危及",
    "denied_third_party_rights": r"第三方合法权益",
    "denied_internal_affairs": r"内部事务",
    "denied_process_information": r"过程性信息",
    "denied_law_enforcement_files": r"执法案卷",
    "denied_administrative_query": r"行政查询",
    "unable_not_held": r"不掌握",
    "unable_needs_creation": r"另行制作|没有现成信息",
    "unable_unclear_after_correction": r"仍不明确|补正后申请内容",
    "not_processed_complaint": r"信访|举报投诉",
    "not_processed_repeated": r"重复申请",
    "not_processed_publications": r"公开出版物",
    "not_processed_massive_repeated": r"大量反复",
    "not_processed_confirm_or_reissue": r"重新出具|确认或重新",
    "other_overdue_correction": r"逾期不补正",
    "other_overdue_fee": r"收费通知|缴纳费用",
    "other_other": r"其他(?:处理)?$",
    "total": r"总计$",
    "carried_forward": r"结转下年度",
}
_REVIEW_GROUP_PATTERNS: dict[str, str] = {
    "reconsideration": r"行政法?复议$|^行政法?复议",
    "litigation_direct": r"未经复议",
    "litigation_after_reconsideration": r"复议后",
}
_TAIL_ACTIVE = 14
_TAIL_APPLICATIONS = 48


def _match_end(pattern: str, norm: str, tail: int) -> int:
    """Where the pattern's last match ends in the label's tail; -1 when it does not occur."""
    ends = [m.end() for m in re.finditer(pattern, norm[-tail:])]
    return ends[-1] if ends else -1


_GENERIC_ROWS = frozenset({"other_other", "total"})
"""Rows whose label (其他, 总计) also ends other labels' wrapped text: never chosen over an earlier match."""
_LOOKAHEAD = 2


def _which_row(specs: tuple[RowSpec, ...], patterns: dict[str, str], pointer: int, norm: str, tail: int) -> int | None:
    """The template row (from ``pointer`` on) that the values printed after this label belong to.

    The first row in template order whose label occurs — unless one of the next rows' labels stands
    later in the same text: a PDF without ruling lines can print a wrapped label after the numbers it
    belongs to, so a label run may hold two row labels, and the values belong to the one nearest them.
    The earlier row then has no values and is reported missing, never given its neighbour's numbers.
    """
    first = next((j for j in range(pointer, len(specs)) if _match_end(patterns[specs[j].key], norm, tail) >= 0), None)
    if first is None:
        return None
    best, best_end = first, _match_end(patterns[specs[first].key], norm, tail)
    for j in range(first + 1, min(first + 1 + _LOOKAHEAD, len(specs))):
        if specs[j].key in _GENERIC_ROWS:
            continue
        end = _match_end(patterns[specs[j].key], norm, tail)
        if end > best_end:
            best, best_end = j, end
    return best


def _trim_blank_tail(values: list[SourceCell], wanted: int) -> list[SourceCell]:
    """Drop empty trailing grid cells beyond the count wanted (layout padding, not printed blanks)."""
    values = list(values)
    while len(values) > wanted and not values[-1].text.strip():
        values.pop()
    return values


def _has_content(values: list[SourceCell]) -> bool:
    return any(v.text.strip() for v in values)


def _holds_values(row: LabelledRow, width: int) -> bool:
    """A row to read: it prints a value, or it is a grid row with a whole row of cells left blank.

    A blank cell is a printed blank (null); a grid row whose every value cell is blank is a row printed
    blank, not a header. Text dumps drop blank cells, so there only printed values count.
    """
    return _has_content(row.values) or (row.from_table and len(row.values) >= width)


def _place_row(read: TableRead, table: str, spec: RowSpec, row: LabelledRow, where: str) -> None:
    wanted = len(spec.fields)
    values = _trim_blank_tail(row.values, wanted)
    if row.from_table and len(values) > wanted and not any(v.text.strip() for v in values[: len(values) - wanted]):
        # A grid's value columns are its last ones: empty cells before them are the label's span padding.
        values = values[len(values) - wanted :]
    if len(values) != wanted:
        read.problems.append(
            f"{where} {spec.label}: {len(values)} values printed where {wanted} are expected"
            f" ({row.locator}: {' '.join(v.text for v in values) or 'none'})"
        )
        return
    _place_cells(read, table, spec, values, where)


def _place_cells(read: TableRead, table: str, spec: RowSpec, cells: list[SourceCell], where: str) -> None:
    """Each cell read as printed; one that does not read is a problem, never a guess."""
    for fld, cell in zip(spec.fields, cells, strict=True):
        parsed = parse_cell(cell.text, fld.kind)
        if not parsed.ok:
            read.problems.append(f"{where} {spec.label} · {fld.label}: {parsed.error} ({cell.source.locator})")
            continue
        read.cells[(table, spec.key, fld.key)] = CellValue(
            value=parsed.value, raw=cell.text, note=parsed.note, source=cell.source
        )


def read_active(rows: list[LabelledRow], span: tuple[int, int] | None, template: Template) -> TableRead:
    read = TableRead(ACTIVE)
    if span is None:
        return read
    read.found = True
    specs = active_rows(template)
    pointer = 0
    for row in rows[span[0] : span[1]]:
        if not _holds_values(row, 1) or not row.label:
            continue
        j = _which_row(specs, _ACTIVE_PATTERNS, pointer, row.norm, _TAIL_ACTIVE)
        if j is None:
            if _has_content(row.values):  # an all-blank row under no label is layout (a section heading)
                read.leave_unplaced(row, "表二")
            continue
        _place_row(read, ACTIVE, specs[j], row, "表二")
        pointer = j + 1
    return read


def read_applications(rows: list[LabelledRow], span: tuple[int, int] | None, template: Template) -> TableRead:
    read = TableRead(APPLICATIONS)
    if span is None:
        return read
    read.found = True
    pointer = 0
    matched: dict[str, LabelledRow] = {}
    for row in rows[span[0] : span[1]]:
        if not _holds_values(row, len(APPLICATION_ROWS[0].fields)):
            continue
        j = _which_row(APPLICATION_ROWS, _APPLICATION_PATTERNS, pointer, row.norm, _TAIL_APPLICATIONS)
        if j is None:
            if _has_content(row.values):
                read.leave_unplaced(row, "表三")
            continue
        spec = APPLICATION_ROWS[j]
        _place_row(read, APPLICATIONS, spec, row, "表三")
        matched[spec.key] = row
        pointer = j + 1
    other = matched.get("other_other")
    single_other = (
        other is not None
        and re.search(r"其他处理$", other.norm) is not None
        and not any(key in matched for key in ROWS_ABSENT_IN_2019)
    )
    if single_other:
        mark_other_as_one_row(read, template)
    return read


def mark_other_as_one_row(read: TableRead, template: Template) -> None:
    """（六）其他处理 printed as one row (2019, or a 2021 report that does so): its values are in 3.其他,
    and sub-rows 1 and 2 are null, as the spec records 2019 reports."""
    for spec in APPLICATION_ROWS:
        if spec.key in ROWS_ABSENT_IN_2019:
            for fld in spec.fields:
                read.cells[(APPLICATIONS, spec.key, fld.key)] = CellValue(
                    value=None, raw="", note="（六）其他处理 printed as one row"
                )
    if template == "2021":
        read.notes.append("（六）其他处理 printed as one row: its values are in 3.其他, sub-rows 1 and 2 are null")


def read_review(rows: list[LabelledRow], span: tuple[int, int] | None) -> TableRead:
    read = TableRead(REVIEW)
    if span is None:
        return read
    read.found = True
    value_rows = [r for r in rows[span[0] : span[1]] if _holds_values(r, 15)]
    by_group: dict[str, LabelledRow] = {}
    for row in value_rows:
        for group, pattern in _REVIEW_GROUP_PATTERNS.items():
            if len(_trim_blank_tail(row.values, 5)) == 5 and re.search(pattern, row.norm[-12:]):
                by_group.setdefault(group, row)
    if len(by_group) == 3:
        for spec in REVIEW_ROWS:
            _place_row(read, REVIEW, spec, by_group[spec.key], "表四")
        return read
    flat: list[SourceCell] = []
    for row in value_rows:
        flat.extend(_trim_blank_tail(row.values, 15 - len(flat)))
        if len(flat) >= 15:
            break
    if len(flat) != 15:
        read.problems.append(
            f"表四: {len(flat)} values printed where 15 are expected"
            f" ({value_rows[0].locator if value_rows else 'no value row'})"
        )
        return read
    for i, spec in enumerate(REVIEW_ROWS):
        _place_cells(read, REVIEW, spec, flat[i * 5 : (i + 1) * 5], "表四")
    return read
