"""A payroll's month reads 2027年1月 everywhere, also in the message after generating it."""

from __future__ import annotations

from datetime import date

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from doudi.payments.models import Payroll
from doudi.payments.tests.conftest import enrol, payee

pytestmark = pytest.mark.django_db


def test_message_after_generating_names_the_month_without_a_leading_zero(client, regions, maker):
    enrol(payee(regions["lixin"], maker), start=date(2027, 1, 1), amount="500")
    client.force_login(maker)
    response = client.post(reverse("payments:payroll_generate"), {"programme": "dibao", "month": "2027-01"})
    payroll = Payroll.objects.get(month=date(2027, 1, 1))
    assert response.status_code == 302
    texts = [str(m) for m in get_messages(response.wsgi_request)]
    assert texts == ["已生成2027年1月 最低生活保障发放名册：1 笔。"]
    assert str(payroll) == "2027年1月 最低生活保障"
