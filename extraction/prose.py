"""Totals that the report's prose quotes (S3): 新收…件, 上年结转…件, 行政复议…件, 行政诉讼…件.

A claim binds the number that belongs to the phrase (the nearest number within the same clause),
not the first number on the line. Only soft findings come from here: prose is often loose.
``find_active_hints`` reads the few 表二 counts prose states outright, as hints for digit runs only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.schema import ACTIVE, APPLICATIONS, REVIEW, CellKey

_NUM = r"(?P<n>\d[\d,]*|[零〇一二两三四五六七八九十百千万]+)"
_CN_DIGIT = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def read_number(text: str) -> int | None:
    """Arabic (``1,234``) or Chinese numerals (``一百零二``, ``十二``, ``两千``, ``一〇二``) as an int."""
    text = text.replace(",", "")
    if text.isdigit():
        return int(text)
    if all(ch in _CN_DIGIT for ch in text):  # digit-by-digit: 一〇二
        return int("".join(str(_CN_DIGIT[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in _CN_DIGIT:
            digit = _CN_DIGIT[ch]
        elif ch in _CN_UNIT:
            section += (1 if digit is None else digit) * _CN_UNIT[ch]
            digit = None
        elif ch == "万":
            total += (section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)
_CLAUSE = r"[^。；;，,！!？?\n]"


@dataclass(frozen=True)
class ProseClaim:
    cells: tuple[CellKey, ...]
    """The claim is about the sum of these cells."""
    value: int
    quote: str
    also: tuple[tuple[CellKey, ...], ...] = ()
    """Other sums the phrase may mean: “收到申请75件” often counts 上年结转 too (一 + 二), where 新收 cannot."""


_CLAIMS: list[tuple[tuple[CellKey, ...], re.Pattern[str]]] = [
    (
        ((APPLICATIONS, "new_received", "total"),),
        re.compile(rf"(?:新收|收到){_CLAUSE}{{0,24}}?申请{_CLAUSE}{{0,4}}?{_NUM}\s*件"),
    ),
    (((APPLICATIONS, "new_received", "total"),), re.compile(rf"(?:新收|收到){_CLAUSE}{{0,6}}?{_NUM}\s*件{_CLAUSE}{{0,8}}申请")),
    (((APPLICATIONS, "carried_over", "total"),), re.compile(rf"上年结转{_CLAUSE}{{0,12}}?{_NUM}\s*件")),
    (((APPLICATIONS, "carried_forward", "total"),), re.compile(rf"{_NUM}\s*件{_CLAUSE}{{0,4}}结转下年")),
    (((APPLICATIONS, "carried_forward", "total"),), re.compile(rf"结转下年度?{_CLAUSE}{{0,8}}?{_NUM}\s*件")),
    (((REVIEW, "reconsideration", "total"),), re.compile(rf"行政复议(?:案件)?{_CLAUSE}{{0,6}}?{_NUM}\s*(?:件|起)")),
    (
        ((REVIEW, "litigation_direct", "total"), (REVIEW, "litigation_after_reconsideration", "total")),
        re.compile(rf"行政诉讼(?:案件)?{_CLAUSE}{{0,6}}?{_NUM}\s*(?:件|起)"),
    ),
]


_NEW_RECEIVED: tuple[CellKey, ...] = ((APPLICATIONS, "new_received", "total"),)
_RECEIVED_WITH_CARRIED = ((*_NEW_RECEIVED, (APPLICATIONS, "carried_over", "total")),)


def find_prose_claims(text: str) -> list[ProseClaim]:
    claims: list[ProseClaim] = []
    seen: set[tuple[CellKey, ...]] = set()
    for cells, pattern in _CLAIMS:
        if cells in seen:
            continue
        match = pattern.search(text)
        value = read_number(match.group("n")) if match else None
        if match and value is not None:
            seen.add(cells)
            quote = " ".join(match.group(0).split())
            also = _RECEIVED_WITH_CARRIED if cells == _NEW_RECEIVED and not quote.startswith("新收") else ()
            claims.append(ProseClaim(cells, value, quote, also))
    return claims


_DOCS = r"(?P<doc>(?:行政)?规范性文件|规章)"
_ACTIVE_HINTS: list[tuple[str, re.Pattern[str]]] = [
    ("in_force", re.compile(rf"现行有效的?{_DOCS}{_CLAUSE}{{0,2}}?{_NUM}\s*件")),
    ("issued", re.compile(rf"制发的?{_DOCS}{_CLAUSE}{{0,2}}?{_NUM}\s*件")),
    ("repealed", re.compile(rf"废止的?{_DOCS}{_CLAUSE}{{0,2}}?{_NUM}\s*件")),
]


def find_active_hints(text: str) -> list[ProseClaim]:
    """表二 2021 counts the prose states outright (现行有效行政规范性文件698件, 本年度制发的规范性文件88件).

    Not S3 claims (the spec's S3 lists 表三/表四 totals only): they are hints for a 表二 digit run that
    splits several ways, and each must name its document kind and field right before the number.
    """
    hints: list[ProseClaim] = []
    seen: set[CellKey] = set()
    for fld, pattern in _ACTIVE_HINTS:
        for match in pattern.finditer(text):
            row = "rules" if match.group("doc") == "规章" else "normative_documents"
            key: CellKey = (ACTIVE, row, fld)
            value = read_number(match.group("n"))
            if value is not None and key not in seen:
                seen.add(key)
                hints.append(ProseClaim((key,), value, " ".join(match.group(0).split())))
    return hints
