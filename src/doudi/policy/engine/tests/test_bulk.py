from ..bulk import assess_many, assess_parallel, synthetic_households
from ..cascade import assess
from .factories import sample_policy


def test_bulk_outcomes_match_single_assessments():
    policy = sample_policy()
    households = synthetic_households(40, policy.on)
    outcomes = list(assess_many(households, policy))
    for h, o in zip(households, outcomes, strict=True):
        a = assess(h, policy)
        assert (o.household_id, o.status, o.total_monthly) == (h.household_id, a.status, a.total_monthly)
    assert assess_parallel(households, policy, workers=2, chunk=15) == outcomes
