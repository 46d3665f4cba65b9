"""A reviewer in a real browser: log in, open a flagged report, fix the cell, see it clear, verify, audit.

Drives Debian's headless Chromium (/usr/bin/chromium; scripts/test.sh installs it) with Playwright.
Saves the README's screenshots to docs/screenshots/.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Playwright's sync API runs an event loop in this thread; Django's ORM calls here are still sync.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

from review.management.commands.bootstrap import fixture_files  # noqa: E402
from tests.builders import make_record, write_html, write_text  # noqa: E402
from tests.conftest import FIXTURES, ROOT, expected_for, report_keys  # noqa: E402
from tests.test_review_helpers import (  # noqa: E402
    FAST_HASHERS,
    MISREAD_CELL,
    UNBALANCED_PDF,
    UNBALANCED_TXT,
    ingest,
    make_reviewer,
)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = ROOT / "docs" / "screenshots"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: scripts/test.sh installs Debian's chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def test_reviewer_fixes_and_verifies_a_flagged_report(live_server: Any, browser: Any, settings: Any,
                                                      tmp_path: Path) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHERS
    make_reviewer("reviewer", "correct horse")
    flagged = ingest(UNBALANCED_TXT)
    pdf = ingest(UNBALANCED_PDF)
    for path in fixture_files(ROOT):
        ingest(path)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(30_000)  # generous: CI shares 2 cores with a second pytest worker

    page.goto(f"{live_server.url}/admin/login/?next=/admin/review/report/")
    page.fill("#id_username", "reviewer")
    page.fill("#id_password", "correct horse")
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/review/report/")
    if page.locator("#toggle-nav-sidebar").is_visible():
        page.click("#toggle-nav-sidebar")  # more room for the queue (the admin remembers it)
    assert page.locator("span.st-needs_review").count() >= 2
    page.screenshot(path=str(SHOTS / "review-queue.png"))

    started = time.perf_counter()
    page.click(f'a[href="/admin/review/report/{flagged.pk}/review/"]')
    finding = page.locator("button.finding.hard", has_text="I2 （一）予以公开")
    finding.wait_for()
    cell = page.locator(f'input[name="cell:{MISREAD_CELL}"]')
    assert cell.input_value() == "239"
    assert "f-hard" in (cell.locator("xpath=..").get_attribute("class") or "")
    # the page opens on the cell both findings name, with its source line highlighted beside the grid
    assert cell.evaluate("el => el === document.activeElement")
    assert "239" in page.locator("#src-text .ln.hit").inner_text()
    assert "I2 （一）予以公开" in page.locator("#cell-info").inner_text()
    page.screenshot(path=str(SHOTS / "review-page.png"))

    cell.fill("293")
    cell.press("Enter")  # Enter saves and re-validates
    page.locator("#no-hard").wait_for()
    cell = page.locator(f'input[name="cell:{MISREAD_CELL}"]')
    assert cell.input_value() == "293"
    assert "f-hard" not in (cell.locator("xpath=..").get_attribute("class") or "")
    assert page.locator("button.finding.hard").count() == 0

    page.click("#btn-verify")
    page.locator("#status.st-verified").wait_for()
    elapsed = time.perf_counter() - started
    audit = page.locator("#audit").inner_text()
    assert "表三 （一）予以公开 · 自然人" in audit and "239" in audit and "293" in audit and "reviewer" in audit
    assert "verified" in audit
    print(f"\nopen → fix → verify took {elapsed:.1f} s in the browser")
    assert elapsed < 60

    # a PDF report: the source is the rendered page with the selected cell's box drawn on it
    page.goto(f"{live_server.url}/admin/review/report/{pdf.pk}/review/")
    page.locator("button.finding.hard").first.click()
    page.locator("#cell-box:not([hidden])").wait_for()
    page.wait_for_function("document.getElementById('page-img').complete")
    box = page.locator("#cell-box").bounding_box()
    assert box is not None and box["width"] > 10 and box["height"] > 10
    assert page.locator("#page-no").inner_text() == "2"
    page.screenshot(path=str(SHOTS / "review-page-pdf.png"))

    # a web page that ran the cells together: the reviewer picks the reading the source shows
    from review.models import Report

    flattened = Report.objects.get(filename="pt-2021-syq.txt")
    # the body's 2022 report continues from a stock of 665: readings ending in 665 agree with it (S2)
    following = make_record("2021", seed=5, organization=flattened.organization, year=2022)
    following["active_disclosure"]["normative_documents"].update(issued=10, repealed=2, in_force=673)
    ingest(write_text(following, tmp_path / "pt-2022.txt"))
    # and the same report as a web page with real cells (accepted): the reading it holds is marked
    web_page = ingest(write_html(report_keys(expected_for(FIXTURES / "real" / "pt-2021-syq.txt")),
                                 tmp_path / "page.html"))
    issued = "active_disclosure/normative_documents/issued"
    page.goto(f"{live_server.url}/admin/review/report/{flattened.pk}/review/")
    page.locator(f'input[name="cell:{issued}"]').focus()
    page.locator("button.reading").first.wait_for()
    agreeing = page.locator("button.reading.agrees")
    assert agreeing.count() >= 1 and all(t.split(" ✓")[0].endswith("| 665") for t in agreeing.all_inner_texts())
    assert page.locator("button.reading:not(.agrees)", has_text="693 | 6 | 65").count() == 1
    assert page.locator("button.reading", has_text=f"69 | 3 | 665 ✓ as in #{web_page.pk} page.html").count() == 1
    page.screenshot(path=str(SHOTS / "review-page-digit-run.png"))
    page.locator("button.reading", has_text="69 | 3 | 665").click()
    assert page.locator('input[name="cell:active_disclosure/normative_documents/in_force"]').input_value() == "665"
    page.click("#btn-save")
    page.wait_for_url(f"**/admin/review/report/{flattened.pk}/review/**")
    saved = Report.objects.get(pk=flattened.pk)
    assert saved.record["active_disclosure"]["normative_documents"] == {"issued": 69, "repealed": 3, "in_force": 665}
    assert saved.hard_count == 0  # the last hard findings were that row's
