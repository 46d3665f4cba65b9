"""QA sampling: a share of automatic accepts is checked by reviewers; the admin shows the measured precision."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from review import selectors, services
from review.models import Report, Status
from tests.builders import make_record, write_text
from tests.test_review_helpers import alice, fast_hashing  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def _balanced_reports(tmp_path: Path, n: int) -> list[Path]:
    return [write_text(make_record("2021", seed=100 + i), tmp_path / f"r{i}.txt") for i in range(n)]


def test_the_draw_is_by_hash_so_it_is_reproducible_and_near_the_rate(settings) -> None:  # type: ignore[no-untyped-def]
    settings.QA_SAMPLE_RATE = 0.02
    import hashlib

    shas = [hashlib.sha256(str(i).encode()).hexdigest() for i in range(20000)]
    drawn = sum(services.qa_draws(s) for s in shas)
    assert 0.015 < drawn / len(shas) < 0.025
    assert [services.qa_draws(s) for s in shas[:200]] == [services.qa_draws(s) for s in shas[:200]]
    settings.QA_SAMPLE_RATE = 0.0
    assert not any(services.qa_draws(s) for s in shas[:1000])


def test_sampled_accepts_enter_the_queue_and_the_admin_shows_the_precision(tmp_path: Path, settings, alice) -> None:  # type: ignore[no-untyped-def]
    settings.QA_SAMPLE_RATE = 1.0
    paths = _balanced_reports(tmp_path, 3)
    reports = [services.ingest_path(p).report for p in paths]
    assert all(r.status == Status.NEEDS_REVIEW and r.sampled for r in reports)
    assert all("QA sample" in r.status_changes.first().note for r in reports)
    assert selectors.qa_precision().waiting == 3 and selectors.qa_precision().share is None

    first, second, third = reports
    services.verify_report(first, alice, version=first.version)  # checked: nothing to change
    second = Report.objects.get(pk=second.pk)
    services.claim_report(second, alice)
    second = Report.objects.get(pk=second.pk)
    key = "applications/granted/natural_person"
    old = second.record["applications"]["granted"]["natural_person"]
    services.save_record(second, alice, version=second.version, cells={key: str(old + 1)}, note="misread")
    second = Report.objects.get(pk=second.pk)
    services.verify_report(second, alice, version=second.version, note="the source prints it so")
    precision = selectors.qa_precision()
    assert (precision.checked, precision.unchanged, precision.waiting) == (2, 1, 1)
    assert precision.share == 0.5

    client = Client()
    client.force_login(alice)
    page = client.get("/admin/review/report/").content.decode()
    assert "1 of 2" in page and "50%" in page and "QA sample" in page
    filtered = client.get("/admin/review/report/?sampled__exact=1").content.decode()
    assert filtered.count('class="qa-sample"') == 3


def test_no_sampling_at_rate_zero(tmp_path: Path) -> None:
    report = services.ingest_path(_balanced_reports(tmp_path, 1)[0]).report
    assert report.status == Status.ACCEPTED and not report.sampled
