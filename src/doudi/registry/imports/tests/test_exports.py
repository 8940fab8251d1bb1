"""XLSX export of a household search: scoped, masked unless allowed, and logged when not masked."""

from __future__ import annotations

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from doudi.audit.models import RecordAccess
from doudi.core import masking
from doudi.core.errors import PermissionDenied
from doudi.registry.exports import HEADERS, export_households_xlsx
from doudi.registry.imports import writers
from doudi.registry.models import Person
from doudi.registry.tests.factories import household

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_regions(regions, users):
    ours = household(regions["lixin"], actor=users["village_worker"], members=2, head_name="张三")
    theirs = household(regions["hanjiacha"], actor=users["other_village_worker"], head_name="韩梅")
    Person.objects.filter(household=ours).update(
        phone="13812345678", bank_name="农商行", bank_account="6230901234567890"
    )
    return ours, theirs


def _sheet(response):
    content = b"".join(response.streaming_content)
    return [list(r) for r in load_workbook(io.BytesIO(content)).worksheets[0].iter_rows(values_only=True)]


def test_export_is_masked_and_only_the_users_households(client, users, two_regions):
    ours, _theirs = two_regions
    client.force_login(users["village_worker"])
    response = client.get(reverse("registry:imports:export"))
    assert response.status_code == 200 and response["X-Doudi-Rows"] == "3"
    rows = _sheet(response)
    assert rows[0] == list(HEADERS)
    assert {r[0] for r in rows[1:]} == {ours.number}
    assert rows[1][5] == "张三" and rows[1][9] == "户主"  # the head first
    head = Person.objects.get(household=ours, relation="head")
    assert rows[1][6] == masking.mask_id_number(head.id_number) != head.id_number
    assert rows[1][12] == "138****5678" and rows[1][14] == "************7890"
    assert not RecordAccess.objects.exists()


def test_out_of_region_user_exports_none_of_the_other_regions_rows(client, users, two_regions):
    _ours, theirs = two_regions
    client.force_login(users["other_village_worker"])
    rows = _sheet(client.get(reverse("registry:imports:export")))
    assert {r[0] for r in rows[1:]} == {theirs.number}
    client.force_login(users["foreign_county_reviewer"])
    assert _sheet(client.get(reverse("registry:imports:export"), {"unmasked": "1"})) == [list(HEADERS)]


def test_the_search_filters_are_those_of_the_household_list(client, users, two_regions):
    ours, _ = two_regions
    head = Person.objects.get(household=ours, relation="head")
    client.force_login(users["county_reviewer"])
    rows = _sheet(client.get(reverse("registry:imports:export"), {"q": head.id_number}))
    assert {r[0] for r in rows[1:]} == {ours.number}
    rows = _sheet(client.get(reverse("registry:imports:export"), {"q": "韩梅"}))
    assert [r[5] for r in rows[1:]] == ["韩梅"]


def test_unmasked_export_needs_the_capability_and_is_logged(client, users, two_regions):
    ours, _ = two_regions
    with pytest.raises(PermissionDenied):
        export_households_xlsx(actor=users["township_officer"], unmasked=True)
    client.force_login(users["township_officer"])
    assert client.get(reverse("registry:imports:export"), {"unmasked": "1"}).status_code == 403

    client.force_login(users["county_reviewer"])
    rows = _sheet(client.get(reverse("registry:imports:export"), {"unmasked": "1"}))
    head = Person.objects.get(household=ours, relation="head")
    assert head.id_number in [r[6] for r in rows[1:]] and "13812345678" in [r[12] for r in rows[1:]]
    logged = RecordAccess.objects.filter(channel="export", actor=users["county_reviewer"])
    assert logged.filter(person_id__isnull=True, detail__contains="共 4 人").count() == 1
    assert set(logged.exclude(person_id=None).values_list("person_id", flat=True)) == set(
        Person.objects.values_list("pk", flat=True)
    )


@pytest.mark.parametrize("value", ["", "1", "1234567", "12345678", "13812345678", "430981198005170011", "62309012"])
def test_vectorised_masks_equal_the_core_masks(value):
    import pyarrow as pa

    values = pa.array([value])
    assert writers.mask_ids(values)[0].as_py() == masking.mask_id_number(value)
    assert writers.mask_phones(values)[0].as_py() == masking.mask_phone(value)
    assert writers.mask_accounts(values)[0].as_py() == masking.mask_bank_account(value)


def _refused(response) -> str:
    assert response.status_code == 400 and not response.streaming
    assert "X-Doudi-Rows" not in response and response["Content-Type"].startswith("text/html")
    return response.content.decode()


@pytest.mark.parametrize("region", ["abc", "4309811142011", "430981114201' OR 1=1", "x" * 5000])
def test_a_region_filter_that_cannot_be_parsed_is_refused_not_dropped(client, users, two_regions, region):
    client.force_login(users["county_reviewer"])
    page = _refused(client.get(reverse("registry:imports:export"), {"region": region}))
    assert "无法导出" in page and "不是有效的区划代码" in page and "未导出任何数据" in page
    assert len(region) < 30 or region[:21] not in page  # an over-long value is not echoed whole


def test_a_region_filter_outside_the_users_scope_is_refused_not_dropped(client, users, regions, two_regions):
    client.force_login(users["county_reviewer"])
    page = _refused(client.get(reverse("registry:imports:export"), {"region": regions["heshan"].code}))
    assert f"区划：“{regions['heshan'].code}”不在您的管辖范围内" in page
    # A village worker has no region list at all: any region, even a sibling village, is refused.
    client.force_login(users["village_worker"])
    page = _refused(client.get(reverse("registry:imports:export"), {"region": regions["hanjiacha"].code}))
    assert "不在您的管辖范围内" in page and "韩梅" not in page


def test_other_bad_filters_are_refused_and_a_good_region_filter_applies(client, users, regions, two_regions):
    ours, theirs = two_regions
    client.force_login(users["county_reviewer"])
    assert "查询：" in _refused(client.get(reverse("registry:imports:export"), {"q": "张" * 51}))
    assert "状态：" in _refused(client.get(reverse("registry:imports:export"), {"status": "deleted"}))
    rows = _sheet(client.get(reverse("registry:imports:export"), {"region": regions["caowei"].code}))
    assert {r[0] for r in rows[1:]} == {ours.number} != {theirs.number}


def test_the_users_own_region_is_a_valid_filter_though_not_in_the_list(client, users, regions, two_regions):
    """The list offers the sub-regions (its "全部" is the user's own region); the own code still works."""
    ours, theirs = two_regions
    client.force_login(users["county_reviewer"])
    rows = _sheet(client.get(reverse("registry:imports:export"), {"region": regions["yuanjiang"].code}))
    assert {r[0] for r in rows[1:]} == {ours.number, theirs.number}
    client.force_login(users["village_worker"])
    rows = _sheet(client.get(reverse("registry:imports:export"), {"region": regions["lixin"].code}))
    assert {r[0] for r in rows[1:]} == {ours.number}
    # An in-scope code that names no region is still refused.
    client.force_login(users["county_reviewer"])
    assert "不在您的管辖范围内或不可选" in _refused(
        client.get(reverse("registry:imports:export"), {"region": regions["yuanjiang"].code[:6] + "999999"})
    )
