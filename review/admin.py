"""The review queue in Django admin. Thin: lists and filters here, every write in review.services."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from review import selectors, services, views
from review.admin_base import ReadOnlyAdmin
from review.admin_io import export_csv, export_xlsx
from review.models import CellEdit, ExtractionRun, LlmCall, Report, StatusChange

FINDING_CODES = [
    ("I1", "I1 balance"), ("I2", "I2 row total"), ("I3", "I3 results sum"), ("I4", "I4 review total"),
    ("I5", "I5 domain / missing"), ("P1", "P1 parse problem"), ("S1", "S1 carry-over"),
    ("S2", "S2 stock-flow"), ("S3", "S3 prose"),
]


class FindingCodeFilter(admin.SimpleListFilter):
    title = "finding"
    parameter_name = "finding"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return FINDING_CODES

    def queryset(self, request: HttpRequest, queryset: QuerySet[Report]) -> QuerySet[Report]:
        value = self.value()
        if value in dict(FINDING_CODES):
            return queryset.filter(finding_codes__contains=f" {value} ")
        return queryset


class HeldFilter(admin.SimpleListFilter):
    title = "held"
    parameter_name = "held"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("me", "by me"), ("others", "by others"), ("free", "by nobody")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Report]) -> QuerySet[Report]:
        held = selectors.active_claim_q()
        if self.value() == "me":
            return queryset.filter(held, claimed_by=request.user.pk)
        if self.value() == "others":
            return queryset.filter(held).exclude(claimed_by=request.user.pk)
        if self.value() == "free":
            return queryset.exclude(held)
        return queryset


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ("report_link", "year", "template", "status_badge", "hard", "codes", "format", "method_code",
                    "held_by", "filename", "updated_at")
    list_display_links = None
    list_filter = ("status", FindingCodeFilter, "sampled", "template", "year", "format", "method", HeldFilter)
    search_fields = ("organization", "filename")
    list_per_page = 50
    actions = ["reextract", export_xlsx, export_csv]
    change_list_template = "admin/review/report/change_list.html"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Report]:
        # not super(): it orders by get_ordering() before the queue rank is annotated
        return selectors.queue(Report.objects.select_related("claimed_by"))

    def changelist_view(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        context = {"title": "Review queue", "qa": selectors.qa_precision(), **(extra_context or {})}
        return super().changelist_view(request, context)

    def get_ordering(self, request: HttpRequest) -> list[Any]:
        return ["queue_rank", "-hard_count", "created_at"]

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        return [
            path("next/", wrap(partial(views.next_report, self)), name="review_report_next"),
            path("upload/", wrap(partial(views.upload, self)), name="review_report_upload"),
            path("<int:report_id>/review/", wrap(partial(views.review_page, self)), name="review_report_review"),
            path("<int:report_id>/page/<int:page>.png", wrap(partial(views.page_image, self)),
                 name="review_report_page"),
            path("<int:report_id>/source/", wrap(partial(views.source_file, self)), name="review_report_source"),
            *super().get_urls(),
        ]

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:review_report_upload"))

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "",
                    extra_context: Any = None) -> HttpResponse:
        """The review page is the report's edit page."""
        return HttpResponseRedirect(views.review_url(int(object_id)))

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # the audit trail must outlive mistakes: reports are rejected, never deleted from the admin
        return False

    @admin.display(description="report", ordering="organization")
    def report_link(self, obj: Report) -> str:
        return format_html('<a href="{}">{}</a>', views.review_url(obj), obj.organization or "(body not read)")

    @admin.display(description="status", ordering="status")
    def status_badge(self, obj: Report) -> str:
        sample = mark_safe(' <span class="qa-sample" title="automatically accepted, drawn for a QA check">QA sample</span>') if obj.sampled else ""  # noqa: S308 - a constant
        return format_html('<span class="st st-{}">{}</span>{}', obj.status, obj.get_status_display(), sample)

    @admin.display(description="hard", ordering="hard_count")
    def hard(self, obj: Report) -> int:
        return obj.hard_count

    @admin.display(description="findings")
    def codes(self, obj: Report) -> str:
        hard = {f["code"] for f in obj.findings or [] if f.get("severity") == "hard"}
        codes = obj.finding_codes.split()
        return format_html_join(" ", '<span class="code code-{}">{}</span>',
                                (("hard" if c in hard else "soft", c) for c in codes))

    @admin.display(description="method", ordering="method")
    def method_code(self, obj: Report) -> str:
        return obj.method or "—"

    @admin.display(description="held by")
    def held_by(self, obj: Report) -> str:
        holder = selectors.claim_holder(obj)
        return holder.get_username() if holder else ""

    @admin.action(description="Re-run extraction (keeps reviewed records)", permissions=["change"])
    def reextract(self, request: HttpRequest, queryset: QuerySet[Report]) -> None:
        for report in queryset:
            services.run_extraction(report, user=request.user, force=True)
        messages.success(request, f"Re-extracted {queryset.count()} report(s).")


@admin.register(ExtractionRun)
class ExtractionRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "report", "method", "parser_version", "decision", "confidence", "forced", "created_at")
    list_filter = ("decision", "method", "parser_version")
    search_fields = ("report__organization", "report__filename")


@admin.register(CellEdit)
class CellEditAdmin(ReadOnlyAdmin):
    list_display = ("at", "report", "cell", "old_value", "new_value", "user", "note")
    search_fields = ("report__organization", "cell")


@admin.register(StatusChange)
class StatusChangeAdmin(ReadOnlyAdmin):
    list_display = ("at", "report", "from_status", "to_status", "user", "note")
    list_filter = ("to_status",)


admin.site.site_header = "FOI Ledger review"
admin.site.site_title = "FOI Ledger"
admin.site.index_title = "Reports"


@admin.register(LlmCall)
class LlmCallAdmin(ReadOnlyAdmin):
    """The usage ledger: one row per call to the language model."""

    list_display = ("at", "report", "reason", "model_name", "mode", "prompt_tokens", "completion_tokens",
                    "latency_s", "status")
    list_filter = ("status", "reason", "model_name", "mode")
    search_fields = ("report__organization", "report__filename", "error")
