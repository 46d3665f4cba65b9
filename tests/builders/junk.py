"""Files that are not readable annual reports: other government documents, broken and random files.

The product must fail these with a reason (not an annual report, corrupt, empty) instead of
guessing a record out of them. The documents are real-looking on purpose: Chinese government
prose and a ruled table of numbers, so that "has Chinese text and a table" is not enough.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Literal

from .compose import Block, Para, Table, Title
from .layout import Cell, Grid
from .style import Style

DocFormat = Literal["pdf", "html", "docx", "text", "markdown"]
Variant = Literal["notice", "near_miss"]

_COUNTIES = ("解放区", "山阳区", "中站区", "马村区", "修武县", "博爱县", "武陟县", "温县", "沁阳市", "孟州市")


def _numbers_table(rng: random.Random) -> Grid:
    head = ["县（市、区）", "检查企业数量（家）", "发现隐患数量（项）", "已整改数量（项）", "整改率"]
    rows: list[list[Cell]] = [[Cell(h, kind="header") for h in head]]
    for county in _COUNTIES:
        found = rng.randint(20, 900)
        fixed = rng.randint(found // 2, found)
        rows.append([Cell(county), Cell(str(rng.randint(30, 600)), kind="value"),
                     Cell(str(found), kind="value"), Cell(str(fixed), kind="value"),
                     Cell(f"{fixed / found:.1%}", kind="value")])
    return Grid("notice", 5, rows, 1, [None] * len(rows), [1.6, 1.2, 1.2, 1.2, 0.8])


def _deadline_table() -> Grid:
    head = ["工作事项", "责任单位", "完成时限"]
    items = [("编制政府信息公开工作年度报告", "各县（市）区人民政府、市政府各部门", "1月15日前"),
             ("报送年度报告电子版", "各县（市）区人民政府、市政府各部门", "1月20日前"),
             ("在政府网站公开年度报告", "各单位", "1月31日前")]
    rows = [[Cell(h, kind="header") for h in head]] + [[Cell(a), Cell(b), Cell(c)] for a, b, c in items]
    return Grid("notice", 3, rows, 1, [None] * len(rows), [2.0, 2.0, 1.0])


def not_a_report_blocks(variant: Variant = "notice", year: int = 2024, seed: int = 0) -> list[Block]:
    """A 通知 with a ruled table. ``near_miss`` is the notice *about* writing annual reports: it
    names 政府信息公开工作年度报告 and its tables but reports no figures."""
    rng = random.Random(seed)
    if variant == "near_miss":
        return [
            Title([f"焦作市人民政府办公室关于做好{year}年政府信息公开工作年度报告编制和发布工作的通知"]),
            Para(f"焦政办明电〔{year + 1}〕3号"),
            Para("各县（市）区人民政府，市人民政府各部门："),
            Para(f"根据《中华人民共和国政府信息公开条例》规定，为做好{year}年政府信息公开工作年度报告"
                 "编制和发布工作，现将有关事项通知如下："),
            Para("一、各单位要严格按照国务院办公厅政府信息与政务公开办公室印发的年度报告格式模板编制，"
                 "主动公开政府信息情况、收到和处理政府信息公开申请情况、政府信息公开行政复议和行政诉讼情况"
                 "等表格数据应当准确、完整，勾稽关系正确。"),
            Para("二、各单位要按照下表时限完成相关工作。"),
            Table(_deadline_table()),
            Para("联系人：张某某，联系电话：0391-3568123。"),
            Para("焦作市人民政府办公室"),
            Para(f"{year + 1}年1月5日"),
        ]
    return [
        Title([f"焦作市人民政府办公室关于开展{year}年度安全生产大检查工作的通知"]),
        Para(f"焦政办〔{year}〕{rng.randint(10, 99)}号"),
        Para("各县（市）区人民政府，市人民政府各部门，各有关单位："),
        Para("为深入贯彻落实党中央、国务院关于安全生产工作的决策部署，有效防范化解重大安全风险，"
             "经市政府同意，决定在全市范围内开展安全生产大检查。现将有关事项通知如下。"),
        Para("一、检查范围。全市矿山、危险化学品、建筑施工、道路交通、消防、燃气等重点行业领域。"),
        Para("二、工作要求。各地各部门要压实责任，建立隐患台账，实行闭环管理。"
             f"截至{year}年9月底，各地检查情况如下表。"),
        Table(_numbers_table(rng)),
        Para("三、请各地于每月5日前将上月检查情况报市安委会办公室。"),
        Para("焦作市人民政府办公室"),
        Para(f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"),
        Para("（此件公开发布）"),
    ]


def write_not_a_report(path: str | Path, fmt: DocFormat, variant: Variant = "notice", year: int = 2024,
                       seed: int = 0) -> Path:
    """A real government document in ``fmt`` that is not an annual report (see not_a_report_blocks)."""
    from .pdf import blocks_pdf_bytes
    from .text import blocks_text
    from .webpage import _save, blocks_html
    from .word import blocks_docx, save_stable

    path = Path(path)
    blocks = not_a_report_blocks(variant, year, seed)
    first = blocks[0]
    title = "".join(first.lines) if isinstance(first, Title) else ""
    style = Style()
    if fmt == "pdf":
        path.write_bytes(blocks_pdf_bytes(blocks, style, title, "焦作市人民政府办公室"))
    elif fmt == "html":
        _save(blocks_html(blocks, style, title, "焦作市人民政府办公室", f"{year}-09-30", "utf-8"), path, "utf-8")
    elif fmt == "docx":
        save_stable(blocks_docx(blocks, style), path)
    elif fmt in ("text", "markdown"):
        path.write_text(blocks_text(blocks, style), encoding="utf-8")
    else:
        raise ValueError(f"unknown format {fmt!r}")
    return path


def write_truncated(path_in: str | Path, path_out: str | Path, keep: float = 0.5) -> Path:
    """The first ``keep`` fraction of a file's bytes: an interrupted download."""
    data = Path(path_in).read_bytes()
    path_out = Path(path_out)
    path_out.write_bytes(data[: max(1, int(len(data) * keep))])
    return path_out


def write_random_bytes(path: str | Path, n: int = 4096, seed: int = 0, header: bytes = b"") -> Path:
    """``n`` random bytes, optionally after a misleading ``header`` such as ``b"%PDF-1.7\\n"``."""
    path = Path(path)
    path.write_bytes(header + random.Random(seed).randbytes(n))
    return path
