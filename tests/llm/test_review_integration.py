"""The LLM step inside the product: the ingest pipeline, the usage ledger and the review page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from review import services
from review.models import LlmCall, Report, Status
from tests.llm.fake_server import FakeOpenAI, answer, prompt_text
from tests.llm.reports import model_answer, prose_report, seed_expected
from tests.test_review_helpers import alice, fast_hashing  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


@pytest.fixture
def prose_file(tmp_path: Path) -> Path:
    path = tmp_path / "jiaozuo-2024-prose.txt"
    path.write_text(prose_report(), encoding="utf-8")
    return path


def test_without_configuration_the_report_waits_in_the_queue_with_the_reason(
    prose_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("FOI_LLM_BASE_URL", "FOI_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    report = services.ingest_path(prose_file).report
    assert report.status == Status.NEEDS_REVIEW
    assert "LLM not configured" in report.reasons
    assert not LlmCall.objects.exists()


def test_with_a_real_openai_compatible_server_the_record_is_validated_grounded_and_queued(
    prose_file: Path, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch, alice: Any, settings: Any
) -> None:
    monkeypatch.setenv("FOI_LLM_BASE_URL", fake.base_url)
    monkeypatch.setenv("FOI_LLM_MODEL", "fake-model")
    monkeypatch.setenv("FOI_LLM_API_KEY", "test-key")
    monkeypatch.setenv("FOI_LLM_MODE", "tools")
    fake.push(answer("tools", model_answer(seed_expected())))
    report = services.ingest_path(prose_file).report

    assert report.status == Status.NEEDS_REVIEW and report.method == "llm"
    assert "LLM result: a reviewer confirms it" in report.reasons
    assert report.record == seed_expected()  # every number grounded in the prose, identities hold
    assert report.hard_count == 0
    run = report.current_run
    assert run.model_name == "fake-model" and run.prompt_version
    call = LlmCall.objects.get(report=report)
    assert (call.reason, call.model_name, call.mode, call.status) == ("extract", "fake-model", "tools", "ok")
    assert call.prompt_tokens > 0 and call.completion_tokens > 0
    assert "不予公开" in prompt_text(fake.requests[0])  # the report's own table sections were sent
    assert (Path(settings.DATA_DIR) / "llm-cache").is_dir()  # answers cached under the data directory

    # a second import of the same bytes pays nothing: the answer comes from the cache
    services.ingest_path(prose_file, force=True)
    assert len(fake.requests) == 1
    assert LlmCall.objects.filter(report=report, status="cached").count() == 1

    client = Client()
    client.force_login(alice)
    page = client.get(f"/admin/review/report/{report.pk}/review/").content.decode()
    assert "LLM usage" in page and "fake-model" in page
    ledger = client.get("/admin/review/llmcall/").content.decode()
    assert "fake-model" in ledger
    assert Report.objects.get(pk=report.pk).record == seed_expected()


def test_extract_command_uses_the_llm_step_when_configured(
    prose_file: Path, fake: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io
    import json

    from django.core.management import call_command

    monkeypatch.setenv("FOI_LLM_BASE_URL", fake.base_url)
    monkeypatch.setenv("FOI_LLM_MODEL", "fake-model")
    monkeypatch.setenv("FOI_LLM_MODE", "json")
    monkeypatch.delenv("FOI_LLM_CACHE_DIR", raising=False)
    fake.push(answer("json", model_answer(seed_expected())))
    out = io.StringIO()
    call_command("extract", "--json", str(prose_file), stdout=out)
    line = json.loads(out.getvalue())
    assert line["method"] == "llm" and line["decision"] == "review"
    assert line["report"] == seed_expected()
    assert "LLM result: a reviewer confirms it" in line["reasons"]
