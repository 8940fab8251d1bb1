"""Two people acting on one case at once: one decides, the other is told "已被他人处理"."""

import threading
from datetime import date

import pytest
from django.db import connections

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.cases import services
from doudi.cases.errors import AlreadyHandled
from doudi.cases.models import Decision
from doudi.cases.tests.conftest import fresh

AFTER_NOTICE = date(2025, 3, 10)


def test_the_second_of_two_sessions_reading_the_same_version_is_refused(walk, household, users, regions):
    case = walk.to_notice(household)
    seen = fresh(case).version  # both reviewers opened the page at this version
    other = UserFactory(role=Role.COUNTY_REVIEWER, region=regions["yuanjiang"])
    services.do_confirm_case(users["county_reviewer"], case, approve=True, expected_version=seen, today=AFTER_NOTICE)
    with pytest.raises(AlreadyHandled) as exc:
        services.do_confirm_case(other, case, approve=False, reasons="x", expected_version=seen, today=AFTER_NOTICE)
    assert "已被他人处理" in exc.value.message
    assert Decision.objects.filter(case=case).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgresql_only
def test_two_threads_deciding_at_once_decide_once(regions, users, walk, published):
    from doudi.cases.tests.conftest import poor_household

    household = poor_household(regions["lixin"], users["county_reviewer"])
    case = walk.to_notice(household)
    seen = fresh(case).version
    reviewers = [users["county_reviewer"], UserFactory(role=Role.COUNTY_REVIEWER, region=regions["yuanjiang"])]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def decide(user, approve):
        try:
            barrier.wait()
            services.do_confirm_case(
                user,
                case,
                approve=approve,
                reasons="" if approve else "不符合",
                expected_version=seen,
                today=AFTER_NOTICE,
            )
            outcomes.append("decided")
        except AlreadyHandled:
            outcomes.append("already_handled")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=decide, args=(u, i == 0)) for i, u in enumerate(reviewers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(outcomes) == ["already_handled", "decided"]
    assert Decision.objects.filter(case=case).count() == 1
    assert fresh(case).status in ("approved", "refused")
