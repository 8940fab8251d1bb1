"""The draft as a form (issue #12): labels, units, values in force, validation by the field, diff,
"模拟此草稿", 已被替代, and a form saved without changes giving back the same document."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from doudi.policy import services
from doudi.policy.engine.documents import load_document
from doudi.policy.engine.toml_writer import document_to_toml
from doudi.policy.selectors import chain_codes

D = Decimal
ENGINE_TESTS = Path(__file__).resolve().parents[1] / "engine" / "tests"


class _Form(HTMLParser):
    """Collect what a browser would submit from the page's form (inputs, selected options, checked boxes)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[a["name"]] = a.get("value", "on")
            else:
                self.data[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
            self.data.setdefault(self._select, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_data(html: str) -> dict[str, str]:
    parser = _Form()
    parser.feed(html)
    return parser.data


@pytest.fixture
def draft(published, users):
    return services.do_create_draft(
        users["county_reviewer"],
        region_code="430981",
        content=published["yuanjiang"].content,
        title="沅江市 2025 年下半年标准",
        based_on=published["yuanjiang"],
    )


def url(draft):
    return reverse("policy:draft_params", args=[draft.pk])


def test_the_form_shows_labels_units_and_values_in_force(client, draft, users):
    client.force_login(users["county_reviewer"])
    html = client.get(url(draft)).content.decode()
    assert "农村低保标准" in html and "单位：元/人·月" in html
    assert "740.00" in html  # the urban standard in force, with two decimals
    assert "未成年人增发比例" in html or "未成年人" in html
    assert "10%" in html and "单位：%" in html  # a ratio shown and entered as a percentage
    assert "按年公布" in html


def test_saving_the_form_without_changes_gives_the_same_document(client, draft, users):
    client.force_login(users["county_reviewer"])
    before = draft.content
    data = form_data(client.get(url(draft)).content.decode())
    assert "v__dibao.standard_rural" in data
    response = client.post(url(draft), data)
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.content == before


@pytest.mark.parametrize(
    "path", sorted((Path(__file__).resolve().parents[1] / "engine" / "samples").glob("*.toml")), ids=lambda p: p.name
)
def test_documents_written_by_the_form_load_back_equal(path):
    doc = load_document(path.read_text(encoding="utf-8"))
    assert load_document(document_to_toml(doc)) == doc


CHANGES = [
    # (field values, parameter, expected entries (value, from, to, per))
    (
        {"v__dibao.standard_rural": "5820", "f__dibao.standard_rural": "2025-07-01", "y__dibao.standard_rural": "1"},
        "dibao.standard_rural",
        [
            (D("460"), date(2024, 1, 1), date(2024, 12, 31), "month"),
            (D("485"), date(2025, 1, 1), date(2025, 6, 30), "month"),
            (D("485"), date(2025, 7, 1), None, "year"),
        ],
    ),
    (
        {"v__dibao.supplement_minor": "15"},
        "dibao.supplement_minor",
        [(D("0.15"), None, None, "month")],
    ),
    (
        {"v__dibao.standard_urban": "720", "f__dibao.standard_urban": "2025-01-01"},
        "dibao.standard_urban",
        [(D("700"), date(2024, 1, 1), date(2024, 12, 31), "month"), (D("720"), date(2025, 1, 1), None, "month")],
    ),
]


@pytest.mark.parametrize(("fields", "key", "entries"), CHANGES, ids=["per year from July", "percent", "replace 2025"])
def test_a_changed_field_becomes_a_dated_entry(client, draft, users, fields, key, entries):
    client.force_login(users["county_reviewer"])
    data = form_data(client.get(url(draft)).content.decode())
    data.update(fields)
    response = client.post(url(draft), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft.refresh_from_db()
    doc = load_document(draft.content)
    assert [(e.value, e.valid_from, e.valid_to, e.per) for e in doc.params[key]] == entries
    detail = client.get(reverse("policy:version_detail", args=[draft.pk])).content.decode()
    assert "与现行版本的差异" in detail


ERRORS = [
    ({"v__dibao.standard_rural": "abc"}, "dibao.standard_rural", "不是有效数值"),
    ({"v__dibao.standard_rural": "-1"}, "dibao.standard_rural", "金额不能为负数"),
    ({"v__dibao.standard_rural": "500", "f__dibao.standard_rural": "2025-13-01"}, "dibao.standard_rural", "开始日期"),
    # 500 × 1.3 = 650 > the rural tekun standard 631: named next to that parameter.
    (
        {"v__dibao.standard_rural": "500", "f__dibao.standard_rural": "2025-07-01"},
        "extreme_poverty.basic_living_rural",
        "低于农村低保标准",
    ),
]


@pytest.mark.parametrize(("fields", "key", "message"), ERRORS, ids=["not a number", "negative", "bad date", "tekun"])
def test_errors_are_shown_next_to_the_field_and_nothing_is_saved(client, draft, users, fields, key, message):
    client.force_login(users["county_reviewer"])
    before = draft.content
    data = form_data(client.get(url(draft)).content.decode())
    data.update(fields)
    response = client.post(url(draft), data)
    assert response.status_code == 200
    html = response.content.decode()
    name = f'name="v__{key}"'
    row = html[html.rindex('<div class="param-row', 0, html.index(name)) :]
    row = row[: row.index('<div class="param-row', 10)]
    assert "has-error" in row and message in row
    draft.refresh_from_db()
    assert draft.content == before


def test_draft_page_links_to_simulation_with_the_draft(client, draft, users):
    client.force_login(users["county_reviewer"])
    detail = client.get(reverse("policy:version_detail", args=[draft.pk])).content.decode()
    link = reverse("simulation:form") + f"?draft={draft.pk}&amp;region={draft.region_id}"
    assert "模拟此草稿" in detail and link in detail
    form = client.get(reverse("simulation:form") + f"?draft={draft.pk}&region={draft.region_id}").content.decode()
    assert f'<option value="{draft.pk}" selected>' in form


def test_a_replaced_version_is_labelled_replaced(client, draft, published, users):
    services.do_publish_version(users["city_supervisor"], draft, reason="沅民发〔2025〕9号")
    client.force_login(users["county_reviewer"])
    old = client.get(reverse("policy:version_detail", args=[published["yuanjiang"].pk])).content.decode()
    assert "已被替代" in old
    new = client.get(reverse("policy:version_detail", args=[draft.pk])).content.decode()
    assert "已被替代" not in new and "已发布" in new
    listing = client.get(reverse("policy:version_list")).content.decode()
    assert listing.count("已被替代") == 1


@pytest.mark.parametrize(("who", "status"), [("foreign_county_reviewer", 404), ("village_worker", 403)])
def test_users_who_must_be_refused(client, draft, users, who, status):
    client.force_login(users[who])
    assert client.get(url(draft)).status_code == status
    assert client.post(url(draft), {"v__dibao.standard_rural": "1"}).status_code == status


def test_published_versions_are_not_edited_in_the_form(client, published, users):
    client.force_login(users["county_reviewer"])
    response = client.get(reverse("policy:draft_params", args=[published["yuanjiang"].pk]))
    assert response.status_code == 302


@pytest.mark.parametrize(
    ("code", "chain"),
    [
        ("442000100000", ["440000000000", "442000000000"]),  # 中山市 township: no county level
        ("430981000000", ["430000000000", "430900000000", "430981000000"]),
    ],
)
def test_the_chain_lists_each_level_once(code, chain):
    assert chain_codes(code) == chain
