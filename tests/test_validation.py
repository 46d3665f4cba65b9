"""The one validator on real records: balanced ones pass, every broken identity is named precisely."""

from __future__ import annotations

import copy

import pytest

from extraction import Record, validate, validate_neighbour
from extraction.validation import neighbour_fit
from review.records import claims_from_json, claims_to_json
from extraction.prose import find_active_hints, find_prose_claims
from tests.conftest import FIXTURES, expected_for

SEED = FIXTURES / "seeds" / "000_fd57272cd8fb4328.txt"


def seed_report() -> dict:
    return copy.deepcopy(expected_for(SEED))


def codes(findings) -> list[str]:  # type: ignore[no-untyped-def]
    return sorted(f.code for f in findings)


@pytest.mark.parametrize("path", sorted((FIXTURES / "seeds").glob("*.txt")) + sorted((FIXTURES / "real").glob("*.pdf")))
def test_expected_records_of_real_reports_balance(path) -> None:  # type: ignore[no-untyped-def]
    assert validate(Record.from_report(expected_for(path))) == []


def test_pingtan_2019_expected_record_balances_with_2019_rules() -> None:
    report = expected_for(FIXTURES / "real" / "pt-2019-syq.txt")
    assert report["template"] == "2019"
    assert validate(Record.from_report(report)) == []


def test_i1_names_the_column_and_both_sides() -> None:
    report = seed_report()
    report["applications"]["carried_over"]["natural_person"] = 12  # 756 + 12 = 768 vs 760 + 7
    report["applications"]["carried_over"]["total"] = 13
    findings = validate(Record.from_report(report))
    i1 = [f for f in findings if f.code == "I1"]
    assert [f.message for f in i1] == [
        "I1 自然人: 一+二 = 768, （七）+四 = 767 (diff 1)",
        "I1 总计: 一+二 = 795, （七）+四 = 794 (diff 1)",
    ]
    assert i1[0].expected == 768 and i1[0].printed == 767 and i1[0].diff == 1
    assert ("applications", "carried_over", "natural_person") in i1[0].cells


def test_i2_row_total_and_blank_total_is_not_checked() -> None:
    report = seed_report()
    report["applications"]["granted"]["total"] = 299
    findings = validate(Record.from_report(report))
    assert "I2" in codes(findings)
    i2 = next(f for f in findings if f.code == "I2")
    assert i2.message == "I2 （一）予以公开: 总计 = 299, sum of the six applicant columns = 298 (diff 1)"
    report["applications"]["granted"]["total"] = None
    assert "I2" not in codes(validate(Record.from_report(report)))


def test_i3_results_sum() -> None:
    report = seed_report()
    report["applications"]["other_other"]["commercial_enterprise"] = 1
    report["applications"]["other_other"]["total"] = 80
    findings = validate(Record.from_report(report))
    assert codes(findings) == ["I3", "I3"]
    assert findings[0].message.startswith("I3 商业企业: （七）总计 = 6, sum of results （一）…（六） = 7")


def test_i4_review_total() -> None:
    report = seed_report()
    report["reconsideration_litigation"]["litigation_direct"]["total"] = 15
    findings = validate(Record.from_report(report))
    assert [f.message for f in findings] == [
        "I4 行政诉讼·未经复议直接起诉: 总计 = 15, 维持+纠正+其他+尚未审结 = 16 (diff -1)"
    ]


def test_i5_missing_negative_and_wrong_types() -> None:
    report = seed_report()
    del report["reconsideration_litigation"]["reconsideration"]["pending"]
    report["active_disclosure"]["rules"]["issued"] = -1
    report["active_disclosure"]["administrative_fees"]["amount_10k_yuan"] = "about 3"
    messages = [f.message for f in validate(Record.from_report(report)) if f.code == "I5"]
    assert "I5 表二 规章 · 本年制发件数: -1 is negative" in messages
    assert "I5 表二 行政事业性收费 · 本年收费金额（单位：万元）: 'about 3' is not an amount" in messages
    assert "I5 表四 行政复议: not read (尚未审结)" in messages


def test_blank_cells_count_as_zero() -> None:
    report = seed_report()
    report["applications"]["denied_state_secret"] = {k: None for k in report["applications"]["denied_state_secret"]}
    findings = validate(Record.from_report(report))
    # the row's 1s disappear: I3 breaks for 自然人; the 总计 column is not summed once a result row leaves
    # its 总计 blank (tables that print 总计 only on the main rows), so the applicant column is what catches it
    assert [f.message.split(":")[0] for f in findings] == ["I3 自然人"]


def test_2019_change_may_be_negative_but_counts_may_not() -> None:
    report = expected_for(FIXTURES / "real" / "pt-2019-syq.txt")
    report["active_disclosure"]["administrative_licensing"]["change"] = -3
    assert validate(Record.from_report(report)) == []
    report["active_disclosure"]["administrative_licensing"]["decisions"] = -3
    assert codes(validate(Record.from_report(report))) == ["I5"]


def test_active_hints_bind_only_counts_stated_outright() -> None:
    text = ("全年主动公开政策、规范性文件类信息80条；清理并集中公开现行有效行政规范性文件698件，动态更新本年度制发的"
            "规范性文件88件，已宣布废止规范性文件5件；全年制发规章两件。")
    hints = {c.cells[0][1:]: (c.value, c.quote) for c in find_active_hints(text)}
    assert hints == {
        ("normative_documents", "in_force"): (698, "现行有效行政规范性文件698件"),
        ("normative_documents", "issued"): (88, "制发的规范性文件88件"),
        ("normative_documents", "repealed"): (5, "废止规范性文件5件"),
        ("rules", "issued"): (2, "制发规章两件"),
    }
    assert find_active_hints("现行有效件数规章 000行政规范性文件693665") == []  # table headers are not prose


