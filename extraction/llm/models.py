"""Pydantic response models generated from ``extraction.schema``, one per template.

The model is the record's JSON shape (same keys), so an answer becomes a Record through
``Record.from_report`` and the one validator. Every cell is required but nullable: a key the model
leaves out is an unreadable answer, never a silent printed blank. Field descriptions carry the
template's Chinese labels, which is what the model matches against the source.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from typing import Any, Optional

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, create_model
from typing_extensions import Annotated

from extraction.numbers import BLANK_MARKS
from extraction.schema import (
    ACTIVE,
    APPLICANT_COLUMNS,
    APPLICATIONS,
    REVIEW,
    REVIEW_FIELDS,
    ROWS_ABSENT_IN_2019,
    TABLE_LABELS,
    FieldSpec,
    RowSpec,
    Template,
    table_rows,
)


def _compact(schema: dict[str, Any]) -> None:
    """Trim what costs prompt tokens and tells the model nothing: pydantic's per-property ``title``
    (it repeats the key) and ``anyOf: [{type: X}, {type: null}]`` (same as ``type: [X, null]``).
    The record model keeps its title (instructor names the tool after it); nested ones drop theirs
    (the ``$defs`` key already names them)."""
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)
        options = prop.get("anyOf")
        if options and all(set(o) == {"type"} for o in options):
            prop["type"] = [o["type"] for o in options]
            del prop["anyOf"]


def _compact_top(schema: dict[str, Any]) -> None:
    title = schema.get("title")
    _compact(schema)
    schema["title"] = title


_CONFIG = ConfigDict(extra="ignore", json_schema_extra=_compact)
_TOP_CONFIG = ConfigDict(extra="ignore", json_schema_extra=_compact_top)


def _blank_or_number(value: Any) -> Any:
    """Accept what a model writes for a printed cell: blank marks are null, full-width digits and
    thousands separators are read. Nothing else is changed; a wrong type fails validation."""
    if isinstance(value, bool):
        raise ValueError("true/false is not a count")
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
        if text in BLANK_MARKS or text.lower() in {"null", "none"}:
            return None
        text = text.replace(",", "")
        if text.lstrip("+-").isdigit():
            return int(text)
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _money_text(value: Any) -> Any:
    """A money amount stays text as printed; a JSON number is turned back into its digits."""
    if isinstance(value, str):
        text = unicodedata.normalize("NFKC", value).strip().replace(" ", "")
        if text in BLANK_MARKS or text.lower() in {"null", "none"}:
            return None
        return text.replace(",", "")
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return str(value)
    return value


Count = Annotated[Optional[int], BeforeValidator(_blank_or_number)]
Money = Annotated[Optional[str], BeforeValidator(_money_text)]


def _field_type(spec: FieldSpec) -> Any:
    return Money if spec.kind == "money" else Count


def _field_description(spec: FieldSpec) -> str:
    if spec.kind == "money":
        return f"{spec.label} (digits as printed, as a string)"
    if spec.kind == "signed":
        return f"{spec.label} (negative when printed with 减/-)"
    return spec.label


def _row_model(name: str, fields: tuple[FieldSpec, ...]) -> type[BaseModel]:
    definitions: dict[str, Any] = {
        f.key: (_field_type(f), Field(..., description=_field_description(f))) for f in fields
    }
    return create_model(name, __config__=_CONFIG, **definitions)


def _camel(key: str) -> str:
    return "".join(part.capitalize() for part in key.split("_"))


@cache
def response_model(template: Template) -> type[BaseModel]:
    """The answer's shape for one template (cached: the schema JSON is part of the cache key)."""
    applicant_row = _row_model("ApplicantRow", APPLICANT_COLUMNS)
    review_row = _row_model("ReviewGroup", REVIEW_FIELDS)
    shared: dict[tuple[str, ...], type[BaseModel]] = {}
    tables: dict[str, Any] = {}
    for table in (ACTIVE, APPLICATIONS, REVIEW):
        rows: dict[str, Any] = {}
        for row in table_rows(table, template):
            if template == "2019" and table == APPLICATIONS and row.key in ROWS_ABSENT_IN_2019:
                continue
            rows[row.key] = (_row_type(table, row, applicant_row, review_row, shared),
                             Field(..., description=row_description(table, row, template)))
        name = f"{_camel(table)}{template}"
        tables[table] = (create_model(name, __config__=_CONFIG, **rows),
                         Field(..., description=TABLE_LABELS[table]))
    return create_model(
        f"Report{template}",
        __config__=_TOP_CONFIG,
        __doc__="Statistical tables 表二, 表三, 表四 of one 政府信息公开工作年度报告, numbers as printed.",
        organization=(Optional[str], Field(..., description="issuing body as printed in the title")),
        year=(Optional[int], Field(..., description="the year reported on (from the title)")),
        **tables,
    )


def _row_type(table: str, row: RowSpec, applicant_row: type[BaseModel], review_row: type[BaseModel],
              shared: dict[tuple[str, ...], type[BaseModel]]) -> type[BaseModel]:
    if table == APPLICATIONS:
        return applicant_row
    if table == REVIEW:
        return review_row
    signature = tuple(f"{f.key}:{f.label}:{f.kind}" for f in row.fields)
    if signature not in shared:
        shared[signature] = _row_model("Active" + "".join(_camel(f.key) for f in row.fields), row.fields)
    return shared[signature]


def row_description(table: str, row: RowSpec, template: Template) -> str:
    """The row's label, long ones cut where they become a gloss (``（二）部分公开（区分处理的…``)."""
    if table == APPLICATIONS and template == "2019" and row.key == "other_other":
        return "（六）其他处理"
    return short_label(row.label)


def short_label(label: str, limit: int = 24) -> str:
    if len(label) <= limit:
        return label
    cut = min((i for i in (label.find("（", 4), label.find("、", 4)) if i > 0), default=limit)
    return label[:min(cut, limit)] + "…"


def answer_to_report(answer: BaseModel, template: Template) -> dict[str, Any]:
    """The answer in the spec's JSON shape (``Record.from_report`` input)."""
    report = answer.model_dump()
    report["template"] = template
    return report


@cache
def schema_json(template: Template) -> dict[str, Any]:
    """The response model's JSON schema (cached: pydantic takes ~0.1 s; callers must not mutate it)."""
    return response_model(template).model_json_schema()
