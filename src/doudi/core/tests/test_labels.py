"""The label map: codes by their Chinese names, figures in one form."""

from __future__ import annotations

from decimal import Decimal

from doudi.core import labels
from doudi.policy.engine.documents import AgeTier, Band
from doudi.policy.engine.parameters import SPECS

SPEC = {s.key: s for s in SPECS}


def test_amounts_have_thousands_separators_and_two_decimals():
    assert labels.money(Decimal("1554")) == "1,554.00"
    assert labels.money("430.5") == "430.50"
    assert labels.money(None) == "—"


def test_ratios_read_as_percentages():
    assert labels.percent(Decimal("0.2")) == "20%"
    assert labels.percent("0.125") == "12.5%"
    assert labels.percent(1) == "100%"


def test_booleans_read_yes_or_no():
    assert (labels.yes_no(True), labels.yes_no(False), labels.yes_no(None)) == ("是", "否", "—")


def test_programme_and_action_codes_have_chinese_names():
    assert labels.programme_label("disability_living_subsidy") == "困难残疾人生活补贴"
    assert labels.action_label("case_open_application") == "案件：登记申请"
    assert labels.action_label("publish_policy") == "发布政策"
    assert labels.action_label("record_disability") == "登记残疾"


def test_every_coded_policy_value_has_a_chinese_name():
    for spec in SPECS:
        if spec.kind not in ("choice", "categories"):
            continue
        for choice in spec.choices:
            shown = labels.policy_value(choice, spec.choice_labels)
            assert shown != choice, f"{spec.key} = {choice}"


def test_parameter_values_read_as_published():
    assert labels.parameter_value(SPEC["dibao.payment_method"], "gap") == "差额补助"
    assert labels.parameter_value(SPEC["dibao.supplement_mode"], "highest_only") == "就高不叠加"
    assert labels.parameter_value(SPEC["dibao.minimum_payment_ratio"], Decimal("0.2")) == "20%"
    assert labels.parameter_value(SPEC["dibao.standard_urban"], Decimal("1225")) == "1,225.00"
    assert labels.parameter_value(SPEC["dibao.bands"], [Band(Decimal("0.5"), Decimal("0.8"))]) == (
        "人均收入低于标准的 50% 发 80%"
    )
    tiers = [AgeTier(80, 90, Decimal("50"), True), AgeTier(100, None, Decimal("300"))]
    assert labels.parameter_value(SPEC["longevity.tiers"], tiers) == (
        "80–89 周岁 50.00 元/月（限困难家庭）；100 周岁及以上 300.00 元/月"
    )
    assert labels.rule_section("§1.7 [L S35]") == "§1.7"


def test_audit_change_rows_show_booleans_as_yes_or_no():
    from doudi.core.templatetags.doudi_ui import change_rows

    rows = change_rows({"special": {"label": "情况复杂", "old": False, "new": True}, "households": 3000})
    assert rows == [("情况复杂", "否", "是"), ("户数", "", 3000)]


def test_audit_change_rows_name_plain_values_in_chinese():
    """A monitoring run's and an alert assignment's changes read 新开预警：0, not opened：0."""
    from doudi.core.templatetags.doudi_ui import change_rows

    run = {"on": "2026-12-05", "opened": 3, "closed": 1, "unchanged": 256}
    assert change_rows(run) == [
        ("监测日期", "", "2026-12-05"),
        ("新开预警", "", 3),
        ("自动关闭", "", 1),
        ("维持不变", "", 256),
    ]
    assert change_rows({"assigned_to": [None, "village_worker"]}) == [("分派给", "", "village_worker")]
