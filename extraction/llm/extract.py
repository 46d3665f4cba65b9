"""The LLM step: a fallback for ``ExtractConfig.fallback`` when the parser could not finish.

Flow for one report: cut the tables' section → one call → validate + ground + compare with what
the parser read → if a hard identity or a grounding check fails, one reask that quotes those
findings → validate again → decide. LLM records go to review unless ``config.accept`` is set and
every hard identity holds and every number is printed in the source. Whatever breaks (network,
server, a garbled answer, a bug here) ends as a ``review`` result with the reason: nothing raises.

Callers must not hold a database transaction while the fallback runs (it makes HTTP calls).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from extraction.decide import DecisionInput, decide
from extraction.document import Document
from extraction.llm.client import LlmClient
from extraction.llm.config import LlmConfig
from extraction.llm.grounding import ground, ground_text, number_tokens, value_token
from extraction.llm.models import schema_json
from extraction.llm.prompt import (
    PROMPT_VERSION,
    Sections,
    build_messages,
    build_vision_messages,
    estimate_tokens,
    reask_messages,
    render_document,
    split_sections,
    title_lines,
)
from extraction.llm.vision import page_images
from extraction.prose import find_prose_claims
from extraction.record import ExtractionResult, Finding, LlmCall, Record, SourceRef
from extraction.schema import Template, describe_cell
from extraction.validation import validate

Fallback = Callable[[Document, ExtractionResult], ExtractionResult]
NOT_CONFIGURED = "LLM not configured"
LLM_REVIEW = "LLM result: a reviewer confirms it"
_REASK_CODES = ("I1", "I2", "I3", "I4", "I5", "G1")
_CELLS_QUOTED = 8
_FINDINGS_QUOTED = 15
"""A garbled answer can break hundreds of checks; the reask quotes the first ones (prompt size)."""


def not_configured_fallback(document: Document, result: ExtractionResult) -> ExtractionResult:
    """For callers without an LLM: the result goes to review and says why no LLM read it."""
    if NOT_CONFIGURED not in result.reasons:
        result.reasons.append(NOT_CONFIGURED)
    if result.decision == "accept":
        result.decision = "review"
    return result


def make_fallback(config: LlmConfig | None, client: LlmClient | None = None) -> Fallback:
    """The fallback for ``ExtractConfig(fallback=...)``; ``None`` config gives ``not_configured_fallback``."""
    if config is None:
        return not_configured_fallback
    llm = client or LlmClient(config)

    def fallback(document: Document, result: ExtractionResult) -> ExtractionResult:
        started = time.perf_counter()
        try:
            out = LlmRun(config, llm, document, result).run()
        except Exception as exc:  # noqa: BLE001 - a bug here must not stop a batch; the reason says what broke
            out = _unchanged(result, config, [], f"LLM step failed ({type(exc).__name__}: {exc})")
        out.timings = {**out.timings, "llm": round(time.perf_counter() - started, 3)}
        return out

    return fallback


@dataclass
class LlmRun:
    config: LlmConfig
    client: LlmClient
    document: Document
    result: ExtractionResult
    """What the parser made of the report (a partial record, or none for a scan)."""
    calls: list[LlmCall] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def spent(self) -> int:
        return sum(c.prompt_tokens + c.completion_tokens for c in self.calls)

    def run(self) -> ExtractionResult:
        template = pick_template(self.result)
        sections: Sections | None = None
        if self.document.has_text_layer:
            sections = split_sections(render_document(self.document))
            messages = build_messages(template, sections, title_lines(self.document), self.config.labels_in_prompt)
        elif not self.config.vision:
            return _unchanged(self.result, self.config, [], "no text layer and LLM vision is off (FOI_LLM_VISION)")
        else:
            try:
                images = page_images(self.document.path, self.config.vision_max_pages, self.config.vision_scale)
            except Exception as exc:  # noqa: BLE001 - pdfium errors are plain Exceptions
                return _unchanged(self.result, self.config, [], f"no text layer; pages could not be rendered ({exc})")
            messages = build_vision_messages(template, images)
        first = self._ask(messages, template, "extract")
        if first is None:
            return _unchanged(self.result, self.config, self.calls, self.notes[-1])
        record, findings = self._check(first, template, sections)
        problems = [f for f in findings if f.severity == "hard" and f.code in _REASK_CODES]
        if problems:
            lines = [reask_line(record, f, first) for f in problems[:_FINDINGS_QUOTED]]
            if len(problems) > _FINDINGS_QUOTED:
                lines.append(f"… and {len(problems) - _FINDINGS_QUOTED} more findings of the same kinds")
            again = self._ask(reask_messages(messages, first, lines), template, "reask")
            if again is not None:
                second, second_findings = self._check(again, template, sections)
                invented = [f for f in second_findings if is_unprinted(f)]
                if invented and not any(is_unprinted(f) for f in findings):
                    # The model "fixed" the sums with numbers the report never printed: keep the
                    # first reading, which shows what the body published, with its findings.
                    self.notes.append("reask answer set aside: it gave numbers not printed in the source ("
                                      + "; ".join(f.message for f in invented[:3]) + ")")
                else:
                    record, findings = second, second_findings
        return self._decide(record, findings, sections)

    def _ask(self, messages: list[dict[str, Any]], template: Template, reason: str) -> dict[str, Any] | None:
        """One call within the token budget; None (with the reason noted) when there is no answer."""
        indent = 2 if self.config.mode in ("json", "md_json") else None
        needed = estimate_tokens(messages, schema_json(template), indent)
        if self.spent + needed > self.config.token_budget:
            self.notes.append(f"token budget exceeded: the {reason} prompt needs ~{needed} tokens, "
                              f"{self.config.token_budget - self.spent} of {self.config.token_budget} left; not sent")
            return None
        outcome = self.client.ask(messages, template, reason)
        self.calls += outcome.calls
        if outcome.answer is None:
            self.notes.append(outcome.error or "LLM gave no answer")
        return outcome.answer

    def _check(self, answer: dict[str, Any], template: Template,
               sections: Sections | None) -> tuple[Record, list[Finding]]:
        """The answer as a record, with the validator's, grounding and parser-comparison findings."""
        source = SourceRef(locator=f"LLM {self.config.model} ({self.config.mode})")
        report = {**answer, "template": template}
        record = Record.from_report(report, source=source)
        record.fill_template_nulls()
        findings: list[Finding] = []
        partial = self.result.record if self.result.method == "deterministic" else None
        record.organization = (partial.organization if partial else None) or record.organization
        record.year = (partial.year if partial else None) or record.year
        findings += self._title_grounding(record, partial)
        if sections is not None:
            grounding = ground(record, sections.tables)
            for finding in grounding:
                if is_unprinted(finding):  # a record holds only printed values: the cell is "not read"
                    record.cells.pop(finding.cells[0], None)
            findings += grounding
        if partial is not None and partial.cells:
            findings += compare(record, partial, template)
        findings += validate(record, self.claims(sections))
        return record, findings

    def claims(self, sections: Sections | None) -> list[Any]:
        """Totals quoted in the prose before the tables (S3)."""
        return find_prose_claims(sections.prose) if sections else []

    def _title_grounding(self, record: Record, partial: Record | None) -> list[Finding]:
        """A body or year that only the model read must be printed in the document too."""
        if not self.document.has_text_layer:
            return []
        text = self.document.text
        findings: list[Finding] = []
        if record.year is not None and not (partial and partial.year) and not number_tokens(text)[value_token(record.year) or ""]:
            findings.append(Finding("G1", "hard", f"G1 year: {record.year} does not occur in the source text",
                                    printed=record.year))
            record.year = None  # like a cell: what is not printed is not read
        if record.organization and not (partial and partial.organization) and not ground_text(record.organization, text):
            findings.append(Finding("G1", "hard", f"G1 issuing body: “{record.organization}” does not occur in the source text"))
            record.organization = None
        return findings

    def _decide(self, record: Record, findings: list[Finding], sections: Sections | None) -> ExtractionResult:
        other = list(self.notes)
        if record.organization is None or record.year is None:
            other.append("issuing body or year not found in the title")
        if sections is None:
            other.append("read from page images: numbers could not be checked against a text layer")
        elif not sections.anchored:
            other.append("tables' headings not found: the whole text was sent to the LLM")
        template_reason = next((r for r in self.result.reasons if r.startswith("template not recognised")), None)
        grounded = sections is not None and not any(f.code == "G1" for f in findings)
        hard = any(f.severity == "hard" for f in findings)
        decision, reasons = decide(DecisionInput(
            findings=findings, confidence=1.0, threshold=0.0, method="llm",
            template_reason=template_reason, other_reasons=other,
            accept_llm=self.config.accept and grounded and not hard,
        ))
        if decision == "accept" and not (self.config.accept and grounded):
            decision = "review"
        out = ExtractionResult(
            self.result.path, decision, reasons, "llm", record, findings,
            confidence=1.0 if not hard else 0.5, source_format=self.result.source_format,
            page_count=self.result.page_count, timings=dict(self.result.timings),
            llm_calls=[*self.result.llm_calls, *self.calls], versions=_versions(self.result, self.config),
        )
        if hasattr(out, "prose_claims"):  # kept so that a reviewer's edit is re-checked against them
            out.prose_claims = self.claims(sections)
        return out


