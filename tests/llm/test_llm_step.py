"""Settings, prompt size, cache, token budget, scans, the parser's partial read, and no LLM at all."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from extraction.document import Document
from extraction.llm import LLM_REVIEW, NOT_CONFIGURED, LlmConfig, LlmConfigError, make_fallback
from extraction.llm.models import schema_json
from extraction.llm.prompt import build_messages, estimate_tokens, render_document, split_sections, title_lines
from extraction.loaders.text import TextLoader
from extraction.pipeline import ExtractConfig, extract_document
from tests.conftest import FIXTURES, expected_for
from tests.llm.conftest import run
from tests.llm.fake_server import FakeOpenAI, answer, prompt_text
from tests.llm.reports import load_text, model_answer, partly_prose_report, prose_report, seed_expected

NEW_NATURAL = ("applications", "new_received", "natural_person")


# --- settings -------------------------------------------------------------------------------------

def test_from_env_is_none_without_base_url_or_model() -> None:
    assert LlmConfig.from_env({}) is None
    assert LlmConfig.from_env({"FOI_LLM_API_KEY": "k", "OPENAI_API_KEY": "k"}) is None


def test_from_env_reads_every_setting() -> None:
    config = LlmConfig.from_env({
        "FOI_LLM_BASE_URL": "http://127.0.0.1:8080/v1", "OPENAI_API_KEY": "sk-fallback", "FOI_LLM_MODEL": "qwen",
        "FOI_LLM_MODE": "md-json", "FOI_LLM_TIMEOUT": "30", "FOI_LLM_MAX_RETRIES": "4",
        "FOI_LLM_TOKEN_BUDGET": "9000", "FOI_LLM_ACCEPT": "yes", "FOI_LLM_VISION": "1", "FOI_LLM_CACHE_DIR": "/tmp/c",
    })
    assert config == LlmConfig(base_url="http://127.0.0.1:8080/v1", api_key="sk-fallback", model="qwen", mode="md_json",
                               timeout=30.0, max_retries=4, token_budget=9000, accept=True, vision=True,
                               cache_dir=Path("/tmp/c"))
    assert LlmConfig.from_env({"FOI_LLM_MODEL": "m", "FOI_LLM_API_KEY": "mine", "OPENAI_API_KEY": "x"}).api_key == "mine"


@pytest.mark.parametrize("env", [{"FOI_LLM_MODE": "yaml"}, {"FOI_LLM_TIMEOUT": "soon"}, {"FOI_LLM_ACCEPT": "maybe"}])
def test_from_env_rejects_bad_values_naming_them(env: dict[str, str]) -> None:
    with pytest.raises(LlmConfigError, match="FOI_LLM_|mode"):
        LlmConfig.from_env({"FOI_LLM_MODEL": "m", **env})


def test_without_an_llm_the_result_says_so(prose_doc: Document) -> None:
    result = run(prose_doc, None)
    assert result.decision == "review" and result.method == "deterministic"
    assert result.reasons[-1] == NOT_CONFIGURED


# --- the prompt -----------------------------------------------------------------------------------

FIXTURE_TEXTS = sorted((FIXTURES / "seeds").glob("*.txt")) + sorted((FIXTURES / "real").glob("pt-*.txt"))


@pytest.mark.parametrize("path", FIXTURE_TEXTS, ids=lambda p: p.name)
def test_prompt_fits_4000_tokens_in_every_mode(path: Path) -> None:
    document = TextLoader().load(path, path.read_bytes())
    template = expected_for(path)["template"]
    sections = split_sections(render_document(document))
    messages = build_messages(template, sections, title_lines(document))
    assert sections.anchored
    assert estimate_tokens(messages, schema_json(template)) <= 4000           # json_schema, tools
    assert estimate_tokens(messages, schema_json(template), indent=2) <= 4000  # json, md_json paste it
    assert len(sections.text) < len(document.text) * 0.6  # the prose stays home


def test_the_schema_carries_the_chinese_labels(fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                               prose_doc: Document) -> None:
    fake.push(answer("json_schema", model_answer(seed_expected())))
    run(prose_doc, llm_config("json_schema"))
    schema = fake.requests[0]["response_format"]["json_schema"]["schema"]
    assert schema["$defs"]["ApplicantRow"]["properties"]["natural_person"]["description"] == "自然人"
    assert schema["$defs"]["Applications2021"]["properties"]["partially_granted"]["description"] == "（二）部分公开…"
    assert "blank, —, －, -, / or 无 is null" in prompt_text(fake.requests[0])


def test_labels_can_travel_in_the_prompt_too(fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                             prose_doc: Document) -> None:
    """For servers that turn the schema into a grammar and never show it to the model."""
    fake.push(answer("tools", model_answer(seed_expected())))
    result = run(prose_doc, llm_config("tools", labels_in_prompt=True))
    sent = prompt_text(fake.requests[0])
    assert "partially_granted=（二）部分公开…" in sent and "natural_person=自然人" in sent
    assert result.to_json_dict()["report"] == seed_expected()
    assert LlmConfig.from_env({"FOI_LLM_MODEL": "m", "FOI_LLM_LABELS_IN_PROMPT": "true"}).labels_in_prompt  # type: ignore[union-attr]


# --- cache and budget -----------------------------------------------------------------------------

def test_a_cached_answer_costs_no_request(fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                          prose_doc: Document, tmp_path: Path) -> None:
    config = llm_config("tools", cache_dir=tmp_path / "cache")
    fake.push(answer("tools", model_answer(seed_expected())))
    first = run(prose_doc, config)
    second = run(prose_doc, config)  # a new fallback and client: only the disk is shared
    assert len(fake.requests) == 1
    assert [c.status for c in second.llm_calls] == ["cached"]
    assert second.to_json_dict() == first.to_json_dict()
    fake.push(answer("json", model_answer(seed_expected())))
    run(prose_doc, llm_config("json", cache_dir=tmp_path / "cache"))  # another mode is another question
    assert len(fake.requests) == 2


def test_a_prompt_over_the_budget_is_not_sent(fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                              prose_doc: Document) -> None:
    result = run(prose_doc, llm_config(token_budget=1000))
    assert fake.requests == []
    assert result.decision == "review"
    assert any(r.startswith("token budget exceeded") for r in result.reasons), result.reasons
    assert result.llm_calls == []


def test_a_reask_over_the_budget_is_not_sent(fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                             prose_doc: Document) -> None:
    wrong = copy.deepcopy(model_answer(seed_expected()))
    wrong["applications"]["new_received"]["natural_person"] = 7
    fake.push(answer("json_schema", wrong))
    result = run(prose_doc, llm_config(token_budget=6000))  # the first call spends 2,100 of it
    assert len(fake.requests) == 1
    assert any(r.startswith("token budget exceeded: the reask prompt") for r in result.reasons)
    assert result.method == "llm" and {"I1", "I2"} <= {f.code for f in result.hard_findings}


# --- scans ----------------------------------------------------------------------------------------

def _scan(tmp_path: Path) -> Document:
    path = tmp_path / "scan.pdf"
    pdf = pdfium.PdfDocument.new()
    pdf.new_page(595, 842)
    pdf.new_page(595, 842)
    pdf.save(str(path))
    pdf.close()
    return Document(path=str(path), format="pdf", has_text_layer=False, page_count=2)


def test_a_scan_without_vision_goes_to_review(fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                              tmp_path: Path) -> None:
    result = run(_scan(tmp_path), llm_config())
    assert fake.requests == [] and result.decision == "review"
    assert any(r.startswith("no text layer") for r in result.reasons)
    assert any("vision is off" in r for r in result.reasons)


def test_a_scan_with_vision_sends_page_images(fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                              tmp_path: Path) -> None:
    fake.push(answer("json_schema", model_answer(seed_expected())))
    result = run(_scan(tmp_path), llm_config(vision=True, accept=True))
    content = fake.requests[0]["messages"][-1]["content"]
    images = [p["image_url"]["url"] for p in content if p.get("type") == "image_url"]
    assert len(images) == 2 and all(url.startswith("data:image/jpeg;base64,") for url in images)
    assert result.method == "llm" and result.to_json_dict()["report"] == seed_expected()
    assert result.decision == "review"  # nothing to ground against: never accepted
    assert any(r.startswith("read from page images") for r in result.reasons)


# --- the parser read part of the report -----------------------------------------------------------

def test_partial_parser_read_agrees_and_keeps_its_provenance(fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                                             tmp_path: Path) -> None:
    fake.push(answer("json_schema", model_answer(seed_expected())))
    result = run(load_text(partly_prose_report(), tmp_path), llm_config(accept=True))
    assert result.method == "llm" and result.decision == "accept", result.reasons
    assert result.to_json_dict()["report"] == seed_expected()
    assert result.record is not None
    parser_cell = result.record.cells[("reconsideration_litigation", "reconsideration", "upheld")]
    llm_cell = result.record.cells[NEW_NATURAL]
    assert parser_cell.raw == "34 25 63 9 131 3 2 9 2 16 1 1 2 4 8"  # the parser's cell, as printed
    assert parser_cell.source is not None and not (parser_cell.source.locator or "").startswith("LLM")
    assert llm_cell.source is not None and (llm_cell.source.locator or "").startswith("LLM fake-model")


def test_partial_parser_read_disagrees_cell_by_cell(fake: FakeOpenAI, llm_config: Callable[..., LlmConfig],
                                                    tmp_path: Path) -> None:
    swapped = copy.deepcopy(model_answer(seed_expected()))
    active = swapped["active_disclosure"]
    active["administrative_licensing"]["decisions"], active["administrative_penalty"]["decisions"] = 897861, 1016920
    fake.push(answer("json_schema", swapped))
    result = run(load_text(partly_prose_report(), tmp_path), llm_config(accept=True))
    assert result.decision == "review" and len(fake.requests) == 1  # C1 alone does not reask
    c1 = sorted(f.message for f in result.findings if f.code == "C1")
    assert c1 == ["C1 表二 行政处罚 · 本年处理决定数量: parser read 897861, LLM read 1016920",
                  "C1 表二 行政许可 · 本年处理决定数量: parser read 1016920, LLM read 897861"]


def test_fallback_never_raises_even_on_a_bug(tmp_path: Path, llm_config: Callable[..., LlmConfig]) -> None:
    class Broken:
        def ask(self, *args: object, **kwargs: object) -> None:
            raise RuntimeError("boom")

    document = load_text(partly_prose_report(), tmp_path)
    config = ExtractConfig(fallback=make_fallback(llm_config(), Broken()))  # type: ignore[arg-type]
    result = extract_document(document, config)
    assert result.decision == "review" and result.reasons[-1] == "LLM step failed (RuntimeError: boom)"
    assert LLM_REVIEW not in result.reasons


# --- the title, when only the model read it -------------------------------------------------------

@pytest.mark.parametrize("organization, grounded", [("焦作市人民政府", True), ("开封市人民政府", False)])
def test_a_title_only_the_model_read_must_be_printed(organization: str, grounded: bool, fake: FakeOpenAI,
                                                     llm_config: Callable[..., LlmConfig], tmp_path: Path) -> None:
    text = prose_report()
    untitled = text[text.index("\n", 5):]  # drop the title line: the parser finds no body nor year
    reply = model_answer(seed_expected())
    reply["organization"] = organization
    fake.push(answer("json_schema", reply))
    result = run(load_text(untitled, tmp_path), llm_config())
    assert result.record is not None and result.record.year == 2024
    if grounded:
        assert result.record.organization == organization and not result.hard_findings
    else:
        assert result.record.organization is None
        assert "G1 issuing body: “开封市人民政府” does not occur in the source text" in result.reasons
        assert "issuing body or year not found in the title" in result.reasons
