"""残疾人两项补贴 (§5): targets, grades, long-term care, overlaps and 择高."""

from decimal import Decimal

import pytest

from ..cascade import assess
from ..facts import OtherBenefit
from .factories import household, make_policy, member, sample_policy

D = Decimal
POOR = dict(income=0)  # alone with no income: a dibao household
RICH = dict(income=5000, category="transfer")


def run(policy=None, **kwargs):
    kwargs.setdefault("born", "1980-01-01")
    a = assess(household(member("P", **kwargs)), policy or sample_policy())
    living, care = a.get("disability_living_subsidy", "P"), a.get("disability_care_subsidy", "P")
    return (living.monthly_amount if living.eligible else D(0)), (care.monthly_amount if care.eligible else D(0))


CASES = [
    (
        "§5 dibao household, grade 1, needs care: both",
        dict(disability=("physical", 1), needs_long_term_care=True, **POOR),
        (277, 277),
    ),
    (
        "§5 grade 1 without a long-term care need: living only",
        dict(disability=("physical", 1), **POOR),
        (277, 0),
    ),
    (
        "§5 not dibao: care subsidy only",
        dict(disability=("physical", 2), needs_long_term_care=True, **RICH),
        (0, 277),
    ),
    (
        "§5 grade 3 physical: living subsidy at the grade 3 rate, no care",
        dict(disability=("physical", 3), **POOR),
        (185, 0),
    ),
    ("§5 grade 4 hearing, not dibao: nothing", dict(disability=("hearing", 4), **RICH), (0, 0)),
    (
        "§5 work-injury care pay excludes both",
        dict(
            disability=("physical", 1),
            needs_long_term_care=True,
            other_benefits=(OtherBenefit("work_injury_care", D(800)),),
            **POOR,
        ),
        (0, 0),
    ),
    (
        "§5 择高: a higher elderly care subsidy is kept instead",
        dict(
            disability=("physical", 1),
            needs_long_term_care=True,
            other_benefits=(OtherBenefit("elderly_care_subsidy", D(600)),),
            **POOR,
        ),
        (0, 0),
    ),
    (
        "§5 择高: the subsidies are higher and are paid",
        dict(
            disability=("physical", 1),
            needs_long_term_care=True,
            other_benefits=(OtherBenefit("elderly_care_subsidy", D(300)),),
            **POOR,
        ),
        (277, 277),
    ),
    (
        "§5 择高: equal amounts keep the existing benefit",
        dict(
            disability=("physical", 1),
            needs_long_term_care=True,
            other_benefits=(OtherBenefit("veteran_disability", D(554)),),
            **POOR,
        ),
        (0, 0),
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_two_subsidies(kwargs, expected):
    assert run(**kwargs) == tuple(D(x) for x in expected)


def test_care_extension_to_grade_3_intellectual_and_mental_only():
    """Extension of the care subsidy to grade 3 intellectual/mental (§5 [L S86])."""
    policy = make_policy({"disability_subsidies.care_amounts": (D(277), D(277), D(200), D(0))})
    assert run(policy, disability=("mental", 3), needs_long_term_care=True, **RICH) == (D(0), D(200))
    assert run(policy, disability=("physical", 3), needs_long_term_care=True, **RICH) == (D(0), D(0))
    assert run(policy, disability=("mental", 4), needs_long_term_care=True, **RICH) == (D(0), D(0))


def test_living_subsidy_extended_to_near_dibao():
    """Regions may extend the living subsidy to near-dibao households (§5 [L S88])."""
    near = dict(income=800, category="transfer", disability=("physical", 2))
    assert run(**near) == (D(0), D(0))
    policy = make_policy(
        {
            "disability_subsidies.living_statuses": ("dibao", "near_dibao"),
            "dibao.single_person_enabled": False,
        }
    )
    assert run(policy, **near) == (D(277), D(0))


def test_tekun_member_gets_neither():
    """特困供养 excludes both subsidies (§5)."""
    assert run(
        born="1950-01-01", has_capable_supporter=False, disability=("physical", 1), needs_long_term_care=True
    ) == (D(0), D(0))


def test_orphan_gets_care_but_not_living_subsidy():
    """孤儿 do not get the living subsidy but may get the care subsidy (§5)."""
    orphan = dict(
        born="2012-01-01",
        parents=(("deceased",), ("deceased",)),
        disability=("intellectual", 1),
        needs_long_term_care=True,
        has_capable_supporter=True,
    )
    assert run(**orphan) == (D(0), D(277))
