"""Commands: bootstrap (login + fixtures, idempotent) and import_reports, both through the ingest service."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command

from review.models import ExtractionRun, Report, Status
from tests.test_review_helpers import SEED, UNBALANCED_TXT, fast_hashing  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def run(*args: Any) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_bootstrap_creates_the_login_imports_the_fixtures_and_is_idempotent(
        settings: Any, monkeypatch: pytest.MonkeyPatch, fast_hashing: None) -> None:
    monkeypatch.delenv("FOI_ADMIN_PASSWORD", raising=False)
    monkeypatch.setenv("FOI_ADMIN_USER", "rev")
    first = run("bootstrap")
    password = (Path(settings.DATA_DIR) / "admin-login.txt").read_text().strip()
    assert f"login: rev   password: {password}" in first
    user = authenticate(username="rev", password=password)
    assert user is not None and user.is_staff and not user.is_superuser
    assert user.has_perm("review.verify_report") and not user.has_perm("review.delete_report")
    reports, runs = Report.objects.count(), ExtractionRun.objects.count()
    assert reports >= 13
    flagged = Report.objects.filter(status=Status.NEEDS_REVIEW)
    assert flagged.filter(filename="unbalanced-jiaozuo-2024.txt", finding_codes=" I2 I3 ").exists()
    assert flagged.filter(filename="unbalanced-jiaozuo-office-2021.pdf", finding_codes=" I1 ").exists()
    second = run("bootstrap")
    assert f"password: {password}" in second and "imported fixtures" not in second
    assert (Report.objects.count(), ExtractionRun.objects.count()) == (reports, runs)
    assert get_user_model().objects.filter(username="rev").count() == 1


def test_bootstrap_takes_the_password_from_the_environment(monkeypatch: pytest.MonkeyPatch,
                                                           fast_hashing: None) -> None:
    monkeypatch.setenv("FOI_ADMIN_USER", "lead")
    monkeypatch.setenv("FOI_ADMIN_PASSWORD", "s3cret")
    assert "login: lead   password: s3cret" in run("bootstrap", "--no-fixtures")
    assert authenticate(username="lead", password="s3cret") is not None and Report.objects.count() == 0


def test_import_reports_goes_through_the_ingest_service(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(UNBALANCED_TXT.read_bytes())
    (folder / "ignored.bin").write_bytes(b"\x00\x01")
    out = run("import_reports", str(folder), str(SEED), str(tmp_path / "missing.txt"))
    assert "new       needs_review" in out and "[I2 I3]" in out and "new       accepted" in out
    assert "missing.txt  (file not found)" in out and "ignored.bin  (not a report file type (.bin))" in out
    assert Report.objects.count() == 2
    again = run("import_reports", str(folder / "a.txt"))
    assert "known     needs_review" in again and ExtractionRun.objects.count() == 2
    forced = run("import_reports", "--force", str(folder / "a.txt"))
    assert "re-run    needs_review" in forced and ExtractionRun.objects.count() == 3


def test_import_reports_queue_stores_now_and_enqueues_the_task_by_id() -> None:
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    from review import tasks

    out = run("import_reports", "--queue", str(UNBALANCED_TXT))
    report = Report.objects.get()
    assert f"queued    pending      {UNBALANCED_TXT}  → report {report.pk}" in out and report.status == Status.PENDING
    job = SignedPackage.loads(OrmQ.objects.get().payload)
    assert (job["func"], job["args"]) == ("review.tasks.extract_report", (report.pk, False))
    tasks.extract_report(*job["args"])  # what a qcluster worker does
    assert Report.objects.get().status == Status.NEEDS_REVIEW