def pick_template(result: ExtractionResult) -> Template:
    """The parser's template when it found one; else from the year (2019/2020 → 2019); else 2021."""
    record = result.record
    if record is not None and record.template:
        return record.template
    if record is not None and record.year in (2019, 2020):
        return "2019"
    return "2021"


def is_unprinted(finding: Finding) -> bool:
    """A G1 finding about one value that does not occur in the source at all (not an over-use)."""
    return finding.code == "G1" and len(finding.cells) == 1 and finding.expected is None


def compare(record: Record, partial: Record, template: Template) -> list[Finding]:
    """C1 for every cell that the parser and the model both read and read differently.

    Where they agree the parser's cell is kept (it carries page and box for the reviewer); a cell
    only the parser read (e.g. one whose LLM value was not printed) is taken from the parser.
    """
    findings: list[Finding] = []
    for key, theirs in partial.cells.items():
        if key not in record.cells:
            record.cells[key] = theirs
    for key, cell in list(record.cells.items()):
        if not partial.has(key):
            continue
        theirs = partial.cells[key]
        if theirs.value == cell.value:
            record.cells[key] = theirs
            continue
        findings.append(Finding(
            "C1", "hard",
            f"C1 {describe_cell(template, key)}: parser read {_show(theirs.value)}, LLM read {_show(cell.value)}",
            (key,), expected=theirs.value, printed=cell.value,
        ))
    return findings