def test_s3_prose_mismatch_is_soft_and_quotes_the_phrase() -> None:
    claims = find_prose_claims("2024年，全市共收到政府信息公开申请800件，上年结转12件。")
    findings = validate(Record.from_report(seed_report()), claims)
    assert [f.code for f in findings] == ["S3"]
    assert findings[0].severity == "soft"
    assert "800" in findings[0].message and findings[0].diff == 18


def test_s3_received_may_count_last_years_applications_too_but_new_may_not() -> None:
    """平潭 2022: “全区收到政府信息公开申请75件” = 新收 74 + 上年结转 1. 收到 may mean 一 + 二; 新收 means 一."""
    report = seed_report()
    new, carried = (report["applications"][row]["total"] for row in ("new_received", "carried_over"))
    assert carried > 0
    received = find_prose_claims(f"全区收到政府信息公开申请{new + carried}件。")
    assert validate(Record.from_report(report), received) == []
    assert claims_from_json(claims_to_json(received)) == received  # kept as such with the stored report
    fresh = find_prose_claims(f"全年新收政府信息公开申请{new + carried}件。")
    assert [f.code for f in validate(Record.from_report(report), fresh)] == ["S3"]


def test_s3_takes_the_number_of_the_phrase_not_the_first_on_the_line() -> None:
    claims = find_prose_claims("2024年共办理2件咨询，本年度全区共收到70件申请，及时办结69件，1件结转下年度继续办理。")
    values = {c.cells[0][1]: c.value for c in claims}
    assert values == {"new_received": 70, "carried_forward": 1}


def test_s1_and_s2_against_the_previous_year() -> None:
    now = Record.from_report(seed_report())
    before_report = seed_report()
    before_report["year"] = 2023
    before_report["applications"]["carried_forward"]["natural_person"] = 10
    before_report["active_disclosure"]["normative_documents"]["in_force"] = 1500
    findings = validate_neighbour(now, Record.from_report(before_report))
    messages = [f.message for f in findings]
    assert "S1 自然人: 上年结转 = 11, 2023年 结转下年度继续办理 = 10 (diff 1)" in messages
    assert any(m.startswith("S2 行政规范性文件: 上年现行有效 + 本年制发 − 本年废止 = 1619, 现行有效件数 = 1655") for m in messages)
    assert all(f.severity == "soft" for f in findings)


def test_blank_totals_on_the_result_rows_are_not_summed() -> None:
    """Like 上海市人民政府办公厅 2019: 总计 printed only on 一/二/（七）/四. The applicant columns still answer
    for every result row, and （七）总计 for its own row."""
    report = seed_report()
    results = [k for k in report["applications"] if k not in ("new_received", "carried_over", "total", "carried_forward")]
    for row in results:
        report["applications"][row]["total"] = None
    assert validate(Record.from_report(report)) == []
    report["applications"]["granted"]["commercial_enterprise"] += 1
    assert [f.message for f in validate(Record.from_report(report))] == [
        "I3 商业企业: （七）总计 = 6, sum of results （一）…（六） = 7 (diff -1)"]
    report["applications"]["granted"]["commercial_enterprise"] -= 1
    report["applications"]["total"]["total"] += 1
    assert codes(validate(Record.from_report(report))) == ["I1", "I2"]  # （七）总计 is still bound


def test_neighbour_fit_tells_which_reading_of_a_run_agrees_with_the_neighbouring_years() -> None:
    """It narrows, it never picks: two readings keep the stock that next year continues from."""
    now = Record.from_report(seed_report())
    cells = tuple(("active_disclosure", "normative_documents", f) for f in ("issued", "repealed", "in_force"))
    readings = [(69, 3, 665), (6, 93, 665), (693, 6, 65)]
    assert neighbour_fit(now, cells, readings) is None  # nothing stored beside it
    after_report = seed_report()
    after_report["year"] = 2025
    after_report["active_disclosure"]["normative_documents"].update(issued=10, repealed=2, in_force=673)
    after = Record.from_report(after_report)
    fits = neighbour_fit(now, cells, readings, following=after)
    assert fits is not None and fits[0] == [] and fits[1] == []
    assert fits[2] == ["S2 行政规范性文件: 上年现行有效 + 本年制发 − 本年废止 = 73, 现行有效件数 = 673 (diff 600)"]
    # a neighbour that disagrees with every reading alike tells them apart no better than none
    after_report["active_disclosure"]["normative_documents"]["in_force"] = 9999
    assert neighbour_fit(now, cells, readings[:2], following=Record.from_report(after_report)) is None


@pytest.mark.parametrize(
    ("sentence", "value"),
    [
        ("本年度共收到政府信息公开申请七十件。", 70),
        ("全年新收政府信息公开申请一百零二件", 102),
        ("共收到申请两千三百件", 2300),
        ("收到政府信息公开申请十二件", 12),
        ("全年共收到政府信息公开申请1,234件", 1234),
    ],
)
def test_s3_reads_chinese_numerals(sentence: str, value: int) -> None:
    claims = find_prose_claims(sentence)
    assert [(c.cells[0][1], c.value) for c in claims] == [("new_received", value)]

