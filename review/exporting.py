"""Export of the verified dataset: which reports, the long and wide layouts, the data dictionary, gold folders.

Reads only (selection is a selector-style query); files are written through ``export_writers`` with
the atomic-output rule. The admin action and ``manage.py export_dataset`` share every function here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import FileResponse
from django.utils import timezone

from extraction.schema import (
    TABLE_LABELS,
    TABLES,
    CellKey,
    Template,
    describe_cell,
    field_spec,
    required_cells,
    table_rows,
)
from review.export_writers import (
    EXCEL_MAX_ROWS,
    FORMATS,
    Column,
    atomic_output,
    open_writer,
    write_dictionary_csv,
)
from review.models import Report, Status, StatusChange
from review.records import cell_id
from review.selectors import TRUST_RANK
from review.storage import read_source

LAYOUTS = ("long", "wide")
FORMAT_SUFFIX = {"pdf": ".pdf", "html": ".html", "docx": ".docx", "text": ".txt"}

META_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("report_id", "int", "报告编号 · id of the report in this database"),
    ("organization", "text", "发布机关 · issuing body as printed in the title"),
    ("year", "int", "报告年度 · the year reported on"),
    ("template", "text", "模板 · 2021 (国办公开办函〔2021〕30号) or 2019 (〔2019〕60号)"),
    ("status", "text", "状态 · verified (a reviewer checked it) or accepted (automatically)"),
    ("method", "text", "方法 · deterministic parser, llm or human (typed by a reviewer)"),
    ("verified_by", "text", "核验人 · who verified the record"),
    ("verified_at", "text", "核验时间 · when (ISO 8601)"),
    ("hard_findings", "int", "硬性校验问题数 · hard identity findings left (a verified record with some has a note)"),
    ("finding_codes", "text", "校验代码 · finding codes of the record (I1–I5, P1, S1–S3)"),
    ("source_sha256", "text", "源文件 SHA-256 · the stored source file"),
    ("source_filename", "text", "源文件名 · original file name"),
    ("source_format", "text", "源文件格式 · pdf, html, docx or text"),
    ("source_url", "text", "来源网址 · where the report was published"),
    ("published_on", "text", "发布日期 · publication date (YYYY-MM-DD)"),
    ("region", "text", "地区 · region"),
)
LONG_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("table", "text", "表 · active_disclosure (表二), applications (表三), reconsideration_litigation (表四)"),
    ("table_label", "text", "表名 · the table's Chinese title"),
    ("row", "text", "行 · row key"),
    ("row_label", "text", "行名 · the row's label in the template"),
    ("column", "text", "列 · column key"),
    ("column_label", "text", "列名 · the column's label in the template"),
    ("kind", "text", "类型 · count, signed (may be negative) or money (decimal, unit in the label)"),
    ("value", "value", "数值 · the number as printed; empty for a printed blank (—, 无, /)"),
    ("value_text", "text", "数值原文 · the same value as exact text (money keeps every printed decimal)"),
    ("note", "text", "备注 · text printed beside the number, e.g. 元 or （其中修订16件）"),
)
DICTIONARY_COLUMNS = ("column", "layout", "table", "table_label", "row", "row_label", "field", "field_label",
                      "kind", "templates", "label_zh")


class ExportError(Exception):
    pass


@dataclass(frozen=True)
class ExportFilter:
    statuses: tuple[str, ...] = (Status.VERIFIED,)
    years: tuple[int, ...] = ()
    templates: tuple[str, ...] = ()
    bodies: tuple[str, ...] = ()
    """Substrings of the issuing body's name (any matches)."""
    one_per_body_year: bool = False
    """Keep one report per issuing body and year (verified first, then accepted, then the latest): the same
    report is often stored twice (its PDF and its web page). Reports without a body or year are all kept."""


def body_year_twins(reports: QuerySet[Report]) -> list[tuple[str, int, list[int]]]:
    """(body, year, report ids) for every body and year that appears more than once in the selection."""
    twins = (reports.exclude(organization="").exclude(year__isnull=True).order_by()
             .values("organization", "year").annotate(n=Count("id")).filter(n__gt=1)
             .order_by("organization", "year"))
    return [(t["organization"], t["year"],
             list(reports.filter(organization=t["organization"], year=t["year"]).order_by("id")
                  .values_list("id", flat=True)))
            for t in twins]


