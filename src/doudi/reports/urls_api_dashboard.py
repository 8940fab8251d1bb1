"""Routes of the dashboard API, added to /api/reports/."""

from django.urls import path

from doudi.reports import api_dashboard

urlpatterns = [
    path("dashboard/", api_dashboard.DashboardApi.as_view(), name="reports_dashboard"),
]
