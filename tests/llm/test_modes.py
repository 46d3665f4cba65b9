"""Each instructor mode against the fake server: answers, reasks, grounding, broken answers, HTTP errors.

The report is the 焦作 2024 seed with its tables written as sentences, so the parser reads nothing
and the LLM step produces the record; the fake server answers as a correct model would (the
seed's expected record) or with the faults each test needs.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from extraction.document import Document
from extraction.llm import LLM_REVIEW, LlmClient, LlmConfig
from tests.llm.conftest import MODES, run
from tests.llm.fake_server import FakeOpenAI, Reply, answer, error, prompt_text, raw_answer
from tests.llm.reports import model_answer, seed_expected

pytestmark = pytest.mark.parametrize("mode", MODES)

NEW_NATURAL = ("applications", "new_received", "natural_person")


def _expected() -> dict[str, Any]:
    return seed_expected()


def _answer_with(changes: dict[tuple[str, str, str], Any]) -> dict[str, Any]:
    data = copy.deepcopy(model_answer(_expected()))
    for (table, row, fld), value in changes.items():
        data[table][row][fld] = value
    return data


def test_correct_answer_is_the_record_and_goes_to_review(mode: str, fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                                          prose_doc: Document) -> None:
    fake.push(answer(mode, model_answer(_expected())))
    result = run(prose_doc, llm_config(mode))
    assert result.method == "llm"
    assert result.to_json_dict()["report"] == _expected()
    assert result.decision == "review" and result.reasons == [LLM_REVIEW]
    assert not result.hard_findings
    assert [(c.reason, c.status, c.prompt_tokens, c.completion_tokens) for c in result.llm_calls] == [
        ("extract", "ok", 1200, 900)]
    assert result.versions["prompt"] and result.versions["model"] == "fake-model"
    # Only the tables' section travels: the opening prose stays home, the title and the rules go.
    sent = prompt_text(fake.requests[0])
    assert "第二十条第(一)项" in sent and "结果维持34件" in sent and "焦作市人民政府2024年" in sent  # NFKC
    assert "习近平" not in sent and "never correct" not in sent.lower()
    assert "Never compute, correct or complete a number" in sent
    assert fake.requests[0]["model"] == "fake-model" and fake.requests[0]["temperature"] == 0


def test_correct_answer_is_accepted_when_config_allows(mode: str, fake: FakeOpenAI,
                                                       llm_config: Callable[..., LlmConfig], prose_doc: Document) -> None:
    fake.push(answer(mode, model_answer(_expected())))
    result = run(prose_doc, llm_config(mode, accept=True))
    assert result.decision == "accept", result.reasons
    assert result.method == "llm" and result.to_json_dict()["report"] == _expected()


def test_unbalanced_answer_fixed_by_the_reask(mode: str, fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                              prose_doc: Document) -> None:
    # 7 is printed (many times) in 表三, so only the identities can tell this answer is wrong.
    fake.push(answer(mode, _answer_with({NEW_NATURAL: 7})), answer(mode, model_answer(_expected())))
    result = run(prose_doc, llm_config(mode, accept=True))
    assert len(fake.requests) == 2
    reask = fake.requests[1]["messages"][-1]["content"]
    assert "I1 自然人: 一+二 = 18, （七）+四 = 767 (diff -749)" in reask
    assert "表三 一、本年新收政府信息公开申请数量 · 自然人 = 7" in reask
    assert "I2 一、本年新收政府信息公开申请数量: 总计 = 782" in reask
    assert "never change a number to make a check pass" in reask
    assert [c.reason for c in result.llm_calls] == ["extract", "reask"]
    assert result.to_json_dict()["report"] == _expected()
    assert result.decision == "accept", result.reasons


def test_unbalanced_answer_that_stays_unbalanced_goes_to_review(mode: str, fake: FakeOpenAI,
                                                                llm_config: Callable[..., LlmConfig],
                                                                prose_doc: Document) -> None:
    wrong = _answer_with({NEW_NATURAL: 7})
    fake.push(answer(mode, wrong), answer(mode, wrong))
    result = run(prose_doc, llm_config(mode, accept=True))
    assert len(fake.requests) == 2
    assert result.decision == "review"
    codes = {f.code for f in result.hard_findings}
    assert {"I1", "I2"} <= codes
    assert any(r.startswith("I1 自然人: 一+二 = 18") for r in result.reasons)
    assert result.record is not None and result.record.value(NEW_NATURAL) == 7


def test_number_not_in_the_source_is_g1_and_never_enters_the_record(mode: str, fake: FakeOpenAI,
                                                                     llm_config: Callable[..., LlmConfig],
                                                                     prose_doc: Document) -> None:
    coercion = ("active_disclosure", "administrative_coercion", "decisions")
    invented = answer(mode, _answer_with({coercion: 8592}))  # printed: 8591; no identity covers 表二
    fake.push(invented, invented)
    result = run(prose_doc, llm_config(mode, accept=True))
    assert result.decision == "review"
    g1 = [f for f in result.findings if f.code == "G1"]
    assert len(g1) == 1 and g1[0].cells == (coercion,) and g1[0].printed == 8592
    assert "G1 表二 行政强制 · 本年处理决定数量: 8592 does not occur in the source text" in g1[0].message
    assert result.record is not None and not result.record.has(coercion)
    assert "8592" in fake.requests[1]["messages"][-1]["content"]  # the reask asked to re-read that cell


def test_a_reask_that_invents_numbers_to_balance_is_set_aside(mode: str, fake: FakeOpenAI,
                                                             llm_config: Callable[..., LlmConfig],
                                                             prose_doc: Document) -> None:
    balanced_by_invention = _answer_with({NEW_NATURAL: 7, ("applications", "total", "natural_person"): 11,
                                          ("applications", "new_received", "total"): 33})
    fake.push(answer(mode, _answer_with({NEW_NATURAL: 7})), answer(mode, balanced_by_invention))
    result = run(prose_doc, llm_config(mode, accept=True))
    assert result.decision == "review"
    assert any(r.startswith("reask answer set aside") for r in result.reasons)
    assert result.record is not None and result.record.value(("applications", "total", "natural_person")) == 760


def test_malformed_json_goes_to_review(mode: str, fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                       prose_doc: Document) -> None:
    fake.push(raw_answer(mode, '{"organization": "焦作市人民政府", "year": 2024, "active_disclosure": {"rules": '))
    result = run(prose_doc, llm_config(mode))
    assert result.decision == "review"
    assert any(r.startswith("LLM answer unreadable: ") for r in result.reasons), result.reasons
    assert result.method == "deterministic"
    assert len(fake.requests) == 1 and result.llm_calls[0].status == "error"


def test_truncated_answer_goes_to_review(mode: str, fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                        prose_doc: Document) -> None:
    partial = json.dumps(model_answer(_expected()), ensure_ascii=False)[:400]
    fake.push(raw_answer(mode, partial, finish_reason="length"))
    result = run(prose_doc, llm_config(mode))
    assert result.decision == "review"
    assert any("answer truncated" in r for r in result.reasons), result.reasons
    assert len(fake.requests) == 1
    assert result.llm_calls[0].status == "error" and result.llm_calls[0].completion_tokens == 900


def test_429_with_retry_after_is_retried(mode: str, fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                         prose_doc: Document) -> None:
    fake.push(error(429, "slow down", {"Retry-After": "0"}), answer(mode, model_answer(_expected())))
    result = run(prose_doc, llm_config(mode))
    assert len(fake.requests) == 2
    assert result.method == "llm" and result.to_json_dict()["report"] == _expected()
    assert [c.status for c in result.llm_calls] == ["error", "ok"]
    assert "HTTP 429" in (result.llm_calls[0].error or "")


def test_retry_after_is_respected_but_bounded(mode: str, fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                              prose_doc: Document) -> None:
    waits: list[float] = []
    config = llm_config(mode, max_retry_wait=2.5)
    fake.push(error(429, headers={"Retry-After": "1.5"}), error(429, headers={"Retry-After": "3600"}),
              answer(mode, model_answer(_expected())))
    result = run(prose_doc, config, LlmClient(config, sleep=waits.append))
    assert waits == [1.5, 2.5]
    assert result.method == "llm"


def test_500_is_retried_then_review_with_the_error(mode: str, fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                                   prose_doc: Document) -> None:
    fake.push(error(500, "model crashed"), error(500, "model crashed"), error(500, "model crashed"))
    result = run(prose_doc, llm_config(mode, max_retries=2))
    assert len(fake.requests) == 3
    assert result.decision == "review"
    reason = next(r for r in result.reasons if r.startswith("LLM call failed"))
    assert "after 3 attempt(s)" in reason and "HTTP 500" in reason and "model crashed" in reason
    assert [c.status for c in result.llm_calls] == ["error"] * 3


def test_timeout_is_retried_then_review_with_the_error(mode: str, fake: FakeOpenAI,
                                                       llm_config: Callable[..., LlmConfig],
                                                       prose_doc: Document) -> None:
    slow = Reply(200, {}, delay=0.6)
    fake.push(slow, slow)
    result = run(prose_doc, llm_config(mode, timeout=0.15, max_retries=1))
    assert len(fake.requests) == 2
    assert result.decision == "review"
    assert any("request timed out" in r and r.startswith("LLM call failed after 2 attempt(s)") for r in result.reasons)


def test_a_batch_continues_past_failures(mode: str, fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                         prose_doc: Document) -> None:
    config = llm_config(mode, max_retries=1)
    fake.push(error(500), error(503),                       # report 1: the server is down
              raw_answer(mode, "I cannot help with that."),  # report 2: no JSON at all
              answer(mode, model_answer(_expected())))       # report 3: fine
    results = [run(prose_doc, config) for _ in range(3)]
    assert [r.decision for r in results] == ["review", "review", "review"]
    assert [r.method for r in results] == ["deterministic", "deterministic", "llm"]
    assert results[2].to_json_dict()["report"] == _expected()
