"""A report's content in reading order (title, six sections, prose, tables), before any format.

Every writer renders the same blocks, so a PDF and an HTML page of one record say the same thing.
The prose mimics real reports: boilerplate about the year's work, plus the sentences that quote
the tables' totals (新收…件, 上年结转…件, 行政复议…件), whose numbers come from the record so that
the spec's S3 prose check holds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from extraction.schema import (
    ACTIVE,
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    APPLICATIONS,
    REVIEW,
    REVIEW_ROWS,
    ROWS_ABSENT_IN_2019,
    Template,
    active_rows,
)

from .layout import OTHER_2019, Grid, table2, table3_parts, table4
from .records import Report
from .style import Style, format_value

SECTIONS: tuple[str, ...] = (
    "一、总体情况",
    "二、主动公开政府信息情况",
    "三、收到和处理政府信息公开申请情况",
    "四、政府信息公开行政复议、行政诉讼情况",
    "五、存在的主要问题及改进情况",
    "六、其他需要报告的事项",
)


@dataclass
class Title:
    lines: list[str]


@dataclass
class Heading:
    text: str


@dataclass
class Para:
    text: str


@dataclass
class Table:
    grid: Grid
    continued: bool = False
    """The second part of a split table: a writer starts it on a new page."""


Block = Title | Heading | Para | Table


def title_lines(report: Report, style: Style) -> list[str]:
    """``焦作市人民政府2024年政府信息公开工作年度报告``, or cut before 年度报告 like seed 002."""
    head = f"{report['organization']}{report['year']}年政府信息公开工作"
    return [head, "年度报告"] if style.title_split else [head + "年度报告"]


def _n(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _overview(report: Report, rng: random.Random) -> list[str]:
    org, y = report["organization"], report["year"]
    app, rev = report[APPLICATIONS], report[REVIEW]
    new, carried = _n(app["new_received"]["total"]), _n(app["carried_over"]["total"])
    done, forward = _n(app["total"]["total"]), _n(app["carried_forward"]["total"])
    recon = _n(rev["reconsideration"]["total"])
    lit = _n(rev["litigation_direct"]["total"]) + _n(rev["litigation_after_reconsideration"]["total"])
    published = rng.randint(200, 9000)
    paras = [
        f"本报告根据《中华人民共和国政府信息公开条例》（国务院令第711号，以下简称《条例》）要求编制。"
        f"本报告所列数据的统计期限自{y}年1月1日起至{y}年12月31日止。如对本报告有疑问，"
        f"请与{org}政务公开办公室联系。",
        rng.choice([
            f"{y}年，{org}坚持以习近平新时代中国特色社会主义思想为指导，认真落实国务院办公厅和省政府"
            f"办公厅关于政务公开的决策部署，坚持以公开为常态、不公开为例外，政府信息公开工作取得积极成效。",
            f"{y}年，{org}严格按照《条例》和上级部门的统一部署和要求，结合工作实际，及时、准确、全面地"
            f"公开各类政府信息，有效保障了公民、法人和其他组织的知情权、参与权和监督权。",
        ]),
        f"（一）主动公开情况。通过政府门户网站、政务新媒体等平台，全年共主动公开政府信息{published}条，"
        f"发布政策解读{rng.randint(3, 90)}篇，回应社会关切{rng.randint(1, 40)}次。",
    ]
    if new == 0 and carried == 0:
        paras.append("（二）依申请公开情况。进一步规范依申请公开办理流程，本年度未收到政府信息公开申请。")
    else:
        paras.append(rng.choice([
            f"（二）依申请公开情况。全年共收到政府信息公开申请{new}件，上年结转{carried}件，"
            f"已全部依法依规答复{done}件，结转下年度继续办理{forward}件。",
            f"（二）依申请公开情况。{y}年，共新收政府信息公开申请{new}件，上年结转政府信息公开申请"
            f"{carried}件，本年度办结{done}件，{forward}件结转下年度继续办理。",
        ]))
    if recon or lit:
        paras.append(f"全年因政府信息公开工作被申请行政复议{recon}件、被提起行政诉讼{lit}件。")
    else:
        paras.append("全年未发生因政府信息公开工作引起的行政复议、行政诉讼案件。")
    paras += [
        "（三）政府信息管理情况。严格落实信息发布“三审三校”制度，抓实保密审查、合法性审查等流程，"
        f"开展文件公开属性评估和失效文件标注工作，共清理失效文件{rng.randint(1, 30)}份。",
        "（四）政府信息公开平台建设情况。持续规范政府网站政府信息公开专栏，动态更新法定主动公开内容，"
        "加强政务新媒体日常巡检，确保发布内容合法合规。",
        "（五）监督保障情况。将政务公开工作纳入年度目标考核，组织开展业务培训，"
        "不断提升工作人员的业务能力和水平。",
    ]
    return paras


def _cell_text(report: Report, table: str, row: str, field: Any, style: Style) -> str:
    text = format_value(report[table][row][field.key], field, (table, row, field.key), style)
    return text or "—"


def _table_sentences(report: Report, style: Style, table: str) -> list[str]:
    """A table written as prose, one sentence per row, every value quoted with its labels."""
    template: Template = report["template"]
    out: list[str] = []
    if table == ACTIVE:
        for spec in active_rows(template):
            parts = "，".join(f"{f.label}为{_cell_text(report, ACTIVE, spec.key, f, style)}"
                             for f in spec.fields)
            out.append(f"{spec.label}：{parts}。")
    elif table == APPLICATIONS:
        for spec in APPLICATION_ROWS:
            if template == "2019" and spec.key in ROWS_ABSENT_IN_2019:
                continue
            label = OTHER_2019 if template == "2019" and spec.key == "other_other" else spec.label
            parts = "，".join(f"{c.label}{_cell_text(report, APPLICATIONS, spec.key, c, style)}件"
                             for c in APPLICANT_COLUMNS)
            out.append(f"{label}：{parts}。")
    else:
        for spec in REVIEW_ROWS:
            parts = "，".join(f"{f.label}{_cell_text(report, REVIEW, spec.key, f, style)}件"
                             for f in spec.fields)
            out.append(f"{spec.label}：{parts}。")
    return out


def _tables(report: Report, style: Style, table: str) -> list[Block]:
    if style.prose_tables:
        return [Para(s) for s in _table_sentences(report, style, table)]
    if table == ACTIVE:
        return [Table(table2(report, style))]
    if table == REVIEW:
        return [Table(table4(report, style))]
    parts = table3_parts(report, style)
    return [Table(g, continued=i > 0) for i, g in enumerate(parts)]


def compose(report: Report, style: Style) -> list[Block]:
    """The report's blocks in reading order."""
    rng = random.Random(f"{style.seed}:{report['organization']}:{report['year']}")
    blocks: list[Block] = [Title(title_lines(report, style)), Heading(SECTIONS[0])]
    blocks += [Para(p) for p in _overview(report, rng)]
    blocks.append(Heading(SECTIONS[1]))
    blocks += _tables(report, style, ACTIVE)
    blocks.append(Heading(SECTIONS[2]))
    blocks += _tables(report, style, APPLICATIONS)
    blocks.append(Heading(SECTIONS[3]))
    if style.omit_table4:
        rev = report[REVIEW]
        if any(_n(rev[r.key]["total"]) for r in REVIEW_ROWS):
            blocks.append(Para("本年度政府信息公开行政复议、行政诉讼案件均已依法办理，具体情况另行公开。"))
        else:
            blocks.append(Para("本年度未发生政府信息公开行政复议、行政诉讼案件。"))
    else:
        blocks += _tables(report, style, REVIEW)
    blocks.append(Heading(SECTIONS[4]))
    blocks += [
        Para(rng.choice([
            f"{report['year']}年政府信息公开工作虽然取得了积极进展，但还存在政策解读形式单一、"
            "部分栏目信息更新不及时等问题。",
            "一是个别部门对政府信息公开工作的主动性仍待提高；二是信息公开工作人员多为兼职，"
            "业务能力有待进一步提升。",
        ])),
        Para("下一步，我们将加大日常检查指导力度，丰富政策解读形式，强化业务培训，"
             "推动政府信息公开工作规范有序开展。"),
        Heading(SECTIONS[5]),
        Para("依据《国务院办公厅关于印发〈政府信息公开信息处理费管理办法〉的通知》（国办函〔2020〕109号）"
             "规定，本年度未收取信息处理费。" if report["year"] >= 2021 else "本年度无其他需要报告的事项。"),
    ]
    return blocks
