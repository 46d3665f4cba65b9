"""Real processes: an import killed with SIGKILL and resumed, and a real ``qcluster`` draining a queued import.

These run ``manage.py`` as subprocesses on a database of their own: a SQLite file under the test's
DATA_DIR, or, when DATABASE_URL names a PostgreSQL server (CI's second pass), a fresh database on it.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dj_database_url
import pytest

from tests.conftest import ROOT
from tests.import_corpus import build_corpus

pytestmark = pytest.mark.processes


class Database:
    """A database for subprocesses and a way to query it from the test."""

    def __init__(self, data_dir: Path) -> None:
        server = os.environ.get("DATABASE_URL", "")
        self.postgres = server.startswith(("postgres://", "postgresql://"))
        if self.postgres:
            self.params = dj_database_url.parse(server)
            self.name = f"foi_proc_{uuid.uuid4().hex[:10]}"
            with self._connect("postgres") as conn:
                conn.execute(f'CREATE DATABASE "{self.name}"')
            base = server.rsplit("/", 1)[0] if "?" not in server else server.split("?")[0].rsplit("/", 1)[0]
            query = "?" + server.split("?", 1)[1] if "?" in server else ""
            self.url = f"{base}/{self.name}{query}"
        else:
            self.path = data_dir / "proc.sqlite3"
            self.url = f"sqlite:///{self.path}"

    def _connect(self, dbname: str) -> Any:
        import psycopg

        p = self.params
        return psycopg.connect(dbname=dbname, user=p.get("USER") or None, password=p.get("PASSWORD") or None,
                               host=p.get("HOST") or None, port=p.get("PORT") or None, autocommit=True)

    def query(self, sql: str) -> list[tuple[Any, ...]]:
        if self.postgres:
            with self._connect(self.name) as conn:
                return list(conn.execute(sql).fetchall())
        with sqlite3.connect(self.path, timeout=30) as conn:
            return list(conn.execute(sql).fetchall())

    def scalar(self, sql: str) -> Any:
        return self.query(sql)[0][0]

    def drop(self) -> None:
        if self.postgres:
            with self._connect("postgres") as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[dict[str, str], Database]]:
    data = tmp_path / "data"
    data.mkdir()
    db = Database(data)
    environ = {**os.environ, "FOI_DATA_DIR": str(data), "DATABASE_URL": db.url, "FOI_QA_SAMPLE_RATE": "0",
               "FOI_Q_WORKERS": "2", "PYTHONUNBUFFERED": "1", "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=environ, check=True)
    try:
        yield environ, db
    finally:
        db.drop()


def manage(environ: dict[str, str], *args: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=environ, capture_output=True,
                          text=True, timeout=300, **kwargs)


def wait_for(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def extracted(db: Database) -> int:
    return int(db.scalar("SELECT COUNT(*) FROM review_report WHERE current_run_id IS NOT NULL"))


def check_each_file_once(db: Database, expected_reports: int) -> None:
    reports, distinct = db.query("SELECT COUNT(*), COUNT(DISTINCT sha256) FROM review_report")[0]
    assert reports == distinct == expected_reports
    assert db.scalar("SELECT COUNT(*) FROM review_report WHERE status = 'pending'") == 0
    runs = db.query("SELECT report_id, COUNT(*) FROM review_extractionrun GROUP BY report_id")
    assert len(runs) == expected_reports and {n for _, n in runs} == {1}


def test_a_killed_import_resumes_without_losing_or_doubling(tmp_path: Path, env: Any) -> None:
    environ, db = env
    corpus = build_corpus(tmp_path / "in", 40, pdf_every=3)
    args = [sys.executable, "manage.py", "import_reports", str(corpus.folder), "--workers", "1", "--no-progress"]
    process = subprocess.Popen(args, cwd=ROOT, env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        wait_for(lambda: extracted(db) >= 12 or process.poll() is not None, 120, "12 files stored")
        os.kill(process.pid, signal.SIGKILL)  # the importing process only, as an OOM killer would
        process.wait(timeout=30)
    finally:
        time.sleep(1)
        try:
            os.killpg(process.pid, signal.SIGKILL)  # then whatever worker is left, for the test's hygiene
        except ProcessLookupError:
            pass
    stored_before = extracted(db)
    assert process.returncode == -signal.SIGKILL and stored_before < corpus.new_reports, "killed too late"
    assert db.scalar("SELECT COUNT(*) FROM review_importbatch WHERE finished_at IS NULL") == 1

    resumed = manage(environ, "import_reports", str(corpus.folder), "--workers", "2", "--no-progress")
    assert resumed.returncode == 0, resumed.stderr
    check_each_file_once(db, corpus.new_reports)
    outcomes = dict(db.query("SELECT outcome, COUNT(*) FROM review_importitem WHERE batch_id = "
                             "(SELECT MAX(id) FROM review_importbatch) GROUP BY outcome"))
    assert outcomes.get("known", 0) >= stored_before and outcomes.get("new", 0) > 0
    assert outcomes["known"] + outcomes["new"] == corpus.new_reports

    again = manage(environ, "import_reports", str(corpus.folder), "--no-progress", "-v0")
    assert re.search(rf"known\s+{corpus.new_reports}\s", again.stdout), again.stdout
    check_each_file_once(db, corpus.new_reports)


def test_a_real_qcluster_drains_a_queued_import(tmp_path: Path, env: Any) -> None:
    environ, db = env
    corpus = build_corpus(tmp_path / "in", 24, pdf_every=6)
    log = (tmp_path / "qcluster.log").open("w")
    cluster = subprocess.Popen([sys.executable, "manage.py", "qcluster"], cwd=ROOT, env=environ, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        queued = manage(environ, "import_reports", str(corpus.folder), "--queue", "--no-progress")
        assert queued.returncode == 0, queued.stderr
        assert re.search(rf"queued\s+{corpus.new_reports}\s", queued.stdout), queued.stdout
        wait_for(lambda: extracted(db) == corpus.new_reports, 180, "the cluster to extract every queued file")
        wait_for(lambda: db.scalar("SELECT COUNT(*) FROM django_q_ormq") == 0, 30, "the queue to empty")
    finally:
        cluster.send_signal(signal.SIGTERM)
        try:
            cluster.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(cluster.pid, signal.SIGKILL)
            cluster.wait(timeout=10)
        log.close()
    check_each_file_once(db, corpus.new_reports)
    assert db.scalar("SELECT COUNT(*) FROM django_q_task WHERE success = %s" % (
        "true" if db.postgres else "1")) == corpus.new_reports
    output = (tmp_path / "qcluster.log").read_text()
    assert "database is locked" not in output and "Traceback" not in output
