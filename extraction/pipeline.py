"""File in → record + findings + decision out. The one entry point every caller uses.

A pipeline of small steps (load → rows → title → template → tables → validate → decide), each
a function of its own module, so that the ``extract`` command, the import pipeline, the review
screens and the tests all run the very same code.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from extraction.decide import DecisionInput, decide
from extraction.document import Document, LoadError
from extraction.flattened import read_flattened
from extraction.loaders import load_document
from extraction.meta import find_title
from extraction.parsers import TableRead, read_active, read_applications, read_review
from extraction.prose import ProseClaim, find_active_hints, find_prose_claims
from extraction.record import ExtractionResult, Finding, Record
from extraction.rows import LabelledRow, find_rows
from extraction.schema import TABLE_LABELS
from extraction.textnorm import normalize_text
from extraction.templates import Regions, detect_template, find_regions
from extraction.validation import validate

PARSER_VERSION = "1"


@dataclass(frozen=True)
class ExtractConfig:
    accept_confidence: float = 0.9
    fallback: Callable[[Document, ExtractionResult], ExtractionResult] | None = None
    """Called when the parser could not produce a complete record (the LLM step, when configured)."""


@dataclass
class ParsedReport:
    """What the deterministic parser made of a document, before the decision."""

    record: Record
    reads: list[TableRead] = field(default_factory=list)
    rows: list[LabelledRow] = field(default_factory=list)
    regions: Regions | None = None
    template_reason: str | None = None
    prose: str = ""
    claims: list[ProseClaim] = field(default_factory=list)
    """Totals the prose quotes: hints for digit runs, S3 for the validator."""


def extract_file(path: str | Path, config: ExtractConfig = ExtractConfig(), data: bytes | None = None) -> ExtractionResult:
    """Never raises for bad input: an unreadable file is a ``failed`` result with the reason."""
    started = time.perf_counter()
    try:
        document = load_document(path, data)
    except LoadError as exc:
        return ExtractionResult(str(path), "failed", [str(exc)], None, None)
    except Exception as exc:  # noqa: BLE001 - a loader bug must not stop a batch; the reason says what broke
        return ExtractionResult(str(path), "failed", [f"could not read the file ({type(exc).__name__}: {exc})"], None, None)
    loaded = time.perf_counter()
    result = extract_document(document, config)
    result.path = str(path)
    # Keep timings a fallback recorded (e.g. "llm"); "parse" includes them.
    result.timings = {**result.timings, "load": loaded - started, "parse": time.perf_counter() - loaded}
    return result


def parse_document(document: Document) -> ParsedReport:
    rows = find_rows(document)
    lines = document.text_lines()
    title = find_title(lines)
    regions = find_regions(rows)
    guess = detect_template(rows, title.year)
    record = Record(organization=title.organization, year=title.year, template=guess.template)
    parsed = ParsedReport(record=record, rows=rows, regions=regions,
                          template_reason=None if guess.certain and guess.template else guess.reason)
    if guess.template is None:
        return parsed
    parsed.reads = [
        read_active(rows, regions.active, guess.template),
        read_applications(rows, regions.applications, guess.template),
        read_review(rows, regions.review),
    ]
    parsed.prose = prose_before_tables(lines)
    parsed.claims = find_prose_claims(parsed.prose)
    if document.format in ("text", "html") and any(read.problems or not read.found for read in parsed.reads):
        flat = read_flattened(lines, guess.template, [*parsed.claims, *find_active_hints(parsed.prose)])
        parsed.reads = [_better(grid, alt) for grid, alt in zip(parsed.reads, flat, strict=True)]
    for read in parsed.reads:
        record.cells.update(read.cells)
        record.notes.extend(read.notes)
    record.fill_template_nulls()
    return parsed


_FIRST_TABLE = re.compile(r"第\s*二\s*十\s*条\s*第|勾\s*稽\s*关\s*系\s*为|信息内容\s*本年")


def prose_before_tables(lines: list[str]) -> str:
    """The report's own words before its tables, where it quotes the totals that S3 compares."""
    text = normalize_text("\n".join(lines))
    anchor = _FIRST_TABLE.search(text)
    return text[: anchor.start()] if anchor else text


