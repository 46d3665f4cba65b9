"""Totals that the report's prose quotes (S3): 新收…件, 上年结转…件, 行政复议…件, 行政诉讼…件.

A claim binds the number that belongs to the phrase (the nearest number within the same clause),
not the first number on the line. Only soft findings come from here: prose is often loose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extraction.schema import APPLICATIONS, REVIEW, CellKey

_NUM = r"(?P<n>\d[\d,]*)"
_CLAUSE = r"[^。；;，,！!？?\n]"


@dataclass(frozen=True)
class ProseClaim:
    cells: tuple[CellKey, ...]
    """The claim is about the sum of these cells."""
    value: int
    quote: str


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


def find_prose_claims(text: str) -> list[ProseClaim]:
    claims: list[ProseClaim] = []
    seen: set[tuple[CellKey, ...]] = set()
    for cells, pattern in _CLAIMS:
        if cells in seen:
            continue
        match = pattern.search(text)
        if match:
            seen.add(cells)
            claims.append(ProseClaim(cells, int(match.group("n").replace(",", "")), match.group(0)))
    return claims
