"""Routes of the monitoring API, included under /api/monitoring/ by ``doudi.api_urls``."""

from django.urls import path

from doudi.monitoring import api

urlpatterns: list = [
    path("alerts/", api.AlertListApi.as_view(), name="monitoring_alerts"),
    path("alerts/<int:alert_id>/", api.AlertDetailApi.as_view(), name="monitoring_alert"),
    path("alerts/<int:alert_id>/outcome/", api.AlertOutcomeApi.as_view(), name="monitoring_alert_outcome"),
    path("runs/", api.RunListApi.as_view(), name="monitoring_runs"),
]
