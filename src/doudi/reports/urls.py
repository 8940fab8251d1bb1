"""Routes of the statistics pages, under /reports/; the dashboard and work-report pages are in
``doudi.reports.urls_dashboard`` (same namespace)."""

from django.urls import path

from doudi.reports import urls_dashboard, views

app_name = "reports"
urlpatterns: list = [
    path("", views.table, name="table"),
    path("drill/", views.drill, name="drill"),
    *urls_dashboard.urlpatterns,
]
