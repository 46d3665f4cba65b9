"""The fake OpenAI server (one per session, reset for every test) and LLM configs that point at it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from extraction.document import Document
from extraction.llm import LlmClient, LlmConfig, make_fallback
from extraction.pipeline import ExtractConfig, extract_document
from extraction.record import ExtractionResult
from tests.llm.fake_server import FakeOpenAI
from tests.llm.reports import load_text, prose_report

MODES = ("json_schema", "tools", "json", "md_json")


@pytest.fixture(scope="session")
def _server() -> Iterator[FakeOpenAI]:
    server = FakeOpenAI().start()
    yield server
    server.stop()


@pytest.fixture
def fake(_server: FakeOpenAI) -> Iterator[FakeOpenAI]:
    _server.reset()
    yield _server
    _server.reset()


@pytest.fixture
def llm_config(fake: FakeOpenAI) -> Callable[..., LlmConfig]:
    """A config for the fake server: tiny waits so that retry tests stay fast."""

    def make(mode: str = "json_schema", **overrides: Any) -> LlmConfig:
        values: dict[str, Any] = dict(base_url=fake.base_url, api_key="test-key", model="fake-model", mode=mode,
                                      timeout=5.0, max_retries=2, retry_backoff=0.01, max_retry_wait=0.05)
        values.update(overrides)
        return LlmConfig(**values)

    return make


@pytest.fixture
def prose_doc(tmp_path: Path) -> Document:
    """The 焦作 2024 report with its three tables written as sentences (the parser reads none)."""
    return load_text(prose_report(), tmp_path)


def run(document: Document, config: LlmConfig | None, client: LlmClient | None = None) -> ExtractionResult:
    """The pipeline as callers run it, with the LLM step as its fallback."""
    return extract_document(document, ExtractConfig(fallback=make_fallback(config, client)))
