"""``manage.py bootstrap``: the reviewer login and the bundled fixture reports. Idempotent.

``make run`` calls it between ``migrate`` and ``runserver``. The login comes from FOI_ADMIN_USER /
FOI_ADMIN_PASSWORD; without a password one is generated once and kept in DATA_DIR/admin-login.txt.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from review import accounts, services
from review.models import Report, Status

FIXTURE_GLOBS = ("fixtures/seeds/*.txt", "fixtures/real/*.pdf", "fixtures/real/*.txt",
                 "fixtures/samples/*.txt", "fixtures/samples/*.pdf")


def fixture_files(base: Path) -> list[Path]:
    return [p for pattern in FIXTURE_GLOBS for p in sorted(base.glob(pattern)) if p.is_file()]


def login_password(data_dir: Path) -> str:
    """FOI_ADMIN_PASSWORD, else the password generated on the first run (kept, so it stays the same)."""
    given = os.environ.get("FOI_ADMIN_PASSWORD", "")
    if given:
        return given
    keep = data_dir / "admin-login.txt"
    if keep.exists():
        return keep.read_text(encoding="utf-8").strip()
    password = secrets.token_urlsafe(12)
    keep.write_text(password + "\n", encoding="utf-8")
    keep.chmod(0o600)
    return password


class Command(BaseCommand):
    help = "Create the reviewer login and import the bundled fixture reports (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-fixtures", action="store_true", help="only create the login")

    def handle(self, *args: Any, **options: Any) -> None:
        data_dir = Path(settings.DATA_DIR)
        data_dir.mkdir(parents=True, exist_ok=True)
        username = os.environ.get("FOI_ADMIN_USER", "") or "reviewer"
        password = login_password(data_dir)
        accounts.ensure_reviewer(username, password)
        if not options["no_fixtures"]:
            for path in fixture_files(Path(settings.BASE_DIR)):
                outcome = services.ingest_path(path)
                if outcome.created:
                    self.stdout.write(f"imported {path.relative_to(settings.BASE_DIR)}: {outcome.report.status}")
        counts = {s.label: Report.objects.filter(status=s).count() for s in Status}
        self.stdout.write(", ".join(f"{n} {label}" for label, n in counts.items() if n) or "no reports")
        port = os.environ.get("FOI_PORT", "8000")
        self.stdout.write(self.style.SUCCESS(
            f"\nReview admin: http://127.0.0.1:{port}/admin/   login: {username}   password: {password}\n"))
