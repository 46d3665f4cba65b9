"""Batch import on real generated files: every file a result row, dedupe, zip, limits, metadata, workers."""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from extraction import ExtractConfig
from review.extract_worker import ExtractorPool, Job
from review.import_sources import discover
from review.models import ExtractionRun, ImportBatch, Report, Status
from review.storage import sha256_of, source_path
from tests.conftest import FIXTURES
from tests.import_corpus import build_corpus, crash_fallback, report_record, write_report

pytestmark = pytest.mark.django_db

FRAGMENT = FIXTURES / "real" / "ha-2024-szf-fragment.txt"
SEED = FIXTURES / "seeds" / "000_fd57272cd8fb4328.txt"


@pytest.fixture(autouse=True)
def _no_sampling(settings: Any) -> None:
    settings.QA_SAMPLE_RATE = 0.0


def run(*args: Any) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_reports", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def outcomes(batch: ImportBatch) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in batch.items.all():
        counts[item.outcome] = counts.get(item.outcome, 0) + 1
    return counts


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_mixed_directory_imports_once_and_every_file_gets_a_row(tmp_path: Path, workers: str) -> None:
    corpus = build_corpus(tmp_path / "in", 8, pdf_every=4)
    out, err = run(str(corpus.folder), "--workers", workers)
    files = len(discover([str(corpus.folder)], max_bytes=2**30, max_archive_bytes=2**30))
    batch = ImportBatch.objects.get()
    assert batch.finished_at is not None and batch.items.count() == files
    assert outcomes(batch) == {"new": corpus.new_reports, "skipped": corpus.skipped}
    assert Report.objects.count() == ExtractionRun.objects.count() == corpus.new_reports
    assert Report.objects.filter(status=Status.ACCEPTED).count() == len(corpus.reports) + corpus.zip_reports
    failed = {i.name.split("/")[-1]: i.reason for i in batch.items.filter(status=Status.FAILED)}
    assert set(failed) == {"random.pdf", "truncated.pdf", "empty.txt", "notice.html"}
    assert "empty file" in failed["empty.txt"] and "not an annual" in failed["notice.html"]
    zipped = Report.objects.filter(filename__in=["z0.txt", "z1.txt", "z2.txt"])
    assert zipped.count() == 3 and batch.items.filter(name__endswith="bundle.zip!inner/z1.txt").exists()
    assert batch.items.get(name__endswith="bundle.zip!readme.xml").outcome == "skipped"
    for report in Report.objects.all():
        assert sha256_of(source_path(report.sha256).read_bytes()) == report.sha256
    assert "Import batch" in out and "accepted" in out and "import:" in err  # the bar is on stderr

    again, _ = run(str(corpus.folder), "--workers", workers, "--no-progress")
    second = ImportBatch.objects.latest("id")
    assert outcomes(second) == {"known": corpus.new_reports, "skipped": corpus.skipped}
    assert Report.objects.count() == ExtractionRun.objects.count() == corpus.new_reports
    assert "known" in again and "stored before" in again


def test_dry_run_says_what_would_happen_and_writes_nothing(tmp_path: Path, settings: Any) -> None:
    corpus = build_corpus(tmp_path / "in", 3, pdf_every=0, broken=False)
    out, _ = run(str(corpus.folder), "--dry-run", "--workers", "0")
    assert "Dry run (nothing stored)" in out and out.count("new       accepted") == 3
    assert Report.objects.count() == 0 and ImportBatch.objects.count() == 0
    assert not (Path(settings.DATA_DIR) / "sources").exists()


