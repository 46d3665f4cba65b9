"""Export: every format and layout read back equals the database; filters; dictionary; atomic; gold; admin."""

from __future__ import annotations

import csv
import io
import json
from itertools import zip_longest
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from extraction.evaluate import evaluate_folder
from extraction.schema import required_cells
from review import exporting, services
from review.models import Report, Status
from tests.builders import make_record, write_docx, write_pdf, write_text
from tests.test_review_helpers import alice, fast_hashing  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def dataset(tmp_path: Path, alice: Any, settings: Any) -> dict[str, list[Report]]:
    """Three verified reports (2021 text and PDF, 2019 DOCX with money) and two accepted ones."""
    settings.QA_SAMPLE_RATE = 0.0
    files = [
        write_text(make_record("2021", seed=11, organization="焦作市人民政府", year=2024), tmp_path / "a.txt"),
        write_pdf(make_record("2021", seed=12, organization="淮安市人民政府", year=2023), tmp_path / "b.pdf"),
        write_docx(make_record("2019", seed=13, organization="平潭综合实验区管理委员会", year=2019), tmp_path / "c.docx"),
        write_text(make_record("2021", seed=14, organization="焦作市人民政府", year=2022), tmp_path / "d.txt"),
        write_text(make_record("2021", seed=15, organization="洛阳市生态环境局", year=2022), tmp_path / "e.txt"),
    ]
    reports = [services.ingest_path(f).report for f in files]
    assert all(r.status == Status.ACCEPTED for r in reports)
    for report in reports[:3]:
        services.verify_report(report, alice, version=report.version, note="checked against the source")
    return {"verified": [Report.objects.get(pk=r.pk) for r in reports[:3]],
            "accepted": [Report.objects.get(pk=r.pk) for r in reports[3:]]}


def export(*args: Any) -> str:
    out = io.StringIO()
    call_command("export_dataset", "--no-progress", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def read_rows(path: Path, fmt: str) -> list[dict[str, Any]]:
    if fmt == "csv":
        with path.open(encoding="utf-8-sig", newline="") as handle:
            return list(csv.DictReader(handle))
    if fmt == "jsonl":
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    if fmt == "xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True)["data"]
        rows = list(sheet.iter_rows(values_only=True))
        return [dict(zip_longest(rows[0], row)) for row in rows[1:]]  # read-only mode trims empty tails
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def same_number(got: Any, want: Any, fmt: str) -> bool:
    """The typed value as the format holds it equals the database value (money exact as text elsewhere)."""
    if want is None:
        return got in (None, "")
    if fmt == "csv":
        return got == str(want)
    if fmt == "jsonl":
        return got == want and type(got) is type(want)
    return Decimal(str(got)) == Decimal(str(want))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "jsonl"])
