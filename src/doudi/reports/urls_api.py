"""Routes of the statistics API, under /api/reports/."""

from django.urls import path

from doudi.reports import api, urls_api_dashboard

urlpatterns: list = [
    path("table/", api.TableApi.as_view(), name="reports_table"),
    *urls_api_dashboard.urlpatterns,
]
