"""Random but balanced records in the spec's JSON shape, and ways to break or blank them.

Tests generate a record, write it as a report file, extract it and compare with the record they
started from. So the record must satisfy every hard identity of the spec (I1–I5) unless a test
breaks one on purpose with :func:`unbalance`; :func:`identity_errors` checks them without the
project's validator, so these helpers do not depend on the code they test.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from extraction.schema import (
    ACTIVE,
    APPLICANT_PARTS,
    APPLICATION_ROW_KEYS,
    APPLICATIONS,
    RESULT_ROW_KEYS,
    REVIEW,
    REVIEW_ROWS,
    ROWS_ABSENT_IN_2019,
    CellKey,
    Template,
    active_rows,
    all_cells,
)

Report = dict[str, Any]
"""A record in the spec's JSON shape (organization, year, template and the three tables)."""

ORGANIZATIONS: tuple[str, ...] = (
    "焦作市人民政府",
    "焦作市人民政府办公室",
    "淮安市人民政府",
    "平潭综合实验区管理委员会",
    "瀍河回族区人民政府办公室",
    "焦作市文化广电和旅游局",
    "平顶山市城乡一体化示范区",
    "洛阳市生态环境局",
    "信阳市平桥区人民政府",
    "郑州市金水区教育局",
)

# How often a result row receives applications, relative to the others (granted, not held and
# "other" dominate real tables; many rows are 0 almost everywhere).
_RESULT_WEIGHTS: dict[str, int] = {
    "granted": 40,
    "partially_granted": 10,
    "denied_state_secret": 1,
    "denied_prohibited_by_law": 1,
    "denied_safety_stability": 1,
    "denied_third_party_rights": 2,
    "denied_internal_affairs": 2,
    "denied_process_information": 2,
    "denied_law_enforcement_files": 2,
    "denied_administrative_query": 2,
    "unable_not_held": 25,
    "unable_needs_creation": 2,
    "unable_unclear_after_correction": 1,
    "not_processed_complaint": 3,
    "not_processed_repeated": 3,
    "not_processed_publications": 1,
    "not_processed_massive_repeated": 1,
    "not_processed_confirm_or_reissue": 1,
    "other_overdue_correction": 4,
    "other_overdue_fee": 1,
    "other_other": 8,
}
# Typical size of each applicant column relative to 自然人.
_COLUMN_SHARE: dict[str, float] = {
    "natural_person": 1.0,
    "commercial_enterprise": 0.08,
    "research_institution": 0.01,
    "social_welfare_organization": 0.01,
    "legal_service_institution": 0.04,
    "other_organization": 0.02,
}


def _count(rng: random.Random, scale: int) -> int:
    """A count of roughly ``scale``, zero about a third of the time (as in real tables)."""
    if scale <= 0 or rng.random() < 0.3:
        return 0
    return rng.randint(0, scale)


def _money(rng: random.Random, digits: int, places: int) -> str:
    """A decimal string as printed: ``"14505.4305"``, ``"0"``, ``"96171.6"``."""
    if rng.random() < 0.2:
        return "0"
    whole = rng.randint(1, 10**digits - 1)
    if places == 0:
        return str(whole)
    frac = str(rng.randint(0, 10**places - 1)).rjust(places, "0").rstrip("0")
    return f"{whole}.{frac}" if frac else str(whole)


def _big(rng: random.Random) -> int:
    """表二 decisions: anything from 0 to seven digits (a province's 行政许可 is ~1,000,000)."""
    return rng.choice([0, rng.randint(1, 99), rng.randint(100, 9999), rng.randint(10_000, 9_999_999)])


