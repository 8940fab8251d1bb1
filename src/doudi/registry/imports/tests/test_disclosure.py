"""An import row whose ID number is registered outside the importer's region learns nothing about it.

The row is refused (one person, one household) with the same neutral message as the forms, in the
batch's errors, on its page and in both downloads of the rejected rows; inside the importer's scope
the message names the household, which helps to find it.
"""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from doudi.registry import services
from doudi.registry.errors import REGISTERED_OUTSIDE_SCOPE
from doudi.registry.imports.tests.conftest import commit, csv_bytes, errors_of, person_row, stage
from doudi.registry.models import Person
from doudi.registry.tests.factories import person_input

pytestmark = pytest.mark.django_db


@pytest.fixture
def foreign(regions, users):
    """A household of 资阳区 (another county) whose head is 肖芝."""
    return services.do_create_household(
        users["foreign_county_reviewer"],
        region_code=regions["ziyang_village"].code,
        head=person_input("肖芝", birth=date(1975, 3, 9), male=False),
        address="南门桥社区5栋",
    )


def _secrets(foreign) -> list[str]:
    return ["资阳区", "南门桥", "汽车路", foreign.number, "肖芝"]


def _download(client, batch, fmt: str) -> str:
    response = client.get(reverse("registry:imports:import_rejected", args=[batch.pk]), {"format": fmt})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        return body.decode("utf-8-sig")
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).worksheets[0]
    return "\n".join(" ".join(str(c) for c in row if c is not None) for row in sheet.iter_rows(values_only=True))


@pytest.mark.parametrize("role", ["village_worker", "township_officer", "county_reviewer"])
def test_an_outsider_is_told_only_that_the_person_is_registered_elsewhere(
    client, users, foreign, role, django_capture_on_commit_callbacks
):
    actor = users[role]
    taken = Person.objects.get(household=foreign).id_number
    rows = [person_row("H1", name="张三"), person_row("H1", name="某人", relation="配偶", id_number=taken)]
    batch = stage(actor, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert (3, "公民身份号码", REGISTERED_OUTSIDE_SCOPE) in errors_of(batch)
    client.force_login(actor)
    page = client.get(reverse("registry:imports:import_detail", args=[batch.pk])).content.decode()
    assert "管辖范围以外" in page
    for text in (str(errors_of(batch)), page, _download(client, batch, "csv"), _download(client, batch, "xlsx")):
        for secret in _secrets(foreign):
            assert secret not in text, secret


def test_a_user_whose_scope_holds_the_household_is_told_where(users, foreign, django_capture_on_commit_callbacks):
    """The administrator of 湖南省 sees both counties: the message names the household in 资阳区."""
    taken = Person.objects.get(household=foreign).id_number
    rows = [person_row("H1", name="张三"), person_row("H1", name="某人", relation="配偶", id_number=taken)]
    batch = stage(users["administrator"], csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    [message] = [m for r, c, m in errors_of(batch) if (r, c) == (3, "公民身份号码")]
    assert foreign.number in message and "资阳区" in message and "肖芝" in message


def test_a_person_registered_outside_scope_after_validation_is_refused_neutrally(
    users, foreign, django_capture_on_commit_callbacks
):
    """At commit, the stale row says that the person was registered meanwhile, not where."""
    actor = users["village_worker"]
    rows = [person_row("H1", name="张三")]
    batch = stage(actor, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    data = person_input("冯某")
    data.id_number, data.relation = rows[0]["公民身份号码"], "child"
    services.do_add_member(users["foreign_county_reviewer"], foreign, person=data)
    refused = commit(actor, batch, capture=django_capture_on_commit_callbacks)
    assert refused.status == "validated"
    text = str(errors_of(refused))
    assert "已于校验后在其他家庭登记" in text
    for secret in [*_secrets(foreign), "冯某"]:
        assert secret not in text, secret
