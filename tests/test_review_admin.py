"""The admin: queue list and filters, the review page, its actions, permissions, upload limits."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from review import services
from review.models import CellEdit, Report, Status
from tests.test_review_helpers import (  # noqa: F401 - fixtures
    MISREAD_CELL,
    PT_2019,
    SEED,
    UNBALANCED_PDF,
    UNBALANCED_TXT,
    alice,
    bob,
    fast_hashing,
    fresh,
    ingest,
)

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/review/report/"


def review_url(report: Report) -> str:
    return reverse("admin:review_report_review", args=[report.pk])


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def post_action(client: Client, report: Report, action: str, **data: Any) -> Any:
    payload = {"action": action, "version": fresh(report).version, **data}
    return client.post(review_url(report), payload, follow=True)


@pytest.fixture
def loaded(db: None) -> dict[str, Report]:
    paths = {"seed": SEED, "txt": UNBALANCED_TXT, "pdf": UNBALANCED_PDF, "pt2019": PT_2019}
    return {name: ingest(path) for name, path in paths.items()}


def test_queue_lists_the_most_serious_first_and_filters(alice: Any, loaded: dict[str, Report]) -> None:
    client = client_for(alice)
    html = client.get(CHANGELIST).content.decode()
    links = re.findall(r'href="/admin/review/report/(\d+)/review/"', html)
    assert [int(x) for x in links] == [loaded[k].pk for k in ("pt2019", "txt", "pdf", "seed")]
    assert "Next report" in html
    for code, expected in (("I2", {"txt"}), ("I1", {"pdf"}), ("P1", {"pt2019"})):
        html = client.get(CHANGELIST, {"finding": code}).content.decode()
        found = {int(x) for x in re.findall(r'href="/admin/review/report/(\d+)/review/"', html)}
        assert found == {loaded[k].pk for k in expected}, code
    html = client.get(CHANGELIST, {"status": "accepted", "format": "text"}).content.decode()
    assert set(re.findall(r'/admin/review/report/(\d+)/review/', html)) == {str(loaded["seed"].pk)}
    html = client.get(CHANGELIST, {"q": "unbalanced-jiaozuo-office"}).content.decode()
    assert set(re.findall(r'/admin/review/report/(\d+)/review/', html)) == {str(loaded["pdf"].pk)}
    for params in ({"template": "2019"}, {"year": "2024"}, {"method": "deterministic"}, {"held": "others"}):
        assert client.get(CHANGELIST, params).status_code == 200


def test_review_page_shows_the_grid_the_findings_and_the_source(alice: Any, loaded: dict[str, Report]) -> None:
    report = loaded["txt"]
    response = client_for(alice).get(review_url(report))
    html = response.content.decode()
    assert response.status_code == 200
    assert "一、本年新收政府信息公开申请数量" in html and "三、本年度办理结果" in html and "行政复议" in html
    assert "I2 （一）予以公开: 总计 = 298, sum of the six applicant columns = 244 (diff 54)" in html
    cell = re.search(r'<td class="cell ([^"]*)"[^>]*><input name="cell:' + MISREAD_CELL + r'"[^>]*>', html)
    assert cell and "f-hard" in cell.group(1) and 'value="239"' in cell.group(0)
    assert 'data-loc="text, line 104"' in cell.group(0)
    assert re.search(r'<div class="ln" data-loc="text, line 104">', html)  # the source beside the grid
    assert fresh(report).claimed_by == alice  # opening a report to review claims it


def test_review_page_of_a_pdf_shows_the_page_image_and_boxes(alice: Any, loaded: dict[str, Report]) -> None:
    client = client_for(alice)
    html = client.get(review_url(loaded["pdf"])).content.decode()
    assert 'id="page-img"' in html and re.search(r'data-page="2" data-box="[\d.]+,[\d.]+,[\d.]+,[\d.]+"', html)
    png = client.get(reverse("admin:review_report_page", args=[loaded["pdf"].pk, 2]))
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert b"".join(png.streaming_content).startswith(b"\x89PNG")
    assert client.get(reverse("admin:review_report_page", args=[loaded["pdf"].pk, 9])).status_code == 404
    assert client.get(reverse("admin:review_report_page", args=[loaded["txt"].pk, 1])).status_code == 404


def test_review_page_of_a_2019_report_uses_the_2019_layout(alice: Any, loaded: dict[str, Report]) -> None:
    html = client_for(alice).get(review_url(loaded["pt2019"])).content.decode()
    assert "（六）其他处理" in html and "逾期未按收费通知" not in html
    assert "政府集中采购" in html and "本年新制作数量" in html


def test_the_review_page_says_how_the_parser_read_the_report(alice: Any, loaded: dict[str, Report]) -> None:
    """平潭 2019 printed its cells as digit runs: the run keeps the parser's notes and the page lists them."""
    run = fresh(loaded["pt2019"]).current_run
    assert run is not None and any(n.startswith("solved digit runs: rows new_received") for n in run.notes)
    html = client_for(alice).get(review_url(loaded["pt2019"])).content.decode()
    assert f"How the parser read it ({len(run.notes)})" in html
    assert "solved digit runs: rows new_received" in html


