"""Admin pieces of bulk import and export (issue 5), kept apart from the review queue's admin.

Thin: the export actions call ``review.exporting``; import batches and their per-file rows are read-only.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

from review import exporting
from review.admin_base import ReadOnlyAdmin
from review.models import ImportBatch, ImportItem, Report


def _export(request: HttpRequest, queryset: QuerySet[Report], fmt: str, layout: str) -> HttpResponseBase | None:
    reports = exporting.select_reports(exporting.ExportFilter(statuses=()), base=queryset)
    skipped = queryset.count() - reports.count()
    if not reports.exists():
        messages.warning(request, "None of the selected reports has a record to export.")
        return None
    if skipped:
        messages.info(request, f"{skipped} selected report(s) without a record were left out.")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    try:
        return exporting.download(reports, fmt, layout, f"foi-{layout}-{stamp}.{fmt}")
    except exporting.ExportError as exc:
        messages.error(request, f"Nothing exported: {exc}")
        return None


@admin.action(description="Export selected as Excel (XLSX, one row per report, dictionary sheet)",
              permissions=["view"])
def export_xlsx(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Report]) -> HttpResponseBase | None:
    return _export(request, queryset, "xlsx", "wide")


@admin.action(description="Export selected as CSV (one row per value, UTF-8 for Excel)", permissions=["view"])
def export_csv(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Report]) -> HttpResponseBase | None:
    return _export(request, queryset, "csv", "long")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "started_at", "finished_at", "counts", "host", "pid")
    readonly_fields = ("started_at", "finished_at", "arguments", "counts", "host", "pid")


@admin.register(ImportItem)
class ImportItemAdmin(ReadOnlyAdmin):
    list_display = ("at", "batch", "name", "outcome", "status", "report", "reason")
    list_filter = ("outcome", "status")
    search_fields = ("name", "sha256", "reason")
    list_select_related = ("batch", "report")
