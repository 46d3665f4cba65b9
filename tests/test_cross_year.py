"""Cross-year soft findings (S1 carry-over, S2 stock-flow): whichever year arrives first, single or batch."""

from __future__ import annotations

import copy
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from extraction.schema import APPLICANT_KEYS
from review import services
from review.models import Report, Status
from tests.builders import make_record, write_html, write_text
from tests.conftest import FIXTURES, expected_for, report_keys
from tests.test_review_helpers import alice, fast_hashing  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

BODY = "焦作市人民政府"


@pytest.fixture(autouse=True)
def _no_sampling(settings: Any) -> None:
    settings.QA_SAMPLE_RATE = 0.0


def pair(body: str, seed: int = 1) -> tuple[dict, dict]:
    """Two neighbouring years of one body; their carry-over and stock-flow do not match (random numbers)."""
    return (make_record("2021", seed=seed, organization=body, year=2023),
            make_record("2021", seed=seed + 100, organization=body, year=2024))


def consistent_pair(body: str) -> tuple[dict, dict]:
    """2024 carries over exactly what 2023 carried forward, and its stock follows: no S1, no S2."""
    for seed in range(1, 200):
        before, after = pair(body, seed)
        after = copy.deepcopy(after)
        apps = after["applications"]
        ok = True
        for col in APPLICANT_KEYS:
            delta = before["applications"]["carried_forward"][col] - apps["carried_over"][col]
            apps["carried_over"][col] += delta
            apps["carried_forward"][col] += delta  # keeps I1: 一 + 二 = （七） + 四
            ok = ok and apps["carried_forward"][col] >= 0
        for row in ("rules", "normative_documents"):
            now = after["active_disclosure"][row]
            now["in_force"] = before["active_disclosure"][row]["in_force"] + now["issued"] - now["repealed"]
            ok = ok and now["in_force"] >= 0
        if ok:
            return before, after
    raise AssertionError("no consistent pair found")


def ingest(record: dict, path: Path) -> Report:
    return services.ingest_path(write_text(record, path)).report


def codes(report: Report) -> set[str]:
    return set(Report.objects.get(pk=report.pk).finding_codes.split())


@pytest.mark.parametrize("order", ["older first", "newer first"])
def test_s1_and_s2_appear_whichever_year_is_stored_first(tmp_path: Path, order: str) -> None:
    before, after = pair(BODY)
    if order == "older first":
        old = ingest(before, tmp_path / "2023.txt")
        new = ingest(after, tmp_path / "2024.txt")
    else:
        new = ingest(after, tmp_path / "2024.txt")
        assert not codes(new) & {"S1", "S2"}  # nothing to compare with yet
        old = ingest(before, tmp_path / "2023.txt")
    assert {"S1", "S2"} <= codes(new) and not codes(old) & {"S1", "S2"}
    messages = [f["message"] for f in Report.objects.get(pk=new.pk).findings if f["code"] == "S1"]
    assert any("上年结转" in m and "2023年 结转下年度继续办理" in m for m in messages)
    assert Report.objects.get(pk=new.pk).status == Status.ACCEPTED  # soft findings do not send it to review
    assert Report.objects.get(pk=new.pk).hard_count == 0


def test_matching_neighbours_give_no_cross_year_finding(tmp_path: Path) -> None:
    before, after = consistent_pair(BODY)
    new = ingest(after, tmp_path / "2024.txt")
    ingest(before, tmp_path / "2023.txt")
    assert not codes(new) & {"S1", "S2"}


