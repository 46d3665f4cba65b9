"""Tables that a web page flattened into one run of text: ``…申请数量640020470二、上年结转…``.

Rows are found by their labels in template order and the text between one label and the next is
that row's cells. Where the cells carry no separators, ``digitruns`` splits them using the template's
cell counts and the identities; a split is taken only when it is the only one the identities allow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.digitruns import Solution, solve_active, solve_applications, solve_review
from extraction.numbers import parse_cell
from extraction.parsers import TableRead, mark_other_as_one_row
from extraction.prose import ProseClaim
from extraction.record import CellValue, SourceRef
from extraction.schema import (
    ACTIVE,
    APPLICATION_ROWS,
    APPLICATIONS,
    REVIEW,
    REVIEW_ROWS,
    ROWS_ABSENT_IN_2019,
    TABLE_LABELS,
    Template,
    active_rows,
    table_rows,
)
from extraction.textnorm import normalize_text


def _loose(text: str) -> str:
    """A label as a regex that tolerates whitespace between any two characters."""
    return r"\s*".join(re.escape(ch) for ch in text)


_ACTIVE_LABELS: dict[str, str] = {
    "rules": _loose("规章"),
    "normative_documents": r"(?:行\s*政\s*)?" + _loose("规范性文件"),
    "administrative_licensing": _loose("行政许可"),
    "other_external_services": _loose("其他对外管理服务事项"),
    "administrative_penalty": _loose("行政处罚"),
    "administrative_coercion": _loose("行政强制"),
    "administrative_fees": _loose("行政事业性收费"),
    "government_procurement": _loose("政府集中采购"),
}
_APPLICATION_LABELS: dict[str, str] = {
    "new_received": _loose("本年新收政府信息公开申请数量"),
    "carried_over": _loose("上年结转政府信息公开申请数量"),
    "granted": _loose("予以公开"),
    "partially_granted": _loose("部分公开") + r"(?:\s*\([^)]*\))?",
    "denied_state_secret": _loose("属于国家秘密"),
    "denied_prohibited_by_law": _loose("其他法律行政法规禁止公开"),
    "denied_safety_stability": _loose("危及") + r"\W{0,2}" + _loose("三安全一稳定") + r"\W?",
    "denied_third_party_rights": _loose("保护第三方合法权益"),
    "denied_internal_affairs": _loose("属于三类内部事务信息"),
    "denied_process_information": _loose("属于四类过程性信息"),
    "denied_law_enforcement_files": _loose("属于行政执法案卷"),
    "denied_administrative_query": _loose("属于行政查询事项"),
    "unable_not_held": _loose("本机关不掌握相关政府信息"),
    "unable_needs_creation": _loose("没有现成信息需要另行制作"),
    "unable_unclear_after_correction": _loose("补正后申请内容仍不明确"),
    "not_processed_complaint": _loose("信访举报投诉类申请"),
    "not_processed_repeated": _loose("重复申请"),
    "not_processed_publications": _loose("要求提供公开出版物"),
    "not_processed_massive_repeated": _loose("无正当理由大量反复申请"),
    "not_processed_confirm_or_reissue": _loose("要求行政机关确认或重新出具已获取信息"),
    "other_overdue_correction": _loose("申请人无正当理由逾期不补正") + r"[^\d]*?" + _loose("政府信息公开申请"),
    "other_overdue_fee": _loose("申请人逾期未按收费通知") + r"[^\d]*?" + _loose("政府信息公开申请"),
    "other_other": r"(?:\d\s*[.、．]\s*其\s*他|其\s*他\s*处\s*理)(?![\u4e00-\u9fff])",
    "total": _loose("总计"),
    "carried_forward": _loose("结转下年度继续办理"),
}
_ACTIVE_VALUE = re.compile(r"[\s\d.,+\-−]*(?:[元万亿]+)?")
_UNIT = re.compile(r"[元万亿]+$")
_MAX_CHOICES = 24
"""Readings offered to a reviewer as buttons; the message still counts them all."""
_COUNT_VALUE = re.compile(r"[\s\d]*")
_ENUMERATOR_NEXT = re.compile(r"\s*[.、．]")
_ACTIVE_ANCHOR = re.compile(r"第\s*二\s*十\s*条\s*第\s*\(\s*一\s*\)\s*项")
_APPLICATION_ANCHOR = re.compile(r"勾稽关系为|本列数据|本年新收政府信息公开申请数量")
_REVIEW_ANCHOR = re.compile(r"未经复议直接起诉|复议后起诉")
_REVIEW_END = re.compile(r"五\s*、|存在的主要问题")


@dataclass(frozen=True)
class _Span:
    key: str
    text: str


def _cut_rows(stream: str, start: int, end: int, labels: dict[str, str], keys: list[str]) -> list[_Span]:
    """Find each row label in order; the text up to the next found label holds that row's cells."""
    found: list[tuple[str, int, int]] = []
    pos = start
    for key in keys:
        match = re.compile(labels[key]).search(stream, pos, end)
        if match:
            found.append((key, match.start(), match.end()))
            pos = match.end()
    spans: list[_Span] = []
    for i, (key, _, label_end) in enumerate(found):
        stop = found[i + 1][1] if i + 1 < len(found) else end
        spans.append(_Span(key, _leading_cells(stream[label_end:stop], money=labels is _ACTIVE_LABELS)))
    return spans