def select_reports(spec: ExportFilter, base: QuerySet[Report] | None = None) -> QuerySet[Report]:
    """Reports with a record that pass the filter, with who verified them and when; stable order."""
    qs = (Report.objects.all() if base is None else base).filter(record__isnull=False)
    if spec.statuses:
        qs = qs.filter(status__in=spec.statuses)
    if spec.years:
        qs = qs.filter(year__in=spec.years)
    if spec.templates:
        qs = qs.filter(template__in=spec.templates)
    if spec.bodies:
        match = Q()
        for body in spec.bodies:
            match |= Q(organization__icontains=body)
        qs = qs.filter(match)
    if spec.one_per_body_year:
        best = (qs.filter(organization=OuterRef("organization"), year=OuterRef("year"))
                .order_by(TRUST_RANK, "-updated_at", "-id").values("pk")[:1])
        qs = qs.filter(Q(pk=Subquery(best)) | Q(organization="") | Q(year__isnull=True))
    verified = StatusChange.objects.filter(report=OuterRef("pk"), to_status=Status.VERIFIED).order_by("-at", "-id")
    return qs.annotate(verified_at=Subquery(verified.values("at")[:1]),
                       verified_by=Subquery(verified.values("user__username")[:1])
                       ).order_by("organization", "year", "id")


# --- the columns ------------------------------------------------------------------------------------

def wide_cells() -> list[tuple[CellKey, tuple[Template, ...]]]:
    """Every cell of either template, 2021's order first, each with the templates that print it."""
    seen: dict[CellKey, list[Template]] = {}
    for template in ("2021", "2019"):
        for key in required_cells(template):  # type: ignore[arg-type]
            seen.setdefault(key, []).append(template)  # type: ignore[arg-type]
    return [(key, tuple(templates)) for key, templates in seen.items()]


def wide_name(key: CellKey) -> str:
    return ".".join(key)


def columns(layout: str) -> list[Column]:
    meta = [Column(name, kind) for name, kind, _ in META_COLUMNS]
    if layout == "long":
        return meta + [Column(name, kind) for name, kind, _ in LONG_COLUMNS]
    cells = []
    for key, templates in wide_cells():
        kind = field_spec(templates[0], key).kind
        cells.append(Column(wide_name(key), "money" if kind == "money" else "int"))
    return meta + cells


def _labels(key: CellKey, template: Template) -> tuple[str, str, str]:
    table, row, fld = key
    row_label = next((r.label for r in table_rows(table, template) if r.key == row), row)
    return TABLE_LABELS[table], row_label, field_spec(template, key).label


def dictionary() -> list[dict[str, Any]]:
    """Every column of both layouts and every key of the record, with its Chinese label."""
    entries: list[dict[str, Any]] = [
        {"column": name, "layout": "long, wide", "kind": kind, "label_zh": text} for name, kind, text in META_COLUMNS]
    entries += [{"column": name, "layout": "long", "kind": kind, "label_zh": text} for name, kind, text in LONG_COLUMNS]
    for key, templates in wide_cells():
        table_label, row_label, field_label = _labels(key, templates[0])
        entries.append({
            "column": wide_name(key), "layout": "wide (long: table/row/column)", "table": key[0],
            "table_label": table_label, "row": key[1], "row_label": row_label, "field": key[2],
            "field_label": field_label, "kind": field_spec(templates[0], key).kind, "templates": " ".join(templates),
            "label_zh": describe_cell(templates[0], key),
        })
    return entries


# --- the rows ---------------------------------------------------------------------------------------

def meta_row(report: Report) -> dict[str, Any]:
    verified = report.status == Status.VERIFIED
    verified_at = getattr(report, "verified_at", None)
    return {
        "report_id": report.pk, "organization": report.organization, "year": report.year,
        "template": report.template, "status": report.status, "method": report.method,
        "verified_by": (getattr(report, "verified_by", None) or "") if verified else "",
        "verified_at": timezone.localtime(verified_at).isoformat() if verified and verified_at else "",
        "hard_findings": report.hard_count, "finding_codes": report.finding_codes.strip(),
        "source_sha256": report.sha256, "source_filename": report.filename, "source_format": report.format,
        "source_url": report.source_url, "published_on": report.published_on.isoformat() if report.published_on else "",
        "region": report.region,
    }


def cell_value(report: Report, key: CellKey) -> Any:
    table, row, fld = key
    return ((report.record or {}).get(table) or {}).get(row, {}).get(fld)


def long_rows(report: Report) -> Iterator[dict[str, Any]]:
    """One row per value the report's template prints."""
    meta = meta_row(report)
    template: Template = report.template or "2021"  # type: ignore[assignment]
    provenance = report.provenance or {}
    for key in required_cells(template):
        table_label, row_label, field_label = _labels(key, template)
        value = cell_value(report, key)
        yield {**meta, "table": key[0], "table_label": table_label, "row": key[1], "row_label": row_label,
               "column": key[2], "column_label": field_label, "kind": field_spec(template, key).kind,
               "value": value, "value_text": "" if value is None else str(value),
               "note": (provenance.get(cell_id(key)) or {}).get("note") or ""}


