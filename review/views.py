"""Custom admin views (wrapped in ``admin_site.admin_view`` by ReportAdmin): thin, they call services."""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.admin.options import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import content_disposition_header

from review import selectors, services
from review.forms import ReviewActionForm, UploadForm, posted_cells, posted_meta
from review.grid import APPLICANT_HEADER, REVIEW_HEADER, build_grid
from review.models import RejectReason, Report, Status
from review.storage import PAGE_SCALE, rendered_page, source_path


def review_url(report: Report | int) -> str:
    pk = report if isinstance(report, int) else report.pk
    return reverse("admin:review_report_review", args=[pk])


def _require_view(request: HttpRequest) -> None:
    if not request.user.has_perm("review.view_report"):
        raise PermissionDenied


def review_page(model_admin: ModelAdmin, request: HttpRequest, report_id: int) -> HttpResponse:
    """The grid beside the source. GET claims the report when it needs review; POST runs one action."""
    _require_view(request)
    report = get_object_or_404(Report, pk=report_id)
    if request.method == "POST":
        return _post_action(request, report)
    can_change = request.user.has_perm("review.change_report")
    if can_change and report.status == Status.NEEDS_REVIEW and not selectors.held_by_other(report, request.user):
        services.claim_report(report, request.user)
    return TemplateResponse(request, "review/review_page.html", review_context(model_admin, request, report))


def review_context(model_admin: ModelAdmin, request: HttpRequest, report: Report) -> dict[str, Any]:
    user = request.user
    holder = selectors.claim_holder(report)
    held_by_other = holder is not None and holder.pk != user.pk
    editable = (report.status == Status.NEEDS_REVIEW and not held_by_other
                and user.has_perm("review.change_report"))
    template = report.template or "2021"
    grid = build_grid(report.record, report.provenance or {}, report.findings or [], template)  # type: ignore[arg-type]
    for index, fit in selectors.reading_fits(report, grid.findings).items():
        grid.findings[index] = {**grid.findings[index], "option_fits": fit}
    for index, twins in selectors.reading_twins(report, grid.findings).items():
        grid.findings[index] = {**grid.findings[index], "option_twins": twins}
    pages = selectors.pdf_pages(report)
    blocks = [] if pages else selectors.source_blocks(report)
    run = report.current_run
    return {
        **model_admin.admin_site.each_context(request),
        "opts": Report._meta,
        "title": f"Review: {report}",
        "report": report,
        "grid": grid,
        "applicant_header": APPLICANT_HEADER,
        "review_header": REVIEW_HEADER,
        "hard_findings": [f for f in grid.findings if f["severity"] == "hard"],
        "soft_findings": [f for f in grid.findings if f["severity"] != "hard"],
        "editable": editable,
        "holder": holder,
        "held_by_other": held_by_other,
        "can_verify": user.has_perm("review.verify_report") and report.status in {Status.NEEDS_REVIEW,
                                                                                   Status.ACCEPTED},
        "can_reject": user.has_perm("review.reject_report") and report.status != Status.REJECTED,
        "can_reopen": user.has_perm("review.change_report") and report.status in services.REOPENABLE,
        "reject_reasons": RejectReason.choices,
        "pages": pages,
        "pages_json": json.dumps([list(p) for p in pages]),
        "page_scale": PAGE_SCALE,
        "page_url_base": reverse("admin:review_report_page", args=[report.pk, 1])[:-len("1.png")],
        "blocks": blocks,
        "audit": selectors.audit_trail(report),
        "twins": [(t, review_url(t)) for t in selectors.same_body_year(report)],
        "runs": report.runs.all()[:10],
        "llm_usage": selectors.llm_usage(report),
        "llm_calls": report.llm_calls.all()[:20],
        "run": run,
        "parse_problems": [f for f in (run.findings if run else []) if f.get("code") == "P1"],
        "source_url": reverse("admin:review_report_source", args=[report.pk]),
        "next_url": reverse("admin:review_report_next"),
        "changelist_url": reverse("admin:review_report_changelist"),
    }


