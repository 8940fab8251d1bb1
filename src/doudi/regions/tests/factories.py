"""Region factories: real codes of the demo county, so ID numbers made on them validate."""

from __future__ import annotations

from doudi.regions.models import AreaType, Level, Region, pad_code

TREE = [
    # key, code, name, level, parent key, area type
    ("hunan", "43", "湖南省", Level.PROVINCE, None, ""),
    ("yiyang", "4309", "益阳市", Level.PREFECTURE, "hunan", ""),
    ("yuanjiang", "430981", "沅江市", Level.COUNTY, "yiyang", ""),
    ("heshan", "430902", "资阳区", Level.COUNTY, "yiyang", ""),
    ("caowei", "430981114", "草尾镇", Level.TOWNSHIP, "yuanjiang", ""),
    ("qionghu", "430981006", "琼湖街道", Level.TOWNSHIP, "yuanjiang", ""),
    ("ziyang_town", "430902001", "汽车路街道", Level.TOWNSHIP, "heshan", ""),
    ("lixin", "430981114201", "立新村", Level.VILLAGE, "caowei", AreaType.RURAL),
    ("shengtian", "430981114202", "胜天村", Level.VILLAGE, "caowei", AreaType.RURAL),
    ("caowei_community", "430981114001", "草尾社区", Level.VILLAGE, "caowei", AreaType.URBAN),
    ("hanjiacha", "430981006001", "韩家汊社区", Level.VILLAGE, "qionghu", AreaType.URBAN),
    ("ziyang_village", "430902001001", "南门桥社区", Level.VILLAGE, "ziyang_town", AreaType.URBAN),
    ("beijing", "11", "北京市", Level.PROVINCE, None, ""),
]


def build_demo_tree() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for key, code, name, level, parent, area_type in TREE:
        parent_region = regions.get(parent) if parent else None
        full = (parent_region.full_name if parent_region else "") + name
        regions[key], _ = Region.objects.update_or_create(
            code=pad_code(code),
            defaults={
                "name": name,
                "full_name": full,
                "level": level,
                "parent": parent_region,
                "area_type": area_type,
                "area_type_source": "derived" if area_type else "",
            },
        )
    return regions
