"""A village worker's overview: the monitored population is counted by township, so the village sees its
township's figure, named as such — not "共 0 人"."""

from __future__ import annotations

from django.urls import reverse

from doudi.monitoring import selectors
from doudi.monitoring.tests.conftest import client_for


def test_village_sees_its_townships_population_named(alerts, users):
    township = selectors.overview(actor=users["township_officer"])
    village = selectors.overview(actor=users["village_worker"])
    assert township.population_total > 0
    assert village.population_total == township.population_total
    assert village.population_region.name == "草尾镇" and township.population_region is None
    text = client_for(users["village_worker"]).get(reverse("monitoring:overview")).content.decode()
    assert f"监测对象（草尾镇，共 {township.population_total} 人）" in text
    assert "不单独统计" in text