def test_duplicates_in_one_run_are_imported_once(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_bytes(SEED.read_bytes())
    (folder / "copy-of-a.txt").write_bytes(SEED.read_bytes())
    out, _ = run(str(folder), "--workers", "0")
    assert Report.objects.count() == 1
    assert outcomes(ImportBatch.objects.get()) == {"new": 1, "duplicate": 1}
    assert "same content as" in out


def test_limits_fail_one_file_and_never_the_run(tmp_path: Path, settings: Any) -> None:
    settings.MAX_IMPORT_BYTES = 200_000
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "huge.txt").write_bytes(b"x" * 300_000)
    write_report(1, folder, pdf_every=0)
    with zipfile.ZipFile(folder / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("big.txt", b"0" * 5_000_000)  # compresses to a few KB, declared 5 MB
        archive.writestr("ok.txt", (FIXTURES / "seeds" / "001_bdd5b039361f2e6c.txt").read_bytes())
        archive.writestr("nested.zip", b"PK\x05\x06" + b"\x00" * 18)
    (folder / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    out, _ = run(str(folder), str(tmp_path / "missing.pdf"), "--workers", "0")
    batch = ImportBatch.objects.get()
    rows = {i.name.rsplit("/", 1)[-1]: (i.outcome, i.reason) for i in batch.items.all()}
    assert rows["huge.txt"][0] == "failed" and "FOI_MAX_IMPORT_MB" in rows["huge.txt"][1]
    assert rows["bomb.zip!big.txt"][0] == "failed" and "too large" in rows["bomb.zip!big.txt"][1]
    assert rows["bomb.zip!ok.txt"][0] == "new"
    assert rows["bomb.zip!nested.zip"][0] == "skipped"
    assert rows["broken.zip"][0] == "failed" and "not a readable zip" in rows["broken.zip"][1]
    assert rows["missing.pdf"] == ("failed", "file not found")
    assert rows["r00001.html"][0] == "new"
    assert Report.objects.count() == 2
    with pytest.raises(CommandError, match="failed"):
        run(str(folder), "--workers", "0", "--strict")


def test_globs_and_metadata_csv(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    a = write_report(1, folder, pdf_every=0)
    b = write_report(2, folder, pdf_every=0)
    meta = tmp_path / "meta.csv"
    meta.write_text("file,source_url,published_on,region\n"
                    f"{a.name},https://www.example.gov.cn/a.html,2025-01-20,河南省\n"
                    f"{b.name},,2025/02/03,\n"
                    "nowhere.txt,https://x.example/,,\n", encoding="utf-8-sig")
    out, _ = run(str(folder / "*.html"), str(folder / "r*.docx"), "--metadata", str(meta), "--workers", "0")
    first = Report.objects.get(filename=a.name)
    assert (first.source_url, str(first.published_on), first.region) == (
        "https://www.example.gov.cn/a.html", "2025-01-20", "河南省")
    assert str(Report.objects.get(filename=b.name).published_on) == "2025-02-03"
    assert "matched no file: 1 (nowhere.txt" in out
    bad = tmp_path / "bad.csv"
    bad.write_text("file,source_url,published_on\nx.txt,not-a-url,2025-13-01\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 2"):
        run(str(folder), "--metadata", str(bad))


def test_a_crashing_file_fails_alone_and_the_pool_goes_on(tmp_path: Path) -> None:
    good = [write_report(i, tmp_path, pdf_every=0) for i in range(1, 4)]
    pool = ExtractorPool(2, ExtractConfig(fallback=crash_fallback), timeout=60)
    jobs = [Job(0, good[0].name, path=str(good[0])), Job(1, FRAGMENT.name, path=str(FRAGMENT)),
            Job(2, good[1].name, path=str(good[1])), Job(3, good[2].name, data=good[2].read_bytes())]
    results: dict[int, Any] = {}
    for job in jobs:
        pool.submit(job)
    results.update(pool.drain())
    pool.close()
    assert results[1].decision == "failed" and "crashed" in results[1].reasons[0]
    assert [results[k].decision for k in (0, 2, 3)] == ["accept"] * 3


def test_a_hanging_file_times_out_alone(tmp_path: Path) -> None:
    fifo = tmp_path / "never.txt"
    os.mkfifo(fifo)  # opening it for reading blocks forever: a file that hangs its reader
    good = write_report(1, tmp_path, pdf_every=0)
    pool = ExtractorPool(1, ExtractConfig(), timeout=3)
    pool.submit(Job(0, fifo.name, path=str(fifo)))
    pool.submit(Job(1, good.name, path=str(good)))
    results = dict(pool.drain())
    pool.close()
    assert results[0].decision == "failed" and "longer than 3 s" in results[0].reasons[0]
    assert results[1].decision == "accept"


def test_queue_stores_now_and_a_rerun_requeues_only_unextracted(tmp_path: Path) -> None:
    from django_q.models import OrmQ

    from review import tasks

    folder = tmp_path / "in"
    folder.mkdir()
    paths = [write_report(i, folder, pdf_every=0) for i in range(1, 3)]
    out, _ = run(str(folder), "--queue", "--no-progress")
    assert out.count("queued") >= 2 and OrmQ.objects.count() == 2
    assert set(Report.objects.values_list("status", flat=True)) == {Status.PENDING}
    tasks.extract_report(Report.objects.get(filename=paths[0].name).pk)
    run(str(folder), "--queue", "--no-progress")
    assert outcomes(ImportBatch.objects.latest("id")) == {"known": 1, "queued": 1}
    assert report_record(1)["organization"] == Report.objects.get(filename=paths[0].name).organization
