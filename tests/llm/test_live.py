"""The correct-answer test against a real OpenAI-compatible server (skipped unless configured).

    FOI_LIVE_LLM_BASE_URL=http://127.0.0.1:8080/v1 FOI_LIVE_LLM_MODEL=gemma-3-270m \\
        .venv/bin/pytest -q -p no:cacheprovider -m live tests/llm

Optional: FOI_LIVE_LLM_MODE (default json_schema), FOI_LIVE_LLM_API_KEY, FOI_LIVE_LLM_TIMEOUT
(seconds, default 600), FOI_LIVE_LLM_MAX_OUTPUT_TOKENS (default 4096), FOI_LIVE_LLM_LABELS=1 (labels
in the prompt, for servers that hide the schema). FOI_LIVE_LLM_EXACT=0 checks only what must hold for any model — a tiny
model invents numbers, and then the point is that the record still holds none of them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from extraction.llm import LlmConfig
from extraction.llm.grounding import number_tokens, value_token
from tests.llm.conftest import run
from tests.llm.reports import load_text, prose_report, seed_expected

BASE_URL = os.environ.get("FOI_LIVE_LLM_BASE_URL", "").strip()

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(not BASE_URL, reason="FOI_LIVE_LLM_BASE_URL not set"),
]


def _config() -> LlmConfig:
    return LlmConfig(
        base_url=BASE_URL,
        api_key=os.environ.get("FOI_LIVE_LLM_API_KEY") or "not-needed",
        model=os.environ.get("FOI_LIVE_LLM_MODEL", "default"),
        mode=os.environ.get("FOI_LIVE_LLM_MODE", "json_schema"),  # type: ignore[arg-type]
        timeout=float(os.environ.get("FOI_LIVE_LLM_TIMEOUT", "600")),
        max_retries=1,
        token_budget=40_000,
        max_output_tokens=int(os.environ.get("FOI_LIVE_LLM_MAX_OUTPUT_TOKENS", "4096")),
        labels_in_prompt=os.environ.get("FOI_LIVE_LLM_LABELS", "0") == "1",
    )


def test_live_correct_answer(tmp_path: Path) -> None:
    document = load_text(prose_report(), tmp_path)
    result = run(document, _config())
    print(f"\nlive: decision={result.decision} method={result.method} calls={result.llm_calls}\n"
          f"reasons={result.reasons[:8]}")
    assert result.decision in {"accept", "review"}
    assert result.llm_calls, "no call was made"
    if result.method == "llm":
        assert result.record is not None
        printed = number_tokens(document.text)
        invented = [(k, c.value) for k, c in result.record.cells.items()
                    if c.value is not None and not printed[value_token(c.value) or ""]]
        assert invented == [], "a value that is not printed reached the record"
    if os.environ.get("FOI_LIVE_LLM_EXACT", "1") != "0":
        assert result.method == "llm", result.reasons
        assert result.to_json_dict()["report"] == seed_expected()
