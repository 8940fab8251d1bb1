"""Routes of the statistics pages, under /reports/. The dashboard pages (helper dash10) are added from
``doudi.reports.urls_dashboard`` when it exists (``urlpatterns`` only, same namespace)."""

from importlib import import_module
from importlib.util import find_spec

from django.urls import path

from doudi.reports import views

app_name = "reports"
urlpatterns: list = [
    path("", views.table, name="table"),
    path("drill/", views.drill, name="drill"),
]

if find_spec("doudi.reports.urls_dashboard"):
    urlpatterns += list(import_module("doudi.reports.urls_dashboard").urlpatterns)