def test_save_then_verify_from_the_page(alice: Any, loaded: dict[str, Report]) -> None:
    client = client_for(alice)
    report = loaded["txt"]
    client.get(review_url(report))
    response = post_action(client, report, "save", **{f"cell:{MISREAD_CELL}": "293", "note": "misread"})
    assert "Saved. 0 hard finding(s), 0 soft." in messages_of(response)
    assert "No hard finding: the tables balance." in response.content.decode()
    response = post_action(client, report, "verify")
    assert "Verified." in messages_of(response)
    report = fresh(report)
    assert report.status == Status.VERIFIED
    html = response.content.decode()
    assert "表三 （一）予以公开 · 自然人" in html and ">239<" in html and ">293<" in html  # the audit trail
    assert 'name="cell:' + MISREAD_CELL + '"' in html and "disabled" in html  # verified: read-only


def test_verify_with_hard_findings_needs_a_note(alice: Any, loaded: dict[str, Report]) -> None:
    client = client_for(alice)
    report = loaded["pdf"]
    client.get(review_url(report))
    response = post_action(client, report, "verify")
    assert any("hard finding(s) remain" in m for m in messages_of(response))
    assert fresh(report).status == Status.NEEDS_REVIEW
    response = post_action(client, report, "verify", note="the published PDF prints 3: it does not balance")
    assert fresh(report).status == Status.VERIFIED


def test_unparseable_input_is_refused_with_a_clear_message(alice: Any, loaded: dict[str, Report]) -> None:
    client = client_for(alice)
    report = loaded["txt"]
    client.get(review_url(report))
    response = post_action(client, report, "save", **{f"cell:{MISREAD_CELL}": "29three"})
    assert messages_of(response) == ["Not saved — 表三 （一）予以公开 · 自然人: not a number: '29three'"]
    assert not CellEdit.objects.exists()


def test_a_concurrent_edit_is_refused(alice: Any, loaded: dict[str, Report]) -> None:
    client = client_for(alice)
    report = loaded["txt"]
    client.get(review_url(report))
    opened = fresh(report).version
    client.post(review_url(report), {"action": "save", "version": opened, f"cell:{MISREAD_CELL}": "293"})
    response = client.post(review_url(report), {"action": "save", "version": opened,
                                                "cell:applications/carried_over/total": "13"}, follow=True)
    assert any("changed by alice" in m and "Nothing was saved" in m for m in messages_of(response))
    assert fresh(report).record["applications"]["carried_over"]["total"] == 12


def test_a_report_held_by_another_reviewer_is_read_only(alice: Any, bob: Any, loaded: dict[str, Report]) -> None:
    report = loaded["txt"]
    client_for(alice).get(review_url(report))
    bob_client = client_for(bob)
    html = bob_client.get(review_url(report)).content.decode()
    assert "held by alice" in html and 'id="btn-save"' not in html
    response = post_action(bob_client, report, "save", **{f"cell:{MISREAD_CELL}": "293"})
    assert any("alice is working on this report" in m for m in messages_of(response))


def test_next_report_claims_and_skips_reports_others_hold(alice: Any, bob: Any, loaded: dict[str, Report]) -> None:
    next_url = reverse("admin:review_report_next")
    first = client_for(alice).get(next_url)
    second = client_for(bob).get(next_url)
    assert first["Location"] == review_url(loaded["pt2019"])
    assert second["Location"] == review_url(loaded["txt"])


def test_reject_and_reopen_from_the_page(alice: Any, loaded: dict[str, Report]) -> None:
    client = client_for(alice)
    report = loaded["pt2019"]
    client.get(review_url(report))
    response = post_action(client, report, "reject", reject_reason="duplicate", note="same file as #9")
    assert "Rejected." in messages_of(response) and fresh(report).status == Status.REJECTED
    response = post_action(client, report, "reopen", note="")
    assert any("say why" in m for m in messages_of(response))
    post_action(client, report, "reopen", note="not a duplicate after all")
    assert fresh(report).status == Status.NEEDS_REVIEW


