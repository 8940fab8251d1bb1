"""Default urban/rural type of a village-level unit, derived from its name.

居委会/社区 are urban (城镇), 村委会/村 are rural (农村). An administrator corrects the
exceptions (e.g. a 社区 created from merged villages that still applies the rural standard);
a correction is kept across reloads because the loader never overwrites a manual value.
"""

from __future__ import annotations

URBAN_SUFFIXES = ("居委会", "居民委员会", "社区", "居委")
RURAL_SUFFIXES = ("村委会", "村民委员会", "村", "嘎查", "牧委会", "农场", "林场", "生活区", "管委会")


def derive_area_type(name: str) -> str:
    """Return ``"urban"`` or ``"rural"`` for a village or community name."""
    stripped = name.strip()
    if any(stripped.endswith(s) for s in URBAN_SUFFIXES) or "社区" in stripped or "居委会" in stripped:
        return "urban"
    if any(stripped.endswith(s) for s in RURAL_SUFFIXES) or "村" in stripped:
        return "rural"
    # Units such as 农场 or 开发区 residents' areas follow the rural standard unless corrected.
    return "rural"