def reask_line(record: Record, finding: Finding, answer: dict[str, Any]) -> str:
    """A finding with the cells it names and the numbers the answer gave them."""
    template: Template = record.template or "2021"
    cells = [f"{describe_cell(template, k)} = {_show(_answered(answer, k))}" for k in finding.cells[:_CELLS_QUOTED]]
    more = " …" if len(finding.cells) > _CELLS_QUOTED else ""
    return finding.message + (f" [cells: {'; '.join(cells)}{more}]" if cells else "")


def _answered(answer: dict[str, Any], key: tuple[str, str, str]) -> object:
    """The value the model gave a cell (the record may have dropped it as not printed)."""
    table, row, fld = key
    return ((answer.get(table) or {}).get(row) or {}).get(fld)


def _show(value: object) -> str:
    return "blank" if value is None else str(value)


def _versions(result: ExtractionResult, config: LlmConfig) -> dict[str, str]:
    return {**result.versions, "prompt": PROMPT_VERSION, "model": config.model, "llm_mode": config.mode}


def _unchanged(result: ExtractionResult, config: LlmConfig, calls: list[LlmCall], reason: str) -> ExtractionResult:
    """The parser's result, sent to review with the reason the LLM could not help."""
    result.reasons = [*result.reasons, reason]
    if result.decision == "accept":
        result.decision = "review"
    result.llm_calls = [*result.llm_calls, *calls]
    result.versions = _versions(result, config)
    return result
