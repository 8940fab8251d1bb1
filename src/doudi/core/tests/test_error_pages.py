"""The 403 page says why once: the refusal's own sentence, or the general one when it has none."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from doudi.core.templatetags.doudi_ui import action_label


def test_a_refusal_without_its_own_sentence_says_the_general_one_once(client, users):
    client.force_login(users["auditor"])
    response = client.get(reverse("simulation:form"))
    page = response.content.decode()
    assert response.status_code == 403
    assert page.count("您的角色无权执行此操作。") == 1


def test_a_refusal_with_its_own_sentence_says_only_that(users, db):
    from django.views.defaults import permission_denied

    request = RequestFactory().get("/")
    request.user = users["village_worker"]
    response = permission_denied(request, PermissionDenied("该记录不在您的管辖范围内。"))
    page = response.content.decode()
    assert response.status_code == 403
    assert page.count("该记录不在您的管辖范围内。") == 1 and "您的角色无权执行此操作" not in page


def test_every_case_step_and_side_step_has_a_chinese_action_label():
    from doudi.cases.workflow import SIDE_STEPS, TRANSITIONS

    for step in [*TRANSITIONS, *SIDE_STEPS, "due_task", "open_termination"]:
        label = action_label(f"case_{step}")
        assert label.startswith("案件：") and "_" not in label, step
