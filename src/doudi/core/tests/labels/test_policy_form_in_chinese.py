"""The policy draft pages of issue #12 read in Chinese: the form editor (with errors next to fields),
the draft page with its diff and "模拟此草稿", the simulation form opened from it, and a replaced
version labelled 已被替代."""

from __future__ import annotations

from django.test import Client
from django.urls import reverse

from doudi.core.tests.labels.test_pages_in_chinese import data_typed_by_people, document_text
from doudi.core.tests.labels.visible import problems_in
from doudi.policy import services
from doudi.policy.engine.documents import load_document


def test_policy_form_pages_read_in_chinese(world, sessions, db):
    reviewer = world.users["county_reviewer"]
    draft = services.do_create_draft(
        reviewer, region_code="430981", content=world.policy.content, title="草稿", based_on=world.policy
    )
    client = Client()
    client.force_login(reviewer)
    form = reverse("policy:draft_params", args=[draft.pk])
    pages = [
        client.get(form),
        client.post(form, {"v__dibao.standard_rural": "五百", "v__dibao.supplement_minor": "-5"}),
        client.post(
            form,
            {
                "v__dibao.standard_rural": "5820",
                "y__dibao.standard_rural": "1",
                "f__dibao.standard_rural": "2025-07-01",
            },
            follow=True,
        ),
        client.get(reverse("simulation:form"), {"draft": draft.pk, "region": draft.region_id}),
    ]
    draft.refresh_from_db()
    assert load_document(draft.content).params["dibao.standard_rural"][-1].per == "year"
    services.do_publish_version(world.users["city_supervisor"], draft, reason="沅民发〔2025〕9号")
    pages += [
        client.get(reverse("policy:version_detail", args=[world.policy.pk])),
        client.get(reverse("policy:version_list")),
    ]
    assert "已被替代" in pages[-1].content.decode()
    problems = []
    for response in pages:
        assert response.status_code == 200
        text = document_text(response)
        problems += problems_in(text, ignore=data_typed_by_people(world, "county_reviewer"))
    assert not problems, "\n".join(sorted(set(problems)))
