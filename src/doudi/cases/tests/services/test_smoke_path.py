from datetime import date
from decimal import Decimal

from doudi.cases.models import CaseEvent, Enrolment
from doudi.cases.tests.conftest import fresh


def test_main_path_enrols_the_household(walk, household):
    case = walk.to_enrolled(household)
    assert case.status == "enrolled"
    e = Enrolment.objects.get(programme="dibao")
    assert e.start_month == date(2025, 4, 1)
    assert e.monthly_amount > Decimal("0")
    assert [ev.action for ev in CaseEvent.objects.filter(case=case)][:3] == [
        "open_application",
        "accept_application",
        "record_verification",
    ]
    assert fresh(case).version > 5
