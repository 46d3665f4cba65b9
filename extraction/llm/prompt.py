"""What the model is sent: the text from 表二 to the end of 表四, the labels, and the rules.

Only the tables' section travels (a report's prose is most of its length and none of its cells),
found by content anchors that tolerate brackets and spaces (``第二十条第（一）项``) and work on
documents whose text is one long line (web pages). Grids are rendered one row per line with cells
separated by `` | `` so the model sees the layout the loader saw.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, overload

from extraction.document import Document, TableBlock
from extraction.llm.models import row_description
from extraction.schema import ACTIVE, APPLICATIONS, REVIEW, ROWS_ABSENT_IN_2019, Template, table_rows
from extraction.textnorm import normalize_text

PROMPT_VERSION = "llm-1"
"""Bump when the wording, the section cut or the response model changes (it keys the cache)."""

RULES = """You copy the statistical tables of a Chinese government information-disclosure annual report (政府信息公开工作年度报告) into JSON.
Rules:
1. Copy every number exactly as printed in the source text. Never compute, correct or complete a number; if the printed numbers do not add up, keep them as printed.
2. A cell printed blank, —, －, -, / or 无 is null. A cell you cannot find is null; never guess.
3. Counts are integers without separators. Money amounts are strings of the printed digits (e.g. "14505.4305").
4. Text beside a number (units, 其中…) is not part of the value.
5. Keys: 表二 active_disclosure, 表三 applications, 表四 reconsideration_litigation. Each key's printed label is its description in the JSON schema; rows and columns may be printed in another order, transposed or as sentences."""


def _fuzzy(words: str) -> str:
    """A pattern for ``words`` that allows spaces, line breaks and any bracket or punctuation between characters."""
    return r"[\W_]*".join(re.escape(ch) for ch in words)


def _anchors(*phrases: str) -> re.Pattern[str]:
    return re.compile("|".join(_fuzzy(p) for p in phrases))


_ACTIVE_START = _anchors("第二十条第一项", "第二十条第（一）项", "信息内容本年制发件数", "信息内容本年新制作数量")
_ACTIVE_HEADING = _anchors("主动公开政府信息情况")
_APPLICATIONS_START = _anchors("收到和处理政府信息公开申请情况", "申请人情况", "本年新收政府信息公开申请")
_REVIEW_START = _anchors("政府信息公开行政复议", "行政复议、行政诉讼情况", "行政复议行政诉讼", "未经复议直接起诉")
_AFTER_REVIEW = _anchors("存在的主要问题", "改进情况", "其他需要报告的事项")
_HEADING_REACH = 80
"""How far before 第二十条第（一）项 the 主动公开 heading may stand to be included."""
_REVIEW_REACH = 2500
"""When no closing heading follows 表四, the section ends this many characters after its anchor."""


@dataclass
class Sections:
    """The tables' text: the whole span sent to the model and each table's part (for grounding)."""

    text: str
    tables: dict[str, str] = field(default_factory=dict)
    prose: str = ""
    """Text before the tables (where S3 prose totals are quoted)."""
    anchored: bool = True
    """False when no 表二/表三 anchor was found and the whole document is sent."""


def render_document(document: Document) -> str:
    """The document as text in reading order; grids one row per line, cells separated by `` | ``."""
    lines: list[str] = []
    for block in document.blocks:
        if isinstance(block, TableBlock):
            for row in block.rows:
                cells = [normalize_text(c.text).replace("\n", " ").strip() for c in row if c is not None]
                lines.append(" | ".join(cells))
            lines.append("")
        else:
            lines.extend(normalize_text(line).rstrip() for line in block.lines)
    return _squeeze("\n".join(lines))


def _squeeze(text: str) -> str:
    text = re.sub(r"[ \t\u3000]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n", text).strip()


def split_sections(text: str) -> Sections:
    """Cut ``text`` at the tables' anchors; without anchors the whole text is the section."""
    start_match = _ACTIVE_START.search(text)
    apps = _APPLICATIONS_START.search(text, start_match.end() if start_match else 0)
    if start_match is None and apps is None:
        return Sections(text=text, tables={t: text for t in (ACTIVE, APPLICATIONS, REVIEW)}, anchored=False)
    start = start_match.start() if start_match else apps.start()  # type: ignore[union-attr]
    heading = None
    for heading in _ACTIVE_HEADING.finditer(text, max(0, start - _HEADING_REACH), start):  # noqa: B007 - keeps the last
        pass
    if heading is not None:
        start = heading.start()
    start = _line_start(text, start)
    apps_at = apps.start() if apps else None
    review = _REVIEW_START.search(text, apps.end() if apps else start)
    review_at = review.start() if review else None
    after = _AFTER_REVIEW.search(text, review.end()) if review else None
    end = _heading_number(text, after.start()) if after else (
        min(len(text), review.end() + _REVIEW_REACH) if review else len(text))
    if after is None and review is not None:
        end = _line_end(text, end)
    apps_at = _heading_number(text, apps_at)
    review_at = _heading_number(text, review_at)
    tables = {
        ACTIVE: text[start:apps_at if apps_at is not None else (review_at or end)],
        APPLICATIONS: text[apps_at:review_at or end] if apps_at is not None else text[start:end],
        REVIEW: text[review_at:end] if review_at is not None else text[start:end],
    }
    return Sections(text=text[start:end].strip(), tables=tables, prose=text[:start])


