"""The record's vocabulary: every key of the dataset and the template label it stands for.

One place holds the keys and their Chinese labels so that the parser, the validator, the review grid,
the LLM prompt and the export all speak the same words (see ``shared/spec/report-schema.md``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

Template = Literal["2021", "2019"]
TEMPLATES: tuple[Template, ...] = ("2021", "2019")

ACTIVE = "active_disclosure"
APPLICATIONS = "applications"
REVIEW = "reconsideration_litigation"
TABLES: tuple[str, ...] = (ACTIVE, APPLICATIONS, REVIEW)
TABLE_LABELS: dict[str, str] = {
    ACTIVE: "表二 主动公开政府信息情况",
    APPLICATIONS: "表三 收到和处理政府信息公开申请情况",
    REVIEW: "表四 政府信息公开行政复议、行政诉讼情况",
}

CellKey = tuple[str, str, str]
"""(table, row, field): the address of one value in a record."""


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: str
    kind: Literal["count", "money", "signed"] = "count"


@dataclass(frozen=True)
class RowSpec:
    key: str
    label: str
    fields: tuple[FieldSpec, ...]


# --- 表二 ---------------------------------------------------------------------------------------

_ISSUED_2021 = (
    FieldSpec("issued", "本年制发件数"),
    FieldSpec("repealed", "本年废止件数"),
    FieldSpec("in_force", "现行有效件数"),
)
_DECISIONS_2021 = (FieldSpec("decisions", "本年处理决定数量"),)

ACTIVE_ROWS_2021: tuple[RowSpec, ...] = (
    RowSpec("rules", "规章", _ISSUED_2021),
    RowSpec("normative_documents", "行政规范性文件", _ISSUED_2021),
    RowSpec("administrative_licensing", "行政许可", _DECISIONS_2021),
    RowSpec("administrative_penalty", "行政处罚", _DECISIONS_2021),
    RowSpec("administrative_coercion", "行政强制", _DECISIONS_2021),
    RowSpec(
        "administrative_fees",
        "行政事业性收费",
        (FieldSpec("amount_10k_yuan", "本年收费金额（单位：万元）", "money"),),
    ),
)

_MADE_2019 = (
    FieldSpec("new_made", "本年新制作数量"),
    FieldSpec("new_published", "本年新公开数量"),
    FieldSpec("total_published", "对外公开总数量"),
)
_ITEMS_2019 = (
    FieldSpec("prev_year_items", "上一年项目数量"),
    FieldSpec("change", "本年增/减", "signed"),
    FieldSpec("decisions", "处理决定数量"),
)
ACTIVE_ROWS_2019: tuple[RowSpec, ...] = (
    RowSpec("rules", "规章", _MADE_2019),
    RowSpec("normative_documents", "规范性文件", _MADE_2019),
    RowSpec("administrative_licensing", "行政许可", _ITEMS_2019),
    RowSpec("other_external_services", "其他对外管理服务事项", _ITEMS_2019),
    RowSpec("administrative_penalty", "行政处罚", _ITEMS_2019),
    RowSpec("administrative_coercion", "行政强制", _ITEMS_2019),
    RowSpec("administrative_fees", "行政事业性收费", _ITEMS_2019[:2]),
    RowSpec(
        "government_procurement",
        "政府集中采购",
        (FieldSpec("items", "采购项目数量"), FieldSpec("amount", "采购总金额", "money")),
    ),
)

# --- 表三 ---------------------------------------------------------------------------------------

APPLICANT_COLUMNS: tuple[FieldSpec, ...] = (
    FieldSpec("natural_person", "自然人"),
    FieldSpec("commercial_enterprise", "商业企业"),
    FieldSpec("research_institution", "科研机构"),
    FieldSpec("social_welfare_organization", "社会公益组织"),
    FieldSpec("legal_service_institution", "法律服务机构"),
    FieldSpec("other_organization", "其他"),
    FieldSpec("total", "总计"),
)
APPLICANT_KEYS: tuple[str, ...] = tuple(c.key for c in APPLICANT_COLUMNS)
APPLICANT_PARTS: tuple[str, ...] = APPLICANT_KEYS[:-1]


def _app_row(key: str, label: str) -> RowSpec:
    return RowSpec(key, label, APPLICANT_COLUMNS)


APPLICATION_ROWS: tuple[RowSpec, ...] = (
    _app_row("new_received", "一、本年新收政府信息公开申请数量"),
    _app_row("carried_over", "二、上年结转政府信息公开申请数量"),
    _app_row("granted", "（一）予以公开"),
    _app_row("partially_granted", "（二）部分公开（区分处理的，只计这一情形，不计其他情形）"),
    _app_row("denied_state_secret", "（三）不予公开 1.属于国家秘密"),
    _app_row("denied_prohibited_by_law", "2.其他法律行政法规禁止公开"),
    _app_row("denied_safety_stability", "3.危及“三安全一稳定”"),
    _app_row("denied_third_party_rights", "4.保护第三方合法权益"),
    _app_row("denied_internal_affairs", "5.属于三类内部事务信息"),
    _app_row("denied_process_information", "6.属于四类过程性信息"),
    _app_row("denied_law_enforcement_files", "7.属于行政执法案卷"),
    _app_row("denied_administrative_query", "8.属于行政查询事项"),
    _app_row("unable_not_held", "（四）无法提供 1.本机关不掌握相关政府信息"),
    _app_row("unable_needs_creation", "2.没有现成信息需要另行制作"),
    _app_row("unable_unclear_after_correction", "3.补正后申请内容仍不明确"),
    _app_row("not_processed_complaint", "（五）不予处理 1.信访举报投诉类申请"),
    _app_row("not_processed_repeated", "2.重复申请"),
    _app_row("not_processed_publications", "3.要求提供公开出版物"),
    _app_row("not_processed_massive_repeated", "4.无正当理由大量反复申请"),
    _app_row("not_processed_confirm_or_reissue", "5.要求行政机关确认或重新出具已获取信息"),
    _app_row(
        "other_overdue_correction",
        "（六）其他处理 1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    _app_row(
        "other_overdue_fee",
        "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    _app_row("other_other", "3.其他"),
    _app_row("total", "（七）总计"),
    _app_row("carried_forward", "四、结转下年度继续办理"),
)
APPLICATION_ROW_KEYS: tuple[str, ...] = tuple(r.key for r in APPLICATION_ROWS)
RESULT_ROW_KEYS: tuple[str, ...] = APPLICATION_ROW_KEYS[2:23]
"""（一）…（六）: the rows whose sum is （七）总计 (identity I3)."""
ROWS_ABSENT_IN_2019: tuple[str, ...] = ("other_overdue_correction", "other_overdue_fee")

# --- 表四 ---------------------------------------------------------------------------------------

REVIEW_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("upheld", "结果维持"),
    FieldSpec("corrected", "结果纠正"),
    FieldSpec("other", "其他结果"),
    FieldSpec("pending", "尚未审结"),
    FieldSpec("total", "总计"),
)
REVIEW_ROWS: tuple[RowSpec, ...] = (
    RowSpec("reconsideration", "行政复议", REVIEW_FIELDS),
    RowSpec("litigation_direct", "行政诉讼·未经复议直接起诉", REVIEW_FIELDS),
    RowSpec("litigation_after_reconsideration", "行政诉讼·复议后起诉", REVIEW_FIELDS),
)


def active_rows(template: Template) -> tuple[RowSpec, ...]:
    return ACTIVE_ROWS_2019 if template == "2019" else ACTIVE_ROWS_2021


def table_rows(table: str, template: Template) -> tuple[RowSpec, ...]:
    if table == ACTIVE:
        return active_rows(template)
    if table == APPLICATIONS:
        return APPLICATION_ROWS
    return REVIEW_ROWS


@lru_cache(maxsize=4)
def _required_cells(template: Template) -> tuple[CellKey, ...]:
    return tuple(_collect_required(template))


def required_cells(template: Template) -> list[CellKey]:
    return list(_required_cells(template))


def _collect_required(template: Template) -> list[CellKey]:
    """Every cell the template prints, in template order (2019 has no （六） sub-rows 1 and 2)."""
    keys: list[CellKey] = []
    for table in TABLES:
        for row in table_rows(table, template):
            if template == "2019" and table == APPLICATIONS and row.key in ROWS_ABSENT_IN_2019:
                continue
            keys.extend((table, row.key, f.key) for f in row.fields)
    return keys


def all_cells(template: Template) -> list[CellKey]:
    """Every cell of the record's JSON shape, including the rows 2019 leaves null."""
    return [
        (table, row.key, f.key)
        for table in TABLES
        for row in table_rows(table, template)
        for f in row.fields
    ]


@lru_cache(maxsize=4)
def _field_specs(template: Template) -> dict[CellKey, FieldSpec]:
    return {
        (table, row.key, f.key): f for table in TABLES for row in table_rows(table, template) for f in row.fields
    }


def field_spec(template: Template, key: CellKey) -> FieldSpec:
    return _field_specs(template)[key]


def describe_cell(template: Template, key: CellKey) -> str:
    """The cell in a reviewer's words: ``表三 （一）予以公开 · 自然人``."""
    table, row_key, field_key = key
    short = TABLE_LABELS[table].split()[0]
    row_label = next((r.label for r in table_rows(table, template) if r.key == row_key), row_key)
    try:
        field_label = field_spec(template, key).label
    except KeyError:
        field_label = field_key
    return f"{short} {row_label} · {field_label}"
