"""Simulation pages: inline runs for small regions, background runs with progress, downloads, scope and roles."""

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from doudi.policy.models import AssessmentRecord
from doudi.policy.simulation import store, views
from doudi.policy.tests.simulation.conftest import ON, START


@pytest.fixture(autouse=True)
def _runs_in_tmp(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _post(client, user, **extra):
    client.force_login(user)
    data = {
        "region": "430981000000",
        "on": ON.isoformat(),
        "start": START.isoformat(),
        "param_1": "dibao.standard_urban",
        "value_1": "760",
        "param_2": "extreme_poverty.basic_living_urban",
        "value_2": "988",
        **extra,
    }
    return client.post(reverse("simulation:form"), data)


def test_the_form_lists_parameters_with_chinese_labels_and_regions_in_scope(client, users, published):
    client.force_login(users["county_reviewer"])
    page = client.get(reverse("simulation:form")).content.decode()
    assert '<option value="dibao.standard_urban">城市低保标准（元/人·月）</option>' in page
    assert "沅江市（430981）" in page and "草尾镇" in page and "资阳区" not in page


def test_a_small_region_is_simulated_at_once_with_summary_and_downloads(client, users, households):
    response = _post(client, users["county_reviewer"])
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "新进入" in page and "70.00" in page and "琼湖街道" in page
    run_id = response["Location"].rstrip("/").split("/")[-1]
    csv = client.get(reverse("simulation:download_csv", args=[run_id]))
    assert csv["Content-Type"].startswith("text/csv") and households.changing.number in csv.content.decode("utf-8-sig")
    xlsx = client.get(reverse("simulation:download_xlsx", args=[run_id]))
    rows = list(load_workbook(BytesIO(xlsx.content)).active.iter_rows(values_only=True))
    assert len(rows) == 3 and "%E5%8F%98%E5%8C%96%E5%AE%B6%E5%BA%AD" in xlsx["Content-Disposition"]
    assert AssessmentRecord.objects.count() == 0


def test_a_big_region_runs_in_the_background_with_progress(
    client, users, households, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(views, "INLINE_LIMIT", 1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _post(client, users["county_reviewer"])
    assert len(callbacks) == 1
    run_id = response["Location"].rstrip("/").split("/")[-1]
    status = client.get(reverse("simulation:run_status", args=[run_id])).json()
    assert status == {"status": "done", "done": 3, "total": 3, "percent": 100, "error": ""}


def test_a_queued_run_shows_a_progress_bar_polled_by_script(client, users, households):
    client.force_login(users["county_reviewer"])
    from doudi.policy.simulation.runner import SimulationRequest

    run_id = store.create_run(users["county_reviewer"], SimulationRequest("430981", ON), total=3, region_name="沅江市")
    page = client.get(reverse("simulation:run", args=[run_id])).content.decode()
    assert 'role="progressbar"' in page and "policy/simulation.js" in page
    assert client.get(reverse("simulation:download_csv", args=[run_id])).status_code == 404


def test_a_bad_override_is_shown_on_the_form(client, users, households):
    response = _post(client, users["county_reviewer"], value_1="-5")
    assert response.status_code == 200
    assert "dibao.standard_urban" in response.content.decode() and "金额不能为负数" in response.content.decode()
    response = _post(client, users["county_reviewer"], param_2="", value_2="")
    assert "extreme_poverty.basic_living_urban" in response.content.decode()  # the 1.3 × rule names it
    response = _post(client, users["county_reviewer"], param_1="", value_1="", param_2="", value_2="")
    assert "请选择一个草稿版本，或至少修改一个参数" in response.content.decode()


def test_another_county_cannot_simulate_or_read_our_runs(client, users, households):
    response = _post(client, users["foreign_county_reviewer"])
    assert response.status_code == 200 and "region" in response.context["form"].errors
    response = _post(client, users["county_reviewer"])
    run_id = response["Location"].rstrip("/").split("/")[-1]
    client.force_login(users["city_supervisor"])  # even a supervisor above cannot open someone else's run
    assert client.get(reverse("simulation:run", args=[run_id])).status_code == 404
    assert client.get(reverse("simulation:download_csv", args=[run_id])).status_code == 404
    assert client.get(reverse("simulation:run", args=["not-a-run"])).status_code == 404


def test_a_role_without_assessment_is_refused(client, users):
    client.force_login(users["auditor"])
    response = client.get(reverse("simulation:form"))
    assert response.status_code == 403 and "您的角色无权执行此操作。" in response.content.decode()