def test_batch_import_checks_neighbours_in_both_directions(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    first_body, second_body = "淮安市人民政府", "洛阳市生态环境局"
    a_before, a_after = pair(first_body, 3)
    b_before, b_after = pair(second_body, 5)
    write_text(a_after, folder / "a1-2024.txt")  # newer year sorts (and is stored) first
    write_text(a_before, folder / "a2-2023.txt")
    write_text(b_before, folder / "b1-2023.txt")  # older year first
    write_text(b_after, folder / "b2-2024.txt")
    call_command("import_reports", str(folder), "--workers", "2", "--no-progress", stdout=io.StringIO())
    for body in (first_body, second_body):
        assert {"S1", "S2"} <= set(Report.objects.get(organization=body, year=2024).finding_codes.split())
        assert "S1" not in Report.objects.get(organization=body, year=2023).finding_codes


def test_the_review_page_shows_the_cross_year_findings(tmp_path: Path, alice: Any) -> None:
    before, after = pair(BODY, 7)
    new = ingest(after, tmp_path / "2024.txt")
    ingest(before, tmp_path / "2023.txt")
    client = Client()
    client.force_login(alice)
    page = client.get(f"/admin/review/report/{new.pk}/review/").content.decode()
    assert "S1 自然人: 上年结转" in page and "S2 规章" in page


def test_correcting_last_year_rechecks_this_year(tmp_path: Path, alice: Any) -> None:
    """A reviewer fixes 2023's 结转下年度 to what 2024 carried over: 2024's S1 clears at once."""
    before, after = consistent_pair(BODY)
    col = "natural_person"
    printed = copy.deepcopy(before)
    printed["applications"]["carried_forward"][col] += 1
    printed["applications"]["total"][col] -= 1  # the 2023 source misprints one cell pair, still balanced
    old = ingest(printed, tmp_path / "2023.txt")
    new = ingest(after, tmp_path / "2024.txt")
    assert "S1" in codes(new)
    old = Report.objects.get(pk=old.pk)
    assert old.status == Status.NEEDS_REVIEW  # the misprint breaks I2/I3 in 2023 itself
    services.save_record(old, alice, version=old.version, note="misread", cells={
        f"applications/carried_forward/{col}": str(before["applications"]["carried_forward"][col]),
        f"applications/total/{col}": str(before["applications"]["total"][col]),
    })
    assert "S1" not in codes(new)


def offered_readings(user: Any, report: Report) -> tuple[str, dict[str, Any]]:
    """The review page as the browser gets it, and the finding that offers the readings of a digit run."""
    client = Client()
    client.force_login(user)
    page = client.get(f"/admin/review/report/{report.pk}/review/").content.decode()
    found = re.search(r'<script id="findings-data" type="application/json">(.*?)</script>', page, re.S)
    assert found
    return page, next(f for f in json.loads(found.group(1)) if f.get("options"))


def test_the_neighbouring_year_marks_the_reading_of_a_digit_run_that_agrees(tmp_path: Path, alice: Any) -> None:
    """平潭 2023 prints 行政规范性文件 as the run 77132470 (21 readings). With the body's 2022 report stored
    (现行有效 525), S2 singles out 77 | 132 | 470 on the review page; the report still waits for a reviewer."""
    flattened = services.ingest_path(FIXTURES / "real" / "pt-2023-syq.txt").report
    assert flattened.organization == "平潭综合实验区" and flattened.status == Status.NEEDS_REVIEW
    before = make_record("2021", seed=3, organization=flattened.organization, year=2022)
    before["active_disclosure"]["normative_documents"]["in_force"] = 525
    ingest(before, tmp_path / "2022.txt")
    assert Report.objects.get(pk=flattened.pk).status == Status.NEEDS_REVIEW  # narrowed, never decided
    _, offered = offered_readings(alice, flattened)
    assert len(offered["options"]) == 21
    fits = dict(zip(map(tuple, offered["options"]), offered["option_fits"]))
    assert [reading for reading, fit in fits.items() if not fit] == [(77, 132, 470)]
    assert fits[(771, 32, 470)] == ["S2 行政规范性文件: 上年现行有效 + 本年制发 − 本年废止 = 1264, 现行有效件数 = 470"
                                    " (diff -794)"]


def test_another_copy_of_the_same_report_marks_the_reading_it_holds(tmp_path: Path, alice: Any) -> None:
    """平潭 2021 as page text (the run '693665', 10 readings) and as a web page with real cells (accepted):
    the reading the web page holds is marked on the text's review page; the text still waits for a reviewer."""
    text_page = services.ingest_path(FIXTURES / "real" / "pt-2021-syq.txt").report
    expected = report_keys(expected_for(FIXTURES / "real" / "pt-2021-syq.txt"))
    web_page = services.ingest_path(write_html(expected, tmp_path / "page.html")).report
    assert web_page.status == Status.ACCEPTED and (web_page.organization, web_page.year) == ("平潭综合实验区", 2021)
    assert Report.objects.get(pk=text_page.pk).status == Status.NEEDS_REVIEW
    page, offered = offered_readings(alice, text_page)
    marked = {tuple(o): t for o, t in zip(offered["options"], offered["option_twins"], strict=True) if t}
    assert marked == {(69, 3, 665): [f"#{web_page.pk} page.html (accepted automatically)"]}
    assert "Also stored for 平潭综合实验区 2021:" in page
