"""Dated entries of a policy document: switched-off thresholds and figures published per year.

What a region's officer reads when an entry is refused is pinned word for word; entries that are
accepted keep their dates, note and reason.
"""

from datetime import date
from decimal import Decimal

import pytest

from ..documents import ParamEntry, load_document
from ..errors import PolicyError

HEAD = '[document]\nregion_code = "430981"\nregion_name = "沅江市"\nlevel = "county"\neffective = 2025-01-01\n'
MONTHS = "参数 dibao.property.financial_assets_months（低保人均金融资产上限（月数））: "
URBAN = "参数 dibao.standard_urban（城市低保标准）: "
OFF_FORM = '关闭某项条件写作 { off = true, reason = "理由" }，不再填写 value'
ALL_FIELDS = '{off = true, value = 1, from = 2025-01-01, to = 2025-12-31, note = "n", per = "month", reason = "x"}'


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ('[dibao.property]\nfinancial_assets_months = [{off = true, value = 1, reason = "x"}]', MONTHS + OFF_FORM),
        ('[dibao.property]\nfinancial_assets_months = [{off = true, per = "year", reason = "x"}]', MONTHS + OFF_FORM),
        (
            f"[dibao.property]\nfinancial_assets_months = [{ALL_FIELDS}]",
            MONTHS.replace("）: ", "） 第 1 个时段: ") + OFF_FORM,
        ),
        (  # the same entry written as a table rather than a list: still read as one entry
            f"[dibao.property]\nfinancial_assets_months = {ALL_FIELDS}",
            MONTHS.replace("）: ", "） 第 1 个时段: ") + OFF_FORM,
        ),
        (
            '[dibao.property]\nfinancial_assets_months = [{off = true, reason = " "}]',
            MONTHS + "关闭时须写明理由 reason",
        ),
        (
            '[dibao]\nstandard_urban = [{off = true, reason = "x"}]',
            URBAN + "该参数不能关闭（只有“不设则不检查”的条件可以关闭）",
        ),
        ('[dibao]\nstandard_urban = [{value = 740, reason = "x"}]', URBAN + "reason 只用于 off = true"),
        ("[dibao]\nstandard_urban = [{value = 740, note = 3}]", URBAN + "note（说明）应为文字"),
        (
            '[dibao]\nminimum_payment_ratio = [{value = 1, per = "year"}]',
            "参数 dibao.minimum_payment_ratio（最低发放比例）: 该参数的单位是 无，不能按年填写",
        ),
        (
            '[dibao.property]\nfinancial_assets_months = [{value = 1, per = "year"}]',
            MONTHS + "该参数的单位是 个月，不能按年填写",
        ),
    ],
)
def test_refused_entries(body, problem):
    with pytest.raises(PolicyError) as exc:
        load_document(HEAD + body)
    assert exc.value.problems == [problem]


def test_a_switched_off_threshold_keeps_its_dates_note_and_reason():
    doc = load_document(
        HEAD
        + "[dibao.property]\n"
        + 'financial_assets_months = [{off = true, reason = " 本县不设 ", note = "n", to = 2025-12-31}]'
    )
    assert doc.params["dibao.property.financial_assets_months"] == (
        ParamEntry(None, date(2025, 1, 1), date(2025, 12, 31), "n", off=True, reason="本县不设"),
    )


def test_a_figure_published_per_year_keeps_its_dates_and_note():
    doc = load_document(
        HEAD
        + '[general]\nminimum_wage = [{value = 24000, per = "year", from = 2025-03-01, to = 2025-12-31, note = "n"}]'
    )
    assert doc.params["general.minimum_wage"] == (
        ParamEntry(Decimal(2000), date(2025, 3, 1), date(2025, 12, 31), "n", per="year", published=Decimal(24000)),
    )
