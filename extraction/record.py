"""The record a report yields, the findings about it, and the result of one extraction.

Values are kept exactly as printed, each with where it came from, so that a reviewer can check any
number against its source and the validator can name the cells it talks about.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from extraction.prose import ProseClaim
from extraction.schema import (
    APPLICATIONS,
    ROWS_ABSENT_IN_2019,
    TABLES,
    CellKey,
    Template,
    all_cells,
    table_rows,
)

Value = int | str | None
"""A count (int), a money amount (decimal string), or None for a cell printed blank."""

Decision = Literal["accept", "review", "failed"]
Method = Literal["deterministic", "llm", "human"]


@dataclass(frozen=True, slots=True)
class SourceRef:
    """Where a value was read: page (1-based) and box in PDF points, or a table/line locator."""

    page: int | None = None
    box: tuple[float, float, float, float] | None = None
    locator: str | None = None


@dataclass(frozen=True, slots=True)
class CellValue:
    value: Value
    raw: str
    note: str | None = None
    source: SourceRef | None = None


@dataclass
class Record:
    organization: str | None = None
    year: int | None = None
    template: Template | None = None
    cells: dict[CellKey, CellValue] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def value(self, key: CellKey) -> Value:
        cell = self.cells.get(key)
        return cell.value if cell else None

    def has(self, key: CellKey) -> bool:
        return key in self.cells

    def to_report(self) -> dict[str, Any]:
        """The record in the spec's JSON shape; a cell that was never read is null."""
        template: Template = self.template or "2021"
        report: dict[str, Any] = {
            "organization": self.organization,
            "year": self.year,
            "template": self.template,
        }
        for table in TABLES:
            report[table] = {
                row.key: {f.key: self.value((table, row.key, f.key)) for f in row.fields}
                for row in table_rows(table, template)
            }
        return report

    @classmethod
    def from_report(
        cls, report: dict[str, Any], *, source: SourceRef | None = None
    ) -> Record:
        """Build a record from the spec's JSON shape (LLM answers, reviewer edits, gold files).

        A key absent from the JSON stays absent from the record, so that the validator reports it as
        missing instead of it silently becoming a printed blank.
        """
        template = report.get("template")
        if template not in ("2021", "2019"):
            template = None
        record = cls(
            organization=report.get("organization"),
            year=report.get("year") if isinstance(report.get("year"), int) else None,
            template=template,
        )
        for key in all_cells(template or "2021"):
            table, row, fld = key
            row_values = (report.get(table) or {}).get(row)
            if not isinstance(row_values, dict) or fld not in row_values:
                continue
            value = row_values[fld]
            if isinstance(value, float):
                value = repr(value)
            record.cells[key] = CellValue(value=value, raw="" if value is None else str(value),
                                          source=source)
        return record

    def fill_template_nulls(self) -> None:
        """2019 reports have no （六） sub-rows 1 and 2: the spec records them as null, not missing."""
        if self.template != "2019":
            return
        for row in ROWS_ABSENT_IN_2019:
            for key in all_cells("2019"):
                if key[0] == APPLICATIONS and key[1] == row and key not in self.cells:
                    self.cells[key] = CellValue(value=None, raw="", note="not in the 2019 template")


@dataclass(frozen=True)
class Finding:
    """One thing wrong (hard) or worth a look (soft) about a record, in a reviewer's words."""

    code: str
    severity: Literal["hard", "soft"]
    message: str
    cells: tuple[CellKey, ...] = ()
    expected: Value = None
    printed: Value = None
    diff: int | None = None
    options: tuple[tuple[Value, ...], ...] = ()
    """Readings a reviewer can pick from, one value per cell in ``cells`` (a digit run that splits
    several ways); never applied automatically."""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["cells"] = ["/".join(c) for c in self.cells]
        if self.options:
            data["options"] = [list(o) for o in self.options]
        else:
            del data["options"]
        return data


@dataclass(frozen=True)
class LlmCall:
    """One call to the language model, for the usage ledger (whoever stores results stores these)."""

    reason: Literal["extract", "reask"]
    model: str
    mode: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    status: Literal["ok", "error", "cached"] = "ok"
    error: str | None = None


@dataclass
class ExtractionResult:
    path: str
    decision: Decision
    reasons: list[str]
    method: Method | None
    record: Record | None
    findings: list[Finding] = field(default_factory=list)
    confidence: float = 0.0
    source_format: str | None = None
    page_count: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    llm_calls: list[LlmCall] = field(default_factory=list)
    prose_claims: list[ProseClaim] = field(default_factory=list)
    """Every total the prose quotes, so a reviewer's edits are re-checked against them (S3)."""
    versions: dict[str, str] = field(default_factory=dict)
    """parser / prompt / model versions that produced this result."""

    @property
    def hard_findings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "hard"]

    def to_json_dict(self) -> dict[str, Any]:
        """The ``extract --json`` line of the spec."""
        return {
            "path": self.path,
            "decision": self.decision,
            "reasons": self.reasons,
            "method": self.method,
            "report": self.record.to_report() if self.record else None,
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json_line(self) -> str:
        return json.dumps(self.to_json_dict(), ensure_ascii=False)