def _better(first: TableRead, second: TableRead) -> TableRead:
    """Prefer the reading that settled more cells (both only keep cells they read one way), then fewer problems."""
    if not second.found:
        return first
    if not first.found:
        return second
    if (len(second.cells), -len(second.problems)) > (len(first.cells), -len(first.problems)):
        return second
    return first


STUB_CHARS = 300
"""Fewer Chinese characters than this, and no table: a stub page, not a report (a report's prose alone
runs to thousands; a crawled page that links to its PDF holds the title and the site's labels)."""
_CHINESE = re.compile(r"[\u4e00-\u9fff]")


def _chinese_chars(document: Document) -> int:
    return sum(len(_CHINESE.findall(line)) for line in document.text_lines())


def extract_document(document: Document, config: ExtractConfig = ExtractConfig()) -> ExtractionResult:
    path = document.path
    if not document.has_text_layer:
        result = ExtractionResult(path, "review", ["no text layer (a scanned PDF): the tables cannot be read as text"],
                                  None, None, source_format=document.format, page_count=document.page_count)
        return config.fallback(document, result) if config.fallback else result
    parsed = parse_document(document)
    regions = parsed.regions
    title_found = parsed.record.year is not None
    no_tables = regions is None or (regions.applications is None and regions.active is None
                                    and regions.review is None)
    if no_tables and not title_found:
        return ExtractionResult(path, "failed", ["not an annual government information-disclosure report "
                                                 "(no title with a year and none of the three tables found)"],
                                None, None, source_format=document.format, page_count=document.page_count)
    if not title_found and parsed.record.cells and all(c.value is None for c in parsed.record.cells.values()):
        return ExtractionResult(path, "failed", ["a blank form, not a report: no title and every table cell empty"],
                                None, None, source_format=document.format, page_count=document.page_count)
    if parsed.record.template is None and parsed.template_reason and "not in scope" in parsed.template_reason:
        return ExtractionResult(path, "review", [parsed.template_reason], "deterministic", parsed.record,
                                source_format=document.format, page_count=document.page_count)
    if no_tables and (chars := _chinese_chars(document)) < STUB_CHARS:
        return ExtractionResult(path, "failed", [
            f"no report text: {chars} Chinese characters and none of the three tables — a page that only "
            "links to the report (an attachment) or shows it as images; import the attachment instead"],
            None, None, source_format=document.format, page_count=document.page_count)
    return finish(document, parsed, config)


def finish(document: Document, parsed: ParsedReport, config: ExtractConfig) -> ExtractionResult:
    record = parsed.record
    findings: list[Finding] = []
    missing_tables: list[str] = []
    confidence = 1.0
    for read in parsed.reads:
        if not read.found:
            missing_tables.append(TABLE_LABELS[read.table])
        for problem in read.problems:
            cells, options = read.choices.get(problem, ((), ()))
            findings.append(Finding("P1", "hard", f"P1 {problem}", cells, options=options))
        if read.unplaced:
            confidence -= 0.05 * len(read.unplaced)
    if not parsed.reads:
        missing_tables = list(TABLE_LABELS.values())
    other: list[str] = []
    if record.organization is None or record.year is None:
        other.append("issuing body or year not found in the title")
    if parsed.template_reason:
        confidence -= 0.3
    claims = parsed.claims
    findings += validate(record, claims)
    decision, reasons = decide(DecisionInput(
        findings=findings, confidence=round(confidence, 2), threshold=config.accept_confidence,
        method="deterministic", tables_missing=missing_tables, template_reason=parsed.template_reason,
        other_reasons=other,
    ))
    result = ExtractionResult(document.path, decision, reasons, "deterministic", record, findings,
                              confidence=round(confidence, 2), source_format=document.format,
                              page_count=document.page_count, prose_claims=claims,
                              versions={"parser": PARSER_VERSION})
    incomplete = bool(missing_tables) or any(f.code in {"P1", "I5"} for f in findings)
    if incomplete and config.fallback is not None:
        return config.fallback(document, result)
    return result