def _active_2021(rng: random.Random) -> dict[str, dict[str, Any]]:
    def issued(scale: int) -> dict[str, Any]:
        issued_n, repealed = _count(rng, scale), _count(rng, scale // 2)
        return {"issued": issued_n, "repealed": repealed,
                "in_force": rng.randint(max(issued_n - repealed, 0), scale * 12 + 1)}

    return {
        "rules": issued(3) if rng.random() < 0.4 else {"issued": 0, "repealed": 0, "in_force": 0},
        "normative_documents": issued(rng.choice([5, 40, 200])),
        "administrative_licensing": {"decisions": _big(rng)},
        "administrative_penalty": {"decisions": _big(rng)},
        "administrative_coercion": {"decisions": _big(rng)},
        "administrative_fees": {"amount_10k_yuan": _money(rng, rng.choice([2, 4, 6]), rng.choice([0, 2, 4]))},
    }


def _active_2019(rng: random.Random) -> dict[str, dict[str, Any]]:
    def made(scale: int) -> dict[str, Any]:
        new = _count(rng, scale)
        return {"new_made": new, "new_published": new if rng.random() < 0.7 else _count(rng, new + 1),
                "total_published": new + rng.randint(0, scale * 10)}

    def items(scale: int, with_decisions: bool = True) -> dict[str, Any]:
        prev = _count(rng, scale)
        row: dict[str, Any] = {"prev_year_items": prev,
                               "change": rng.choice([0, 0, rng.randint(-prev, prev + 5)])}
        if with_decisions:
            row["decisions"] = _big(rng)
        return row

    return {
        "rules": made(3),
        "normative_documents": made(rng.choice([5, 40, 120])),
        "administrative_licensing": items(500),
        "other_external_services": items(100),
        "administrative_penalty": items(3000),
        "administrative_coercion": items(200),
        "administrative_fees": items(60, with_decisions=False),
        "government_procurement": {"items": _count(rng, 400), "amount": _money(rng, 8, 2)},
    }


def _applications(rng: random.Random, template: Template) -> dict[str, dict[str, int | None]]:
    """表三 built column by column so that I1, I2 and I3 hold by construction."""
    result_rows = [r for r in RESULT_ROW_KEYS if not (template == "2019" and r in ROWS_ABSENT_IN_2019)]
    scale = rng.choice([0, 20, 300, 3000])
    table: dict[str, dict[str, int | None]] = {row: {} for row in APPLICATION_ROW_KEYS}
    for col in APPLICANT_PARTS:
        col_scale = int(scale * _COLUMN_SHARE[col])
        if col == "natural_person":  # 自然人 is the bulk of almost every real table
            new = rng.randint(col_scale // 4, col_scale)
        else:
            new = _count(rng, col_scale)
        carried = _count(rng, max(col_scale // 20, 1)) if new or rng.random() < 0.1 else 0
        pool = new + carried
        forward = rng.randint(0, pool // 8) if pool else 0
        done = pool - forward
        weights = [_RESULT_WEIGHTS[r] * rng.random() for r in result_rows]
        shares = dict.fromkeys(result_rows, 0)
        for _ in range(done):  # one by one: cheap at these sizes and exact
            shares[rng.choices(result_rows, weights)[0]] += 1
        table["new_received"][col] = new
        table["carried_over"][col] = carried
        for row in result_rows:
            table[row][col] = shares[row]
        table["total"][col] = done
        table["carried_forward"][col] = forward
    for row in APPLICATION_ROW_KEYS:
        if template == "2019" and row in ROWS_ABSENT_IN_2019:
            table[row] = {c: None for c in (*APPLICANT_PARTS, "total")}
        else:
            table[row]["total"] = sum(int(table[row][c] or 0) for c in APPLICANT_PARTS)
    return table


def _review(rng: random.Random) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for row in REVIEW_ROWS:
        scale = rng.choice([0, 3, 40]) if row.key == "reconsideration" else rng.choice([0, 2, 15])
        parts = {f: _count(rng, scale) for f in ("upheld", "corrected", "other", "pending")}
        out[row.key] = {**parts, "total": sum(parts.values())}
    return out


def make_record(
    template: Template = "2021",
    seed: int = 0,
    organization: str | None = None,
    year: int | None = None,
) -> Report:
    """A random record for which every hard identity of the spec holds (same seed, same record).

    Values range from all-zero tables to seven-digit 表二 counts; 2019 records leave （六） sub-rows
    1 and 2 null, may have a negative 本年增/减, and carry money as decimal strings.
    """
    rng = random.Random(f"{template}:{seed}")
    if year is None:
        year = rng.randint(2019, 2020) if template == "2019" else rng.randint(2021, 2024)
    return {
        "organization": organization or rng.choice(ORGANIZATIONS),
        "year": year,
        "template": template,
        ACTIVE: _active_2019(rng) if template == "2019" else _active_2021(rng),
        APPLICATIONS: _applications(rng, template),
        REVIEW: _review(rng),
    }


def get_value(record: Report, key: CellKey) -> Any:
    table, row, field = key
    return record[table][row][field]


def unbalance(record: Report, row: str, column: str, delta: int = 1, table: str = APPLICATIONS) -> Report:
    """A copy with one printed number changed by ``delta`` (so I1/I2/I3 or I4 no longer hold).

    For tests that check a source that does not balance goes to review with its numbers unchanged.
    """
    out = copy.deepcopy(record)
    value = out[table][row][column]
    if not isinstance(value, int):
        raise ValueError(f"{table}.{row}.{column} is {value!r}, not a count")
    out[table][row][column] = value + delta
    return out


def blank_out(record: Report, cells: Iterable[CellKey]) -> Report:
    """A copy with the given cells set to None (printed blank), as the extraction should read them.

    Pair with ``Style(blank_marks={cell: "—", ...})`` to choose how each blank is printed. Blank a
    cell whose value is 0 (see :func:`zero_cells`) to keep the identities, which count blanks as 0.
    """
    out = copy.deepcopy(record)
    for table, row, field in cells:
        out[table][row][field] = None
    return out


def zero_cells(record: Report, table: str | None = None) -> list[CellKey]:
    """Cells whose value is 0: blanking them keeps every identity."""
    template: Template = record["template"]
    return [k for k in all_cells(template) if (table is None or k[0] == table) and get_value(record, k) == 0]


def _n(value: Any) -> Decimal:
    return Decimal(0) if value is None else Decimal(str(value))


def identity_errors(record: Report) -> list[str]:
    """The hard identities I1–I5 that fail, in the spec's words (empty list: the record balances).

    Written independently of the project's validator so the builders can be trusted on their own.
    """
    errors: list[str] = []
    template: Template = record["template"]
    app = record[APPLICATIONS]
    for col in (*APPLICANT_PARTS, "total"):
        left = _n(app["new_received"][col]) + _n(app["carried_over"][col])
        right = _n(app["total"][col]) + _n(app["carried_forward"][col])
        if left != right:
            errors.append(f"I1 {col}: 一+二 = {left}, （七）+四 = {right}")
        results = sum((_n(app[r][col]) for r in RESULT_ROW_KEYS), Decimal(0))
        if app["total"][col] is not None and results != _n(app["total"][col]):
            errors.append(f"I3 {col}: results {results} != （七）总计 {app['total'][col]}")
    for row in APPLICATION_ROW_KEYS:
        if template == "2019" and row in ROWS_ABSENT_IN_2019:
            if any(v is not None for v in app[row].values()):
                errors.append(f"I5 {row}: must be null in the 2019 template")
            continue
        parts = sum((_n(app[row][c]) for c in APPLICANT_PARTS), Decimal(0))
        if app[row]["total"] is not None and parts != _n(app[row]["total"]):
            errors.append(f"I2 {row}: parts {parts} != 总计 {app[row]['total']}")
    for row in REVIEW_ROWS:
        vals = record[REVIEW][row.key]
        parts = sum((_n(vals[f]) for f in ("upheld", "corrected", "other", "pending")), Decimal(0))
        if vals["total"] is not None and parts != _n(vals["total"]):
            errors.append(f"I4 {row.key}: parts {parts} != 总计 {vals['total']}")
    for row in active_rows(template):
        for f in row.fields:
            value = record[ACTIVE][row.key][f.key]
            if f.kind == "money" and value is not None and not isinstance(value, str):
                errors.append(f"I5 {row.key}.{f.key}: money must be a decimal string")
            if f.kind == "count" and value is not None and (not isinstance(value, int) or value < 0):
                errors.append(f"I5 {row.key}.{f.key}: {value!r} is not a non-negative count")
    for key in all_cells(template):
        value = get_value(record, key)
        if key[0] != ACTIVE and value is not None and (not isinstance(value, int) or value < 0):
            errors.append(f"I5 {key}: {value!r} is not a non-negative count")
    return errors