def _leading_cells(text: str, money: bool) -> str:
    """The cells printed right after a label, up to the next label.

    An enumerator glued to the next label (``00000002.其他法律…``) is not a cell: a digit followed by
    ``.`` or ``、`` belongs to the label that follows.
    """
    if money:
        return (_ACTIVE_VALUE.match(text) or _COUNT_VALUE.match(text)).group(0).strip()  # type: ignore[union-attr]
    cells = _COUNT_VALUE.match(text).group(0)  # type: ignore[union-attr]
    if cells.rstrip() == cells and cells and _ENUMERATOR_NEXT.match(text, len(cells)):
        cells = cells[:-1]
    return cells.strip()


def _stream(lines: list[str]) -> str:
    return normalize_text(" ".join(lines))


def read_flattened(lines: list[str], template: Template, claims: list[ProseClaim]) -> list[TableRead]:
    """Read the three tables from running text; returns the same TableRead as the grid/row parsers."""
    stream = _stream(lines)
    a3 = _APPLICATION_ANCHOR.search(stream)
    a2 = _ACTIVE_ANCHOR.search(stream, 0, a3.start() if a3 else len(stream))
    a4 = _REVIEW_ANCHOR.search(stream, a3.end() if a3 else 0)
    end4 = _REVIEW_END.search(stream, a4.end()) if a4 else None
    locator = "text (cells printed without separators)"
    hints = {(c.cells[0][1], c.cells[0][2]): c.value for c in claims if len(c.cells) == 1 and not c.also}

    active = TableRead(ACTIVE)
    if a2:
        active.found = True
        stop = a3.start() if a3 else len(stream)
        specs = {s.key: s for s in active_rows(template)}
        spans = _cut_rows(stream, a2.end(), stop, _ACTIVE_LABELS, list(specs))
        _fill(active, spans, {k: len(s.fields) for k, s in specs.items()}, template, locator, hints)
    applications = TableRead(APPLICATIONS)
    if a3:
        applications.found = True
        keys = [r.key for r in APPLICATION_ROWS]
        spans = _cut_rows(stream, a3.start(), a4.start() if a4 else len(stream), _APPLICATION_LABELS, keys)
        _fill(applications, spans, {k: 7 for k in keys}, template, locator, hints)
    review = TableRead(REVIEW)
    if a4:
        review.found = True
        region = stream[a4.end() : end4.start() if end4 else len(stream)]
        digits = re.search(r"\d[\d\s]*", region)
        _fill(review, [_Span("*", digits.group(0).strip() if digits else "")], {"*": 15}, template, locator, hints)
    return [active, applications, review]


