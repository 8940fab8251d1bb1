"""The daily job: callable as a django-task and from ``manage.py run_case_tasks``."""

from datetime import date
from io import StringIO

from django.core.management import call_command

from doudi.cases.models import ReviewTask
from doudi.cases.tasks import run_case_tasks


def test_the_command_runs_the_due_tasks_and_schedules_reviews(walk, household):
    walk.to_enrolled(household)
    ReviewTask.objects.all().delete()
    out = StringIO()
    call_command("run_case_tasks", "--date", "2025-04-02", stdout=out)
    assert "reviews_scheduled: 1" in out.getvalue()
    assert ReviewTask.objects.filter(household=household, status="open").count() == 1


def test_the_task_can_be_called_directly(walk, household):
    walk.to_enrolled(household)
    assert run_case_tasks.call(date(2025, 4, 2).isoformat())["reviews_scheduled"] == 0
