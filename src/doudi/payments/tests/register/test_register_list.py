"""The register list: a village worker reaches the signing registers of the own village from the navigation."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from doudi.payments.models import Payroll, PayrollStatus
from doudi.payments.services.generation import generate_payroll
from doudi.payments.tests.bankfiles.helpers import approved_payroll

pytestmark = pytest.mark.django_db

LIST = reverse("payments:register_list")


def page(client, user) -> str:
    client.force_login(user)
    response = client.get(LIST)
    assert response.status_code == 200
    return response.content.decode()


def test_village_worker_finds_the_register_of_the_own_village_from_the_navigation(client, regions, maker, users):
    payroll, _ = approved_payroll(regions, maker)
    Payroll.objects.filter(pk=payroll.pk).update(status=PayrollStatus.SENT)
    draft = generate_payroll(maker, region_code="430981", programme="dibao", month=date(2025, 4, 1), run_checks=False)
    worker = users["village_worker"]  # 立新村: 张三 500 and 李四 620.50
    html = page(client, worker)
    assert f'href="{LIST}"' in html and ">发放名册</a>" in html  # the navigation item
    assert "2025年3月" in html and "立新村" in html and "1,120.50" in html and "已报送银行" in html
    assert "韩家汊社区" not in html
    assert "2025年4月" not in html and f"/{draft.pk}/register" not in html  # a draft is not for signing
    pdf = reverse("payments:payroll_register_pdf", args=[payroll.pk]) + f"?village={regions['lixin'].code}"
    assert pdf in html.replace("&amp;", "&")
    response = client.get(pdf)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_a_village_worker_of_another_village_is_refused(client, regions, maker, users):
    payroll, _ = approved_payroll(regions, maker)
    other = users["other_village_worker"]  # 韩家汊社区: only 王五
    html = page(client, other)
    assert "韩家汊社区" in html and "300.00" in html and "立新村" not in html
    for fmt in ("pdf", "xlsx"):
        url = reverse(f"payments:payroll_register_{fmt}", args=[payroll.pk]) + f"?village={regions['lixin'].code}"
        assert client.get(url).status_code == 404
    # Of another county: no register listed, the payroll not even found.
    html = page(client, users["foreign_county_reviewer"])
    assert "暂无已审批的发放名册" in html
    assert client.get(reverse("payments:payroll_register_pdf", args=[payroll.pk])).status_code == 404


def test_navigation_item_only_for_village_and_township_workers(client, regions, users):
    assert f'href="{LIST}"' in page(client, users["township_officer"])
    client.force_login(users["county_reviewer"])
    html = client.get(reverse("core:home")).content.decode()
    assert f'href="{LIST}"' not in html and "资金发放" in html
