"""孤儿 (§6.1) and 事实无人抚养儿童 (§6.2): situations, six-month thresholds, ages."""

from datetime import date
from decimal import Decimal

import pytest

from ..cascade import assess
from .factories import household, make_policy, member, sample_policy

D = Decimal
KID = "2015-06-01"


def run(parents, on=date(2025, 3, 1), policy=None, **kwargs):
    kwargs.setdefault("born", KID)
    kwargs.setdefault("has_capable_supporter", True)
    a = assess(household(member("K", parents=parents, **kwargs), on=on), policy or sample_policy(on))
    for kind in ("orphan", "de_facto_orphan"):
        r = a.get(kind, "K")
        if r is not None and r.eligible:
            return kind, r.tier, r.monthly_amount
    return None


CASES = [
    ("§6.1 both parents dead, community", (("deceased",), ("deceased",)), {}, ("orphan", "社会散居", "1651")),
    (
        "§6.1 institutional orphan",
        (("deceased",), ("unknown",)),
        {"residence": "institution"},
        ("orphan", "集中养育", "1851"),
    ),
    (
        "§6.2 both parents severely disabled",
        (("severe_disability",), ("serious_illness",)),
        {},
        ("de_facto_orphan", "事实无人抚养儿童", "1651"),
    ),
    (
        "§6.2 one dead, the other imprisoned",
        (("deceased",), ("imprisoned", "2024-01-01")),
        {},
        ("de_facto_orphan", "事实无人抚养儿童", "1651"),
    ),
    (
        "§6.2 lost contact exactly six months ago counts",
        (("deceased",), ("lost_contact", "2024-09-01")),
        {},
        ("de_facto_orphan", "事实无人抚养儿童", "1651"),
    ),
    (
        "§6.2 lost contact one day short of six months",
        (("deceased",), ("lost_contact", "2024-09-02")),
        {},
        None,
    ),
    ("§6.2 lost contact without a date is not enough", (("deceased",), ("lost_contact",)), {}, None),
    (
        "§6.2 detention measure of exactly six months",
        (("deceased",), ("detained_other", "2025-01-01", "2025-07-01")),
        {},
        ("de_facto_orphan", "事实无人抚养儿童", "1651"),
    ),
    (
        "§6.2 detention measure shorter than six months",
        (("deceased",), ("detained_other", "2025-01-01", "2025-06-30")),
        {},
        None,
    ),
    ("§6.2 one parent present: not a de facto orphan", (("deceased",), ("present",)), {}, None),
    (
        "§6.2 guardianship revoked is not a base situation",
        (("deceased",), ("guardianship_revoked",)),
        {},
        None,
    ),
    ("§6.1 18th birthday ends support", (("deceased",), ("deceased",)), {"born": "2007-03-01"}, None),
    (
        "§6.1 the day before the 18th birthday",
        (("deceased",), ("deceased",)),
        {"born": "2007-03-02"},
        ("orphan", "社会散居", "1651"),
    ),
    (
        "§6.1 over 18 and at university: continues to 22 (sample)",
        (("deceased",), ("deceased",)),
        {"born": "2006-01-01", "schooling": "higher"},
        ("orphan", "社会散居", "1651"),
    ),
    (
        "§6.1 22 and at university: ends",
        (("deceased",), ("deceased",)),
        {"born": "2003-01-01", "schooling": "higher"},
        None,
    ),
]


@pytest.mark.parametrize(("parents", "kwargs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_child_allowance(parents, kwargs, expected):
    result = run(parents, **kwargs)
    if expected is None:
        assert result is None
    else:
        assert result == (expected[0], expected[1], D(expected[2]))


def test_extra_situations_are_a_parameter():
    """被撤销监护资格 counts where the province added it (§6.2 [L S102])."""
    policy = make_policy({"child_allowance.extra_situations": ("guardianship_revoked",)})
    assert run((("deceased",), ("guardianship_revoked",)), policy=policy)[0] == "de_facto_orphan"


def test_de_facto_amount_follows_community_orphan_standard():
    policy = make_policy({"child_allowance.orphan_community": D(1700)})
    assert run((("severe_disability",), ("serious_illness",)), policy=policy)[2] == D(1700)