_NUMBERED = re.compile(r"[一二三四五六七八九十]{1,2}[、.．]\s*$")


@overload
def _heading_number(text: str, at: int) -> int: ...
@overload
def _heading_number(text: str, at: None) -> None: ...
def _heading_number(text: str, at: int | None) -> int | None:
    """Move an anchor back over its heading's number (``三、``) so it stays with its table."""
    if at is None:
        return None
    match = _NUMBERED.search(text, max(0, at - 4), at)
    return match.start() if match else at


def _line_start(text: str, at: int) -> int:
    newline = text.rfind("\n", 0, at)
    return newline + 1 if at - newline <= _HEADING_REACH else at


def _line_end(text: str, at: int) -> int:
    newline = text.find("\n", at)
    return len(text) if newline < 0 else newline


def title_lines(document: Document, limit: int = 2) -> list[str]:
    """The first non-empty lines, where the title with the body and the year stands."""
    out: list[str] = []
    for line in document.text_lines():
        line = normalize_text(line).strip()
        if line:
            out.append(line[:160])
        if len(out) >= limit:
            break
    return out


def label_list(template: Template) -> str:
    """Every key with its printed label, for servers that do not show the schema to the model
    (llama-cpp-python turns a tool's schema into a grammar only). ~900 tokens."""
    lines = []
    for table in (ACTIVE, APPLICATIONS, REVIEW):
        rows = [r for r in table_rows(table, template)
                if not (template == "2019" and table == APPLICATIONS and r.key in ROWS_ABSENT_IN_2019)]
        if table == ACTIVE:
            items = [f"{r.key}={r.label}({', '.join(f'{f.key}={f.label}' for f in r.fields)})" for r in rows]
        else:
            items = [f"{r.key}={row_description(table, r, template)}" for r in rows]
            items.append("columns: " + ", ".join(f"{f.key}={f.label}" for f in rows[0].fields))
        lines.append(f"{table}: " + "; ".join(items))
    return "\n".join(lines)


def build_messages(template: Template, sections: Sections, titles: list[str],
                   labels: bool = False) -> list[dict[str, Any]]:
    """One user message: the rules, the template, the title and the section (and, if asked, the labels).

    The rules are not a system message because some chat templates drop system messages (Gemma's,
    in llama-cpp-python's ``gemma`` format), and the rules are the part that must not be lost.
    """
    keys = f"Keys and labels:\n{label_list(template)}\n\n" if labels else ""
    user = (
        f"Template {template}. Title: {' / '.join(titles)}\n\n{keys}"
        f"Source text (表二 to 表四):\n<<<\n{sections.text}\n>>>"
    )
    return [{"role": "user", "content": f"{RULES}\n\n{user}"}]


def build_vision_messages(template: Template, images: list[str]) -> list[dict[str, Any]]:
    """For a scan: the same rules and labels, the pages as images (data URLs) instead of text."""
    content: list[dict[str, Any]] = [{
        "type": "text",
        "text": f"{RULES}\n\nTemplate {template}. The report's pages follow as images: read the title, "
                "表二, 表三 and 表四 from them.",
    }]
    content += [{"type": "image_url", "image_url": {"url": url}} for url in images]
    return [{"role": "user", "content": content}]


def reask_messages(messages: list[dict[str, Any]], answer: dict[str, Any], problems: list[str]) -> list[dict[str, Any]]:
    """The first exchange plus the findings, asking to re-read exactly those cells."""
    listed = "\n".join(f"- {p}" for p in problems)
    return [
        *messages,
        {"role": "assistant", "content": json.dumps(answer, ensure_ascii=False, separators=(",", ":"))},
        {"role": "user", "content": (
            "Your answer fails these checks (cells and numbers named):\n"
            f"{listed}\n"
            "Re-read exactly these cells from the source text above and answer the whole record again. "
            "Copy what is printed: if the printed table itself does not add up, keep the printed numbers "
            "— never change a number to make a check pass, and never give a number that is not printed."
        )},
    ]


IMAGE_TOKENS = 1000
"""Rough cost of one page image (OpenAI counts ~765–1105 for a page at high detail)."""


def estimate_tokens(messages: list[dict[str, Any]], schema: dict[str, Any] | None = None,
                    indent: int | None = None) -> int:
    """A rough count: one token per CJK character, one per three other characters; images flat.

    ``schema`` is the response model's JSON schema, which every mode sends too (as response_format,
    as the tool's parameters, or — json/md_json — pasted into the system message with ``indent=2``).
    """
    total = 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, str):
            total += _text_tokens(content) + 4
        elif isinstance(content, list):
            for part in content:
                if part.get("type") == "text":
                    total += _text_tokens(part.get("text", ""))
                else:
                    total += IMAGE_TOKENS
    if schema is not None:
        total += _text_tokens(json.dumps(schema, ensure_ascii=False, indent=indent))
    return total


_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def _text_tokens(text: str) -> int:
    cjk = len(_CJK.findall(text))
    rest = re.sub(r"\s+", " ", _CJK.sub("", text))
    return cjk + math.ceil(len(rest) / 3)