def test_long_layout_reads_back_equal_to_the_database(dataset: dict, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"verified.{fmt}"
    assert "3 report(s)" in export("-o", str(out))
    rows = read_rows(out, fmt)
    verified = dataset["verified"]
    assert len(rows) == sum(len(required_cells(r.template)) for r in verified)
    by_cell = {(int(r["report_id"]), r["table"], r["row"], r["column"]): r for r in rows}
    for report in verified:
        for key in required_cells(report.template):
            row = by_cell[(report.pk, *key)]
            want = report.record[key[0]][key[1]][key[2]]
            assert row["value_text"] == ("" if want is None else str(want)) or (fmt != "csv" and want is None
                                                                                   and row["value_text"] in ("", None))
            assert same_number(row["value"], want, fmt), (key, row["value"], want)
        sample = by_cell[(report.pk, "applications", "new_received", "natural_person")]
        assert sample["row_label"] == "一、本年新收政府信息公开申请数量" and sample["column_label"] == "自然人"
        assert (sample["organization"], sample["status"], sample["verified_by"]) == (
            report.organization, "verified", "alice")
        assert sample["source_sha256"] == report.sha256 and sample["verified_at"]
    money = [r for r in rows if r["kind"] == "money" and r["value_text"]]
    assert money and all(isinstance(Decimal(r["value_text"]), Decimal) for r in money)  # exact decimals
    dictionary = out.with_name("verified.dictionary.csv")
    labels = {r["column"]: r for r in csv.DictReader(dictionary.open(encoding="utf-8-sig"))}
    assert labels["applications.carried_forward.total"]["row_label"] == "四、结转下年度继续办理"
    assert labels["active_disclosure.government_procurement.amount"]["templates"] == "2019"
    assert {"report_id", "value", "value_text", "verified_by"} <= set(labels)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet", "jsonl"])
def test_wide_layout_one_row_per_report(dataset: dict, tmp_path: Path, fmt: str) -> None:
    out = tmp_path / f"wide.{fmt}"
    export("-o", str(out), "--layout", "wide", "--status", "verified,accepted")
    rows = {int(r["report_id"]): r for r in read_rows(out, fmt)}
    reports = dataset["verified"] + dataset["accepted"]
    assert set(rows) == {r.pk for r in reports}
    for report in reports:
        for key in required_cells(report.template):
            want = report.record[key[0]][key[1]][key[2]]
            got = rows[report.pk][".".join(key)]
            assert same_number(got, want, fmt) or (isinstance(want, str) and got == want), (key, got, want)


def test_filters_and_default_status(dataset: dict, tmp_path: Path) -> None:
    out = tmp_path / "x.jsonl"

    def ids(*args: str) -> set[int]:
        export("-o", str(out), "--layout", "wide", *args)
        return {r["report_id"] for r in read_rows(out, "jsonl")}

    verified, accepted = dataset["verified"], dataset["accepted"]
    assert ids() == {r.pk for r in verified}
    assert ids("--status", "accepted") == {r.pk for r in accepted}
    assert ids("--status", "verified", "--status", "accepted", "--body", "焦作") == {verified[0].pk, accepted[0].pk}
    assert ids("--template", "2019") == {verified[2].pk}
    assert ids("--status", "verified,accepted", "--year", "2022", "--year", "2023") == {
        verified[1].pk, accepted[0].pk, accepted[1].pk}
    assert "would export 3 report(s)" in export("--dry-run")
    with pytest.raises(CommandError, match="unknown status"):
        export("--status", "done")


def test_a_failed_export_leaves_the_previous_file_whole(dataset: dict, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "exports" / "keep.csv"
    out.parent.mkdir()
    out.write_text("the previous export\n", encoding="utf-8")
    calls = {"n": 0}
    original = exporting.long_rows

    def breaking(report: Report) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        return original(report)

    monkeypatch.setattr(exporting, "long_rows", breaking)
    with pytest.raises(CommandError, match="nothing written: disk full"):
        export("-o", str(out))
    assert out.read_text(encoding="utf-8") == "the previous export\n"
    assert sorted(p.name for p in out.parent.iterdir()) == ["keep.csv"]  # no temp file, no dictionary


def test_gold_export_is_a_folder_evaluate_reads(dataset: dict, tmp_path: Path) -> None:
    gold = tmp_path / "gold"
    assert "wrote 3 gold pair(s)" in export("--gold", str(gold))
    assert len(list(gold.glob("*.expected.json"))) == 3 and len(list(gold.glob("*.pdf"))) == 1
    evaluation = evaluate_folder(gold)
    assert len(evaluation.files) == 3
    assert evaluation.accuracy() == 1.0 and evaluation.silent_errors == 0
    assert all(f.decision == f.due == "accept" for f in evaluation.files)
    expected = json.loads(next(gold.glob("*.expected.json")).read_text(encoding="utf-8"))
    assert expected["source"]["verified_by"] == "alice"


def test_admin_action_downloads_the_selected_reports(dataset: dict, alice: Any) -> None:
    from openpyxl import load_workbook

    client = Client()
    client.force_login(alice)
    chosen = [dataset["verified"][0].pk, dataset["accepted"][0].pk]
    response = client.post("/admin/review/report/", {"action": "export_xlsx", "_selected_action": chosen})
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book["data"].iter_rows(values_only=True))
    assert {r[0] for r in rows[1:]} == set(chosen) and "dictionary" in book.sheetnames
    response = client.post("/admin/review/report/", {"action": "export_csv", "_selected_action": chosen[:1]})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.startswith("report_id,") and "予以公开" in text


def test_a_body_year_stored_twice_is_flagged_and_can_be_exported_once(dataset: dict, tmp_path: Path,
                                                                      alice: Any) -> None:
    """The same report as web page and as PDF: both are stored; the export says so, and
    --one-per-body-year keeps the verified one (else the accepted, else the latest)."""
    verified = dataset["verified"][0]  # 焦作市人民政府 2024, verified
    twin = services.ingest_path(write_pdf(make_record("2021", seed=11, organization="焦作市人民政府", year=2024),
                                          tmp_path / "a-as-pdf.pdf")).report
    assert twin.status == Status.ACCEPTED and twin.pk != verified.pk
    err = io.StringIO()
    call_command("export_dataset", "--no-progress", "--status", "verified,accepted", "--layout", "wide",
                 "-o", str(tmp_path / "all.jsonl"), stdout=io.StringIO(), stderr=err)
    assert f"1 body-year(s) appear more than once: 焦作市人民政府 2024: reports {verified.pk}, {twin.pk}" in err.getvalue()
    rows = read_rows(tmp_path / "all.jsonl", "jsonl")
    assert sorted(r["report_id"] for r in rows if r["year"] == 2024) == [verified.pk, twin.pk]

    err = io.StringIO()
    call_command("export_dataset", "--no-progress", "--status", "verified,accepted", "--layout", "wide",
                 "--one-per-body-year", "-o", str(tmp_path / "one.jsonl"), stdout=io.StringIO(), stderr=err)
    assert "appear more than once" not in err.getvalue()
    rows = read_rows(tmp_path / "one.jsonl", "jsonl")
    assert [r["report_id"] for r in rows if r["year"] == 2024 and r["organization"] == "焦作市人民政府"] == [verified.pk]
    assert len(rows) == 5  # every other body-year is kept
    # the review page names the twin, so a reviewer can reject one as a duplicate
    client = Client()
    client.force_login(alice)
    page = client.get(f"/admin/review/report/{twin.pk}/review/").content.decode()
    assert "Also stored for 焦作市人民政府 2024" in page and f"#{verified.pk} a.txt" in page
