"""An alert's evidence row links to the department's full row (scoped and logged by the batch row page) for
those who may read department data; a village worker, who may not, sees the row's reference only."""

from __future__ import annotations

from django.urls import reverse

from doudi.monitoring.tests.conftest import client_for


def test_evidence_links_to_the_department_row(alerts, users):
    alert = alerts["vehicle"]
    evidence = next(e for e in alert.evidence if e.get("batch"))
    row_url = reverse("verification:batch_row", args=[evidence["batch"], evidence["row"]])
    url = reverse("monitoring:alert_detail", args=[alert.pk])
    township = client_for(users["township_officer"]).get(url).content.decode()
    assert f'href="{row_url}"' in township
    village = client_for(users["village_worker"]).get(url).content.decode()
    assert f"部门数据批次 {evidence['batch']}，第 {evidence['row']} 行" in village and row_url not in village