def _post_action(request: HttpRequest, report: Report) -> HttpResponse:
    form = ReviewActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"The form was incomplete: {form.errors.as_text()}")
        return HttpResponseRedirect(review_url(report))
    action, version, note = form.cleaned_data["action"], form.cleaned_data["version"], form.cleaned_data["note"]
    user = request.user
    try:
        if action == "claim":
            services.claim_report(report, user)
            messages.success(request, "You hold this report now.")
        elif action == "release":
            services.release_claim(report, user)
            messages.info(request, "Released: another reviewer can take it.")
            return HttpResponseRedirect(reverse("admin:review_report_changelist"))
        elif action == "reopen":
            services.reopen_report(report, user, version=version, note=note)
            messages.success(request, "Reopened for review.")
        elif action == "reject":
            services.reject_report(report, user, version=version, reason=form.cleaned_data["reject_reason"],
                                   note=note)
            messages.success(request, "Rejected.")
        elif action == "verify" and report.status != Status.NEEDS_REVIEW:
            services.verify_report(report, user, version=version, note=note)
            messages.success(request, "Verified.")
            return _after_close(request)
        else:
            checked = services.save_record(report, user, version=version, cells=posted_cells(request.POST),
                                           meta=posted_meta(form, request.POST), note=note)
            report.refresh_from_db()
            hard = len(checked.hard)
            if action == "verify":
                services.verify_report(report, user, version=report.version, note=note)
                why = " The note says why the tables do not balance." if hard else ""
                messages.success(request, f"Verified.{why}")
                return _after_close(request)
            messages.success(request, f"Saved. {hard} hard finding(s), {len(checked.findings) - hard} soft.")
    except services.InvalidCells as exc:
        for text in exc.errors.values():
            messages.error(request, f"Not saved — {text}")
    except services.ReviewError as exc:
        messages.error(request, str(exc))
    return HttpResponseRedirect(review_url(report))


def _after_close(request: HttpRequest) -> HttpResponse:
    """After a verdict the reviewer stays on the page to see the audit entry (``next`` goes on)."""
    if request.POST.get("then") == "next":
        return HttpResponseRedirect(reverse("admin:review_report_next"))
    return HttpResponseRedirect(request.path)


def next_report(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    _require_view(request)
    if not request.user.has_perm("review.change_report"):
        raise PermissionDenied
    report = services.next_report(request.user)
    if report is None:
        messages.info(request, "Nothing left to review: every report is accepted, verified, rejected or held.")
        return HttpResponseRedirect(reverse("admin:review_report_changelist"))
    return HttpResponseRedirect(review_url(report))


def page_image(model_admin: ModelAdmin, request: HttpRequest, report_id: int, page: int) -> HttpResponseBase:
    """A PDF page as PNG (rendered once by pypdfium2, then served from DATA_DIR/cache/)."""
    _require_view(request)
    report = get_object_or_404(Report, pk=report_id)
    if report.format != "pdf":
        raise Http404("not a PDF")
    try:
        path = rendered_page(report.sha256, page)
    except (IndexError, OSError) as exc:
        raise Http404(str(exc)) from exc
    response = FileResponse(path.open("rb"), content_type="image/png")
    response["Cache-Control"] = "private, max-age=86400"
    return response


def source_file(model_admin: ModelAdmin, request: HttpRequest, report_id: int) -> HttpResponseBase:
    """The original bytes, under the original name, for a reviewer who wants the file itself."""
    _require_view(request)
    report = get_object_or_404(Report, pk=report_id)
    path = source_path(report.sha256)
    if not path.exists():
        raise Http404("the stored file is missing")
    response = FileResponse(path.open("rb"), content_type="application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, report.filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def upload(model_admin: ModelAdmin, request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("review.add_report"):
        raise PermissionDenied
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        handle = form.cleaned_data["file"]
        outcome = services.ingest_bytes(handle.read(), handle.name, source_url=form.cleaned_data["source_url"] or "",
                                        user=request.user)
        report = outcome.report
        if outcome.created:
            messages.success(request, f"Stored and extracted: {report.get_status_display()}.")
        else:
            messages.info(request, "This file was uploaded before (same SHA-256): here is its report.")
        return HttpResponseRedirect(review_url(report))
    context = {**model_admin.admin_site.each_context(request), "opts": Report._meta, "form": form,
               "title": "Upload a report"}
    return TemplateResponse(request, "review/upload.html", context)
