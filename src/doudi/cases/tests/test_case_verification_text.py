"""The case page's 信息核对 line names the topics the report checked as 核对项目: after 存在差异 they read as
though every topic differed."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from doudi.cases.models import Verification
from doudi.cases.tests.conftest import ACCEPTED_ON


def test_the_checked_topics_are_named_as_such(household, users, walk):
    case = walk.open(household)
    walk.accept(case)
    walk.verify(case, ACCEPTED_ON)
    verification = Verification.objects.get(case=case)
    assert verification.items
    client = Client()
    client.force_login(users["township_officer"])
    text = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    topics = "、".join(verification.items)
    assert f"{verification.get_result_display()}（核对项目：{topics}）" in text