def wide_row(report: Report) -> dict[str, Any]:
    row = meta_row(report)
    for key, _ in wide_cells():
        row[wide_name(key)] = cell_value(report, key)
    return row


def cells_per_report(template: str) -> int:
    return len(required_cells(template or "2021"))  # type: ignore[arg-type]


# --- writing ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ExportResult:
    path: Path
    dictionary_path: Path | None
    reports: int
    rows: int


def dictionary_path_for(path: Path) -> Path:
    return path.with_name(f"{path.stem}.dictionary.csv")


def write_dataset(reports: QuerySet[Report], path: Path, fmt: str, layout: str, *,
                  dictionary_file: Path | None = None,
                  on_report: Callable[[Report], None] | None = None) -> ExportResult:
    """Write the dataset (and its dictionary) atomically: both appear whole, or neither changes."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: one of {', '.join(FORMATS)}")
    if layout not in LAYOUTS:
        raise ExportError(f"unknown layout {layout!r}: long or wide")
    if fmt == "xlsx" and layout == "long":
        rows = sum(cells_per_report(t) * n for t, n in _template_counts(reports))
        if rows + 1 > EXCEL_MAX_ROWS:
            raise ExportError(f"{rows:,} rows do not fit in an Excel sheet ({EXCEL_MAX_ROWS:,}): use --layout wide, "
                              "csv or parquet")
    cols = columns(layout)
    entries = dictionary()
    count = rows_written = 0
    with atomic_output(path) as tmp:
        writer = open_writer(fmt, tmp, cols, entries, DICTIONARY_COLUMNS)
        try:
            for report in reports.iterator(chunk_size=200):
                if layout == "long":
                    for row in long_rows(report):
                        writer.write(row)
                        rows_written += 1
                else:
                    writer.write(wide_row(report))
                    rows_written += 1
                count += 1
                if on_report is not None:
                    on_report(report)
        finally:
            writer.close()
        if dictionary_file is not None:
            with atomic_output(dictionary_file) as dict_tmp:
                write_dictionary_csv(dict_tmp, DICTIONARY_COLUMNS, entries)
    return ExportResult(path, dictionary_file, count, rows_written)


def _template_counts(reports: QuerySet[Report]) -> list[tuple[str, int]]:
    from django.db.models import Count

    return [(row["template"], row["n"]) for row in reports.order_by().values("template").annotate(n=Count("id"))]


def gold_name(report: Report) -> str:
    return f"{report.pk:06d}-{report.sha256[:12]}"


def gold_record(report: Report) -> dict[str, Any]:
    """The gold file ``evaluate`` reads: the record's keys, plus where it came from (ignored by scoring)."""
    record = report.record or {}
    keys = ("organization", "year", "template", *TABLES)
    return {**{k: record.get(k) for k in keys}, "source": {
        "report_id": report.pk, "sha256": report.sha256, "filename": report.filename, "status": report.status,
        "verified_by": getattr(report, "verified_by", None) or "",
        "verified_at": timezone.localtime(report.verified_at).isoformat() if getattr(report, "verified_at", None)
        else "", "note": report.status_note}}


def write_gold(reports: QuerySet[Report], folder: Path, *,
               on_report: Callable[[Report], None] | None = None) -> int:
    """Each report as ``<name>.<ext>`` (the stored source) with ``<name>.expected.json`` beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    count = 0
    for report in reports.iterator(chunk_size=200):
        suffix = Path(report.filename).suffix.lower()
        if suffix not in {".pdf", ".html", ".htm", ".shtml", ".docx", ".txt", ".md"}:
            suffix = FORMAT_SUFFIX.get(report.format, ".txt")
        name = gold_name(report)
        with atomic_output(folder / f"{name}{suffix}") as tmp:
            tmp.write_bytes(read_source(report.sha256))
        with atomic_output(folder / f"{name}.expected.json") as tmp:
            tmp.write_text(json.dumps(gold_record(report), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        count += 1
        if on_report is not None:
            on_report(report)
    return count


def download(reports: QuerySet[Report], fmt: str, layout: str, filename: str) -> FileResponse:
    """The admin action: the same export, written under DATA_DIR (never elsewhere) and streamed back."""
    tmp_dir = Path(settings.DATA_DIR) / "tmp"
    tmp_dir.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=tmp_dir, prefix="export-", suffix=f".{fmt}")
    os.close(fd)
    path = Path(name)
    try:
        write_dataset(reports, path, fmt, layout)
        handle = path.open("rb")
    finally:
        path.unlink(missing_ok=True)  # the open handle keeps the bytes until the response is sent
    return FileResponse(handle, as_attachment=True, filename=filename)
