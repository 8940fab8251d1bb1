"""Routes of the dashboard and the work report, added to /reports/ (namespace ``reports``)."""

from django.urls import path

from doudi.reports import views_dashboard, views_workreport

urlpatterns = [
    path("dashboard/", views_dashboard.dashboard, name="dashboard"),
    path("work-report/", views_workreport.work_report, name="work_report"),
]
