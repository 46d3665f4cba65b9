"""Which template a report follows, and where its three tables are (found by content, not numbering)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.rows import LabelledRow
from extraction.schema import Template

_MARKERS_2021 = ("本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额")
_MARKERS_2019 = ("本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "政府集中采购", "采购总金额")
_SURE_HEADERS = 3
"""Markers it takes to outweigh a title year before 2019: a real 2019/2021 表二 prints four to six."""
_OLD_MARKERS = ("依申请公开情况统计表", "政府信息公开情况统计表", "主动公开政府信息数", "收到政府信息公开申请数")


@dataclass(frozen=True)
class TemplateGuess:
    template: Template | None
    certain: bool
    reason: str


def detect_template(rows: list[LabelledRow], year: int | None) -> TemplateGuess:
    """2021 and 2019 differ in 表二's column headers; the year only breaks a tie, with less confidence."""
    text = "".join(r.norm for r in rows)
    hits_2021 = sum(marker in text for marker in _MARKERS_2021)
    hits_2019 = sum(marker in text for marker in _MARKERS_2019)
    if year is not None and year < 2019 and max(hits_2021, hits_2019) < _SURE_HEADERS:
        # a marker or two in the prose (“政府集中采购项目类信息55条”) is not a 2019 table
        return TemplateGuess(None, True, f"report for {year} predates the 2019 template (not in scope)")
    if hits_2021 > hits_2019:
        return TemplateGuess("2021", True, "表二 headers of the 2021 template")
    if hits_2019 > hits_2021:
        return TemplateGuess("2019", True, "表二 headers of the 2019 template")
    if year is not None and year < 2019:
        return TemplateGuess(None, True, f"report for {year} predates the 2019 template (not in scope)")
    if any(marker in text for marker in _OLD_MARKERS):
        return TemplateGuess(None, True, "pre-2019 statistics table (not in scope)")
    if year is not None and year >= 2021:
        return TemplateGuess("2021", False, f"template not recognised from 表二 headers; assumed 2021 from the year {year}")
    if year in (2019, 2020):
        return TemplateGuess("2019", False, f"template not recognised from 表二 headers; assumed 2019 from the year {year}")
    return TemplateGuess(None, False, "template not recognised")


@dataclass(frozen=True)
class Regions:
    """Row index ranges [start, end) of 表二, 表三, 表四 in the row list; None when not found."""

    active: tuple[int, int] | None
    applications: tuple[int, int] | None
    review: tuple[int, int] | None


_ACTIVE_ANCHORS = (re.compile(r"第二十条第一项"), re.compile(r"信息内容本年"))
_APPLICATION_ANCHORS = (re.compile(r"勾稽关系为|本列数据"), re.compile(r"申请人情况"), re.compile(r"本年新收政府信息公开申请"))
_REVIEW_ANCHORS = (re.compile(r"未经复议直接起诉"), re.compile(r"复议后起诉"), re.compile(r"行政复议.{0,12}行政诉讼.{0,24}结果维持"))
_AFTER_REVIEW = (re.compile(r"存在的主要问题"), re.compile(r"改进情况"), re.compile(r"其他需要报告的事项"))


def _first(rows: list[LabelledRow], patterns: tuple[re.Pattern[str], ...], start: int, stop: int) -> int | None:
    for pattern in patterns:
        for i in range(start, stop):
            if pattern.search(rows[i].norm):
                return i
    return None


def find_regions(rows: list[LabelledRow]) -> Regions:
    n = len(rows)
    a3 = _first(rows, _APPLICATION_ANCHORS, 0, n)
    a2 = _first(rows, _ACTIVE_ANCHORS, 0, a3 if a3 is not None else n)
    a4 = _first(rows, _REVIEW_ANCHORS, a3 + 1 if a3 is not None else 0, n)
    if a4 is not None and a3 is not None and a4 <= a3:
        a4 = None
    end4 = None
    if a4 is not None:
        end4 = _first(rows, _AFTER_REVIEW, a4 + 1, n)
    active = (a2, a3 if a3 is not None else (a4 if a4 is not None else n)) if a2 is not None else None
    applications = (a3, a4 if a4 is not None else n) if a3 is not None else None
    review = (a4, end4 if end4 is not None else n) if a4 is not None else None
    return Regions(active, applications, review)
