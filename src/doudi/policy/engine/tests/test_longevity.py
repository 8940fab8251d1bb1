"""高龄津贴 (§7): tiers, age reached on the birthday, means-tested tiers."""

from decimal import Decimal

import pytest

from ..cascade import assess
from .factories import household, member, sample_policy

D = Decimal
# Sample tiers: 80–89 50 元 (means-tested), 90–99 100 元, 100+ 300 元.
CASES = [
    ("§7 79 the day before the 80th birthday", "1945-03-02", 0, None),
    ("§7 80 on the birthday, dibao household", "1945-03-01", 0, "50"),
    ("§7 80–89 tier is means-tested: refused when well-off", "1945-03-01", 5000, "0"),
    ("§7 90 without a means test", "1935-03-01", 5000, "100"),
    ("§7 99 the day before 100", "1925-03-02", 5000, "100"),
    ("§7 100 and over", "1925-03-01", 5000, "300"),
]


@pytest.mark.parametrize(("born", "income", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_longevity(born, income, expected):
    a = assess(
        household(member("E", born=born, income=income, category="transfer", has_capable_supporter=True)),
        sample_policy(),
    )
    r = a.get("longevity_allowance", "E")
    if expected is None:
        assert r is None
    else:
        assert (r.monthly_amount if r.eligible else D(0)) == D(expected)