def test_reviewers_cannot_delete_or_manage_users(alice: Any, loaded: dict[str, Report]) -> None:
    client = client_for(alice)
    assert client.get(f"/admin/review/report/{loaded['txt'].pk}/delete/").status_code == 403
    assert client.get("/admin/auth/user/").status_code == 403
    html = client.get(CHANGELIST).content.decode()
    assert "delete_selected" not in html
    assert client.get(f"/admin/review/report/{loaded['txt'].pk}/change/")["Location"] == review_url(loaded["txt"])


def test_staff_without_the_reviewer_group_cannot_review(loaded: dict[str, Report], fast_hashing: None) -> None:
    outsider = get_user_model().objects.create_user("outsider", password="x", is_staff=True)
    client = client_for(outsider)
    assert client.get(review_url(loaded["txt"])).status_code == 403
    assert client.post(review_url(loaded["txt"]), {"action": "save", "version": 1}).status_code == 403
    assert client.get(reverse("admin:review_report_next")).status_code == 403
    anonymous = Client().get(review_url(loaded["txt"]))
    assert anonymous.status_code == 302 and "/admin/login/" in anonymous["Location"]


def test_upload_is_limited_in_size_and_type(alice: Any, settings: Any) -> None:
    client = client_for(alice)
    url = reverse("admin:review_report_upload")
    settings.MAX_UPLOAD_BYTES = 1000
    big = client.post(url, {"file": SimpleUploadedFile("big.txt", b"x" * 1001)})
    assert "the limit is 1,000 bytes" in big.content.decode()
    settings.MAX_UPLOAD_BYTES = 10_000_000
    exe = client.post(url, {"file": SimpleUploadedFile("tool.exe", b"MZ\x90\x00")})
    assert ".exe: upload one of" in exe.content.decode()
    fake = client.post(url, {"file": SimpleUploadedFile("fake.pdf", b"not a pdf at all")})
    assert "is not a PDF document" in fake.content.decode()
    assert Report.objects.count() == 0
    ok = client.post(url, {"file": SimpleUploadedFile("report.txt", UNBALANCED_TXT.read_bytes()),
                           "source_url": "https://www.jiaozuo.gov.cn/report.htm"})
    report = Report.objects.get()
    assert ok["Location"] == review_url(report) and report.status == Status.NEEDS_REVIEW
    assert report.source_url == "https://www.jiaozuo.gov.cn/report.htm"
    again = client.post(url, {"file": SimpleUploadedFile("again.txt", UNBALANCED_TXT.read_bytes())}, follow=True)
    assert any("uploaded before" in m for m in messages_of(again)) and Report.objects.count() == 1


def test_source_download_keeps_the_original_name(alice: Any, loaded: dict[str, Report]) -> None:
    response = client_for(alice).get(reverse("admin:review_report_source", args=[loaded["pdf"].pk]))
    assert response.status_code == 200 and "unbalanced-jiaozuo-office-2021.pdf" in response["Content-Disposition"]


def test_reextract_action_keeps_reviewed_records(alice: Any, loaded: dict[str, Report]) -> None:
    client = client_for(alice)
    report = loaded["txt"]
    services.save_record(fresh(report), alice, version=fresh(report).version, cells={MISREAD_CELL: "293"})
    client.post(CHANGELIST, {"action": "reextract", "_selected_action": [report.pk, loaded["seed"].pk]})
    assert fresh(report).runs.count() == 2 and fresh(report).findings == []


def test_upload_limit_middleware_refuses_oversized_bodies_before_reading(settings: Any) -> None:
    from django.http import HttpResponse
    from django.test import RequestFactory

    from review.middleware import FORM_OVERHEAD, UploadLimitMiddleware

    settings.MAX_UPLOAD_BYTES = 1000
    middleware = UploadLimitMiddleware(lambda request: HttpResponse("ok"))
    factory = RequestFactory()
    big = factory.post("/admin/review/report/upload/", data=b"x", content_type="application/octet-stream",
                       CONTENT_LENGTH=str(1000 + FORM_OVERHEAD + 1))
    assert middleware(big).status_code == 413
    small = factory.post("/admin/review/report/upload/", data=b"x", content_type="application/octet-stream")
    assert middleware(small).status_code == 200
