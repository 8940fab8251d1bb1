"""After uploading a month of department files the county starts the monitoring run from the overview (立即运行)
instead of waiting for the nightly job; the worker runs it. Only who may run monitoring sees or uses the button."""

from __future__ import annotations

from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from doudi.monitoring.tests.conftest import client_for


def test_county_starts_a_run_from_the_overview(beneficiary, users):
    c = client_for(users["county_reviewer"])
    page = c.get(reverse("monitoring:overview")).content.decode()
    assert f'action="{reverse("monitoring:run_now")}"' in page and "立即运行监测规则" in page
    answer = c.post(reverse("monitoring:run_now"), follow=True)
    assert answer.redirect_chain[-1][0] == reverse("monitoring:overview")
    assert "已提交沅江市的监测运行" in answer.content.decode()
    task = DBTaskResult.objects.get()
    assert task.task_path == "doudi.monitoring.tasks.run_region"
    assert task.args_kwargs["args"] == ["430981000000", None, users["county_reviewer"].pk]


def test_who_cannot_run_monitoring_has_no_button(beneficiary, users):
    c = client_for(users["township_officer"])
    assert "立即运行监测规则" not in c.get(reverse("monitoring:overview")).content.decode()
    assert c.post(reverse("monitoring:run_now")).status_code == 403
    assert not DBTaskResult.objects.exists()
