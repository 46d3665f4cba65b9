"""Real report text whose tables the deterministic parser cannot read: the same numbers written as prose.

Built from a seed fixture (its title, its opening prose, its closing sections) and its expected
record, so the fake server can answer with the expected record and every number is really printed.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from extraction.document import Document
from extraction.loaders.text import TextLoader
from extraction.schema import (
    ACTIVE,
    APPLICANT_COLUMNS,
    APPLICATIONS,
    REVIEW,
    REVIEW_FIELDS,
    active_rows,
    table_rows,
)
from tests.conftest import FIXTURES, report_keys

SEED = FIXTURES / "seeds" / "000_fd57272cd8fb4328.txt"
_TABLES_START = "二、主动公开政府信息情况"
_TABLES_END = "五、存在的主要问题及改进情况"


def seed_expected() -> dict[str, Any]:
    return report_keys(json.loads(SEED.with_suffix(".expected.json").read_text(encoding="utf-8")))


def model_answer(expected: dict[str, Any]) -> dict[str, Any]:
    """What a correct model returns: the record without the template (the template is not asked)."""
    answer = copy.deepcopy(expected)
    answer.pop("template", None)
    return answer


def _v(value: Any) -> str:
    return "—" if value is None else str(value)


def active_prose(report: dict[str, Any]) -> str:
    table = report[ACTIVE]
    out = [_TABLES_START, "第二十条第（一）项规定的信息："]
    for row in active_rows(report["template"]):
        values = "、".join(f"{f.label}{_v(table[row.key][f.key])}" for f in row.fields)
        out.append(f"{row.label}的{values}；")
    return "".join(out[:2]) + "\n" + "\n".join(out[2:])


def applications_prose(report: dict[str, Any]) -> str:
    table = report[APPLICATIONS]
    out = ["三、收到和处理政府信息公开申请情况", "下列各项按申请人类别依次说明。"]
    for row in table_rows(APPLICATIONS, report["template"]):
        parts = "，".join(f"{c.label}{_v(table[row.key][c.key])}件" for c in APPLICANT_COLUMNS)
        out.append(f"{row.label}：{parts}。")
    return "\n".join(out)


def review_prose(report: dict[str, Any]) -> str:
    table = report[REVIEW]
    out = ["四、政府信息公开行政复议、行政诉讼情况"]
    for row in table_rows(REVIEW, report["template"]):
        parts = "，".join(f"{f.label}{_v(table[row.key][f.key])}件" for f in REVIEW_FIELDS)
        out.append(f"{row.label}：{parts}。")
    return "\n".join(out)


def seed_parts() -> tuple[str, str, str]:
    """The seed's text before, within and after its three tables."""
    text = SEED.read_text(encoding="utf-8")
    start = text.index(_TABLES_START)
    end = text.index(_TABLES_END)
    return text[:start], text[start:end], text[end:]


def prose_report(report: dict[str, Any] | None = None) -> str:
    """The seed with all three tables written as sentences."""
    report = report or seed_expected()
    head, _, tail = seed_parts()
    return "\n".join([head, active_prose(report), applications_prose(report), review_prose(report), tail])


def partly_prose_report() -> str:
    """The seed with only 表三 written as sentences: the parser reads 表二 and 表四 from its tables."""
    head, tables, tail = seed_parts()
    active_end = tables.index("三、收到和处理政府信息公开申请情况")
    review_start = tables.index("四、政府信息公开行政复议、行政诉讼情况")
    return "\n".join([head, tables[:active_end], applications_prose(seed_expected()), tables[review_start:], tail])


def load_text(text: str, tmp_path: Path, name: str = "report.txt") -> Document:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return TextLoader().load(path, path.read_bytes())
