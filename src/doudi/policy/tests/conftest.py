"""Policy fixtures: the shipped example documents published for 湖南省 › 益阳市 › 沅江市."""

import pytest

from doudi.policy.management.commands.load_policies import SAMPLES
from doudi.policy.services import load_policy_file


@pytest.fixture
def published(regions):
    """Publish the three example documents; return {region short name: PolicyVersion}."""
    out = {}
    for path, key in zip(sorted(SAMPLES.glob("*.toml")), ("hunan", "yiyang", "yuanjiang"), strict=True):
        out[key], _ = load_policy_file(path.read_text(encoding="utf-8"))
    return out


def with_urban_standard(content: str, value: int, start: str = "2025-07-01") -> str:
    """Return the county document with the urban dibao standard changed from ``start``.

    The urban tekun basic living standard rises with it to 1.3 × the new standard (rules.md §2.5),
    which the province's consistency rule requires.
    """
    for old_value, new_value in ((740, value), (962, (value * 13 + 9) // 10)):
        old = f"  {{ from = 2025-01-01, value = {old_value} }},"
        assert old in content
        new = (
            f"  {{ from = 2025-01-01, to = {_day_before(start)}, value = {old_value} }},\n"
            f"  {{ from = {start}, value = {new_value} }},"
        )
        content = content.replace(old, new)
    return content


def _day_before(iso: str) -> str:
    from datetime import date, timedelta

    return (date.fromisoformat(iso) - timedelta(days=1)).isoformat()
