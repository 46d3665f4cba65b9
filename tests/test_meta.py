"""The issuing body and the year, read from the title as real reports print it."""

from __future__ import annotations

import pytest

from extraction.meta import find_title


@pytest.mark.parametrize(
    ("lines", "organization", "year"),
    [
        (["焦作市人民政府2024年政府信息公开工作年度报告"], "焦作市人民政府", 2024),
        (["# 焦作市人民政府办公室 2021 年政府信息公开工作年度报告"], "焦作市人民政府办公室", 2021),
        (["瀍河回族区人民政府办公室2024年政府信息公开工", "作年度报告"], "瀍河回族区人民政府办公室", 2024),
        (["标题: 平潭综合实验区2021年度政府信息公开工作年度报告"], "平潭综合实验区", 2021),
        (["2023年度南京市人民政府政府信息公开工作年度报告"], "南京市人民政府", 2023),
        (["2023年鼓楼区政府信息公开工作年度报告"], "鼓楼区", 2023),
        (["首页 > 政务公开 > 年度报告 > 淮安市人民政府2024年政府信息公开工作年度报告"], "淮安市人民政府", 2024),
        (["焦作市人民政府关于2024年政府信息公开工作年度报告"], "焦作市人民政府", 2024),
        (["某某县人民政府二〇二二年政府信息公开工作年度报告"], "某某县人民政府", 2022),
        (["关于做好2024年政府信息公开工作年度报告编制和发布工作的通知"], None, None),
    ],
)
def test_title_gives_body_and_year(lines: list[str], organization: str | None, year: int | None) -> None:
    title = find_title(lines)
    assert (title.organization, title.year) == (organization, year)