def _fill(read: TableRead, spans: list[_Span], widths: dict[str, int], template: Template, locator: str,
          hints: dict[tuple[str, str], int]) -> None:
    """Cells that are cleanly separated are read directly; the rest go to the digit-run solver."""
    source = SourceRef(locator=locator)
    clean: dict[str, tuple[int, ...]] = {}
    runs: dict[str, str] = {}
    for span in spans:
        tokens = span.text.split()
        if read.table == ACTIVE:
            runs[span.key] = span.text
            continue
        if len(tokens) == widths[span.key] and all(re.fullmatch(r"0|[1-9]\d*", t) for t in tokens):
            clean[span.key] = tuple(int(t) for t in tokens)
        elif span.text and re.fullmatch(r"[\d\s]+", span.text):
            runs[span.key] = span.text
        else:
            read.problems.append(f"{_where(read.table, span.key, template)}: cannot read {span.text[:40]!r} as cells")
    if read.table == APPLICATIONS:
        single_other = "other_other" in runs or "other_other" in clean
        if single_other and not any(k in runs or k in clean for k in ROWS_ABSENT_IN_2019):
            mark_other_as_one_row(read, template)
        try:
            solution = solve_applications({**clean, **runs}, hints)
        except ValueError as exc:
            read.problems.append(f"表三: {exc}")
            return
        raw = {**{k: " ".join(map(str, v)) for k, v in clean.items()}, **runs}
        _take(read, solution, raw, source, template)
    elif read.table == REVIEW:
        run = runs.get("*") or " ".join(map(str, clean.get("*", ())))
        if not run:
            read.problems.append("表四: no cells found after the header")
            return
        _take(read, solve_review(run, hints), {row.key: run for row in REVIEW_ROWS} | {REVIEW: run}, source, template)
    else:
        wanted = {k: (v, widths[k]) for k, v in runs.items() if v}
        for key in (k for k in widths if k not in wanted):
            read.problems.append(f"{_where(ACTIVE, key, template)}: row not found")
        try:
            solution = solve_active(wanted, template, hints)
        except ValueError as exc:
            read.problems.append(f"表二: {exc}")
            return
        _take(read, solution, {k: v[0] for k, v in wanted.items()}, source, template)


def _where(table: str, row: str, template: Template) -> str:
    """``表二 行政许可``: a row in a reviewer's words."""
    label = next((r.label for r in table_rows(table, template) if r.key == row), "")
    return f"{TABLE_LABELS[table].split()[0]} {label}".strip()


def _take(read: TableRead, solution: Solution, raw: dict[str, str], source: SourceRef, template: Template) -> None:
    """Keep only what the solution settles; every unsettled row is a problem that names its readings."""
    short = TABLE_LABELS[read.table].split()[0]
    for row, values in solution.values.items():
        printed = raw.get(row, "")
        for fld, value in zip(solution.fields[row], values, strict=True):
            kind = "money" if isinstance(value, str) else ("signed" if fld == "change" else "count")
            parsed = parse_cell(str(value), kind)
            note = f"split from the digit run {printed!r}" if len(printed.split()) < len(values) else None
            if kind == "money" and _UNIT.search(printed):
                note = _UNIT.search(printed).group(0)  # type: ignore[union-attr]
            read.cells[(read.table, row, fld)] = CellValue(parsed.value if parsed.ok else value, printed, note, source)
    read.notes.extend(solution.notes)
    for row, options in solution.options.items():
        where = short if row == REVIEW else _where(read.table, row, template)
        shown = "; ".join(" | ".join(map(str, o)) for o in options[:6])
        more = f" (+{len(options) - 6} more)" if len(options) > 6 else ""
        prose = solution.prose_fits.get(row)
        fit = f"; the prose states {', '.join(prose[:-1])}: {prose[-1]}, listed first" if prose else ""
        message = (f"{where}: digit run {raw.get(row, '')!r} splits several ways ({shown}{more}){fit}; a reviewer decides"
                   if options else f"{where}: digit run {raw.get(row, '')!r} fits no reading of the template")
        read.problems.append(message)
        if options and row in solution.fields:
            cells = tuple((read.table, row, f) for f in solution.fields[row])
            read.choices[message] = (cells, tuple(tuple(o) for o in options[:_MAX_CHOICES]))
    if solution.status in ("partial", "inconsistent") and not solution.options:
        read.problems.extend(f"{short}: {n}" for n in solution.notes if "no reading" in n)
