"""The issuing body and the year reported on, read from the report's title."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CN_DIGITS = {"〇": "0", "零": "0", "○": "0", "Ｏ": "0", "一": "1", "二": "2", "三": "3", "四": "4",
              "五": "5", "六": "6", "七": "7", "八": "8", "九": "9"}
_TITLE = re.compile(
    r"(?P<org>[\u4e00-\u9fff（）()·\-]{2,60}?)\s*(?P<year>(?:19|20)\d{2}|[〇零○一二三四五六七八九]{4})\s*年\s*度?\s*"
    r"(?:的)?(?:政府)?(?:信息)?(?:政务)?公开\s*(?:工作)?\s*(?:年度)?\s*(?:报告|年报)"
    # a notice *about* compiling the reports is not a report: …年度报告编制和发布工作的通知
    r"(?![^。，,]{0,12}(?:通知|编制|报送|要求|有关事项|的函))"
)
_NOT_A_REPORT = r"(?![^。，,]{0,12}(?:通知|编制|报送|要求|有关事项|的函))"
_TITLE_YEAR_FIRST = re.compile(
    # 2023年度南京市人民政府政府信息公开工作年度报告: the body between the year and 政府信息公开 (greedy, so
    # a body ending in 人民政府 keeps it)
    r"^(?P<year>(?:19|20)\d{2}|[〇零○一二三四五六七八九]{4})\s*年\s*度?\s*(?P<org>[\u4e00-\u9fff（）()·\-]{2,40})"
    r"政府信息公开\s*(?:工作)?\s*(?:年度)?\s*(?:报告|年报)" + _NOT_A_REPORT
)
_PREFIXES = re.compile(r"^(?:标题|题目|当前位置|首页|关于|印发)[:：]?\s*")
_HEADING_MARK = re.compile(r"^[#\s>*]+")


@dataclass(frozen=True)
class TitleInfo:
    organization: str | None
    year: int | None
    title: str | None


def _year(text: str) -> int:
    return int("".join(_CN_DIGITS.get(ch, ch) for ch in text))


def find_title(lines: list[str], max_lines: int = 80) -> TitleInfo:
    """Look in the first lines, joining each with the next so a title broken over two lines is found."""
    head = [_HEADING_MARK.sub("", line).strip() for line in lines[:max_lines]]
    head = [line for line in head if line]
    for i, line in enumerate(head):
        candidates = [line]
        if i + 1 < len(head):
            candidates.append(line + head[i + 1])
        for text in candidates:
            text = _PREFIXES.sub("", text.replace(" ", "").replace("\u3000", ""))
            match = _TITLE.search(text) or _TITLE_YEAR_FIRST.search(text)
            if match:
                org = _clean_org(match.group("org"))
                return TitleInfo(org or None, _year(match.group("year")), match.group(0))
    return TitleInfo(None, None, None)


def _clean_org(org: str) -> str:
    """Drop breadcrumb words that precede the body's name on web pages."""
    org = re.sub(r"^.*(?:政府信息公开年报|信息公开年报|年度报告|首页|当前位置)", "", org)
    org = re.sub(r"(?:关于|的)$", "", org)
    return org.strip("（）() -·")
