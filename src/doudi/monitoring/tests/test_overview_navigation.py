"""Who cannot work alerts (a city supervisor) still reaches the monitoring overview from the navigation, and the
overview offers the alert inbox only to those who may open it."""

from __future__ import annotations

import re

from django.urls import reverse

from doudi.monitoring.tests.conftest import client_for


def _nav(html: str) -> list[tuple[str, str]]:
    nav = html[html.index('class="nav"') :]
    nav = nav[: nav.index("</nav>")]
    return re.findall(r'<a[^>]*href="([^"]+)"[^>]*>([^<]+)</a>', nav)


def test_city_supervisor_reaches_the_overview_and_is_not_sent_to_the_inbox(alerts, users):
    c = client_for(users["city_supervisor"])
    assert ("/monitoring/overview/", "监测概况") in _nav(c.get(reverse("core:home")).content.decode())
    page = c.get(reverse("monitoring:overview")).content.decode()
    assert f'href="{reverse("monitoring:inbox")}"' not in page
    assert c.get(reverse("monitoring:inbox")).status_code == 403


def test_township_officer_keeps_the_inbox_and_its_link_to_the_overview(alerts, users):
    c = client_for(users["township_officer"])
    nav = _nav(c.get(reverse("core:home")).content.decode())
    assert ("/monitoring/", "监测预警") in nav and all(label != "监测概况" for _, label in nav)
    assert f'href="{reverse("monitoring:inbox")}"' in c.get(reverse("monitoring:overview")).content.decode()
