"""django-q2 tasks: each takes an id and calls a service, so a queued job and a direct call do the same."""

from __future__ import annotations

from review import services
from review.models import Report


def extract_report(report_id: int, force: bool = False) -> str:
    """Run the ingest pipeline's extraction step for a stored report (``force``: re-extract)."""
    report = Report.objects.get(pk=report_id)
    run = services.run_extraction(report, force=force)
    report.refresh_from_db(fields=["status"])
    return f"report {report_id}: {'run ' + str(run.pk) if run else 'already extracted'} → {report.status}"


def enqueue_extraction(report_id: int, force: bool = False) -> str:
    """Queue ``extract_report`` on the django-q2 cluster (``manage.py qcluster`` runs it)."""
    from django_q.tasks import async_task

    return str(async_task("review.tasks.extract_report", report_id, force, group="extract"))
