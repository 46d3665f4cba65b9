"""The three tables laid out as the template prints them, for the review page.

A read-only view model built from a stored report: row and column labels as printed (2021 and 2019),
merged label cells (``三、本年度办理结果`` spanning the result rows), and per cell the value shown, where
it came from and the findings that name it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from extraction.schema import (
    ACTIVE,
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    APPLICATIONS,
    REVIEW,
    REVIEW_ROWS,
    ROWS_ABSENT_IN_2019,
    TABLE_LABELS,
    RowSpec,
    Template,
    active_rows,
    describe_cell,
)
from review.records import display_value

ACTIVE_SECTIONS = {
    "rules": "第二十条第（一）项",
    "administrative_licensing": "第二十条第（五）项",
    "administrative_penalty": "第二十条第（六）项",
    "administrative_fees": "第二十条第（八）项",
    "government_procurement": "第二十条第（九）项",
}


@dataclass
class CellView:
    id: str
    text: str
    label: str
    kind: str
    present: bool
    raw: str = ""
    note: str = ""
    page: int | None = None
    box: list[float] | None = None
    locator: str = ""
    edited: bool = False
    severity: str = ""
    """``hard``, ``soft`` or empty: the worst finding naming this cell."""
    messages: list[str] = field(default_factory=list)
    findings: list[int] = field(default_factory=list)

    @property
    def dom_id(self) -> str:
        return "c-" + self.id.replace("/", "--")

    @property
    def title(self) -> str:
        return "\n".join(self.messages)

    @property
    def box_text(self) -> str:
        return ",".join(f"{v:g}" for v in self.box) if self.box else ""

    @property
    def css(self) -> str:
        classes = [f"f-{self.severity}"] if self.severity else []
        if not self.present:
            classes.append("missing")
        if self.edited:
            classes.append("edited")
        return " ".join(classes)


@dataclass
class LabelCell:
    text: str
    rowspan: int = 1
    colspan: int = 1


@dataclass
class GridRow:
    key: str
    labels: list[LabelCell]
    cells: list[CellView]
    codes: list[tuple[str, str]] = field(default_factory=list)
    """(code, severity) of the findings naming a cell of this row, for the badge column."""


@dataclass
class ActiveSection:
    title: str
    columns: list[str]
    rows: list[GridRow]


@dataclass
class Grid:
    template: Template
    active_title: str
    active: list[ActiveSection]
    applications_title: str
    applications: list[GridRow]
    review_title: str
    review: GridRow
    findings: list[dict[str, Any]]


def build_grid(record: dict[str, Any] | None, provenance: dict[str, Any], findings: list[dict[str, Any]],
               template: Template) -> Grid:
    record = record or {}
    by_cell: dict[str, list[int]] = {}
    for index, finding in enumerate(findings):
        for ident in finding.get("cells", []):
            by_cell.setdefault(ident, []).append(index)

    def cell(table: str, row: str, fld: str, kind: str) -> CellView:
        ident = f"{table}/{row}/{fld}"
        info = provenance.get(ident)
        value = ((record.get(table) or {}).get(row) or {}).get(fld)
        view = CellView(ident, display_value(value, info is not None), describe_cell(template, (table, row, fld)),
                        kind, info is not None)
        if info:
            view.raw, view.note = info.get("raw") or "", info.get("note") or ""
            view.page, view.box, view.locator = info.get("page"), info.get("box"), info.get("locator") or ""
            view.edited = bool(info.get("edited"))
        for index in by_cell.get(ident, []):
            finding = findings[index]
            view.findings.append(index)
            view.messages.append(finding["message"])
            if finding["severity"] == "hard" or not view.severity:
                view.severity = finding["severity"]
        return view

    def grid_row(table: str, spec: RowSpec, labels: list[LabelCell]) -> GridRow:
        cells = [cell(table, spec.key, f.key, f.kind) for f in spec.fields]
        codes: dict[str, str] = {}
        for c in cells:
            for index in c.findings:
                code, severity = findings[index]["code"], findings[index]["severity"]
                if codes.get(code) != "hard":
                    codes[code] = severity
        return GridRow(spec.key, labels, cells, sorted(codes.items()))

    active: list[ActiveSection] = []
    for spec in active_rows(template):
        if spec.key in ACTIVE_SECTIONS or not active:
            active.append(ActiveSection(ACTIVE_SECTIONS.get(spec.key, ""), [f.label for f in spec.fields], []))
        active[-1].rows.append(grid_row(ACTIVE, spec, [LabelCell(spec.label)]))

    applications = [grid_row(APPLICATIONS, spec, labels) for spec, labels in _application_labels(template)]
    review_spec = RowSpec("review", "", tuple(f for group in REVIEW_ROWS for f in group.fields))
    review_cells = [cell(REVIEW, group.key, f.key, f.kind) for group in REVIEW_ROWS for f in group.fields]
    review = grid_row(REVIEW, review_spec, [])
    review.cells = review_cells
    review.codes = sorted({(findings[i]["code"], findings[i]["severity"]) for c in review_cells for i in c.findings})
    return Grid(template, TABLE_LABELS[ACTIVE], active, TABLE_LABELS[APPLICATIONS], applications,
                TABLE_LABELS[REVIEW], review,
                [{**f, "index": i, "where": _where(f, template)} for i, f in enumerate(findings)])


def _where(finding: dict[str, Any], template: Template) -> str:
    cells = finding.get("cells") or []
    if not cells:
        return ""
    try:
        return describe_cell(template, tuple(cells[0].split("/")))  # type: ignore[arg-type]
    except (KeyError, ValueError):
        return cells[0]


def _application_labels(template: Template) -> list[tuple[RowSpec, list[LabelCell]]]:
    """表三's label columns: 一/二/四 span all three, result rows sit under 三、本年度办理结果."""
    rows = [r for r in APPLICATION_ROWS if not (template == "2019" and r.key in ROWS_ABSENT_IN_2019)]
    results = [r for r in rows if r.key not in ("new_received", "carried_over", "carried_forward")]
    printed = ["（六）其他处理" if template == "2019" and r.key == "other_other" else r.label for r in rows]
    out: list[tuple[RowSpec, list[LabelCell]]] = []
    for i, spec in enumerate(rows):
        label = printed[i]
        if spec not in results:
            out.append((spec, [LabelCell(label, colspan=3)]))
            continue
        labels: list[LabelCell] = []
        if spec is results[0]:
            labels.append(LabelCell("三、本年度办理结果", rowspan=len(results)))
        if " " in label:
            group, sub = label.split(" ", 1)
            span = 1
            for later in printed[i + 1:]:
                if later[:1].isdigit():
                    span += 1
                else:
                    break
            labels += [LabelCell(group, rowspan=span), LabelCell(sub)]
        elif label[:1].isdigit():
            labels.append(LabelCell(label))
        else:
            labels.append(LabelCell(label, colspan=2))
        out.append((spec, labels))
    return out


APPLICANT_HEADER = {
    "parts": [c.label for c in APPLICANT_COLUMNS[1:-1]],
    "first": APPLICANT_COLUMNS[0].label,
    "total": APPLICANT_COLUMNS[-1].label,
}
REVIEW_HEADER = {
    "groups": [group.label for group in REVIEW_ROWS],
    "fields": [f.label for group in REVIEW_ROWS for f in group.fields],
}
