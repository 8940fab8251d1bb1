"""Routes of the statistics API, under /api/reports/."""

from importlib import import_module
from importlib.util import find_spec

from django.urls import path

from doudi.reports import api

urlpatterns: list = [
    path("table/", api.TableApi.as_view(), name="reports_table"),
]

if find_spec("doudi.reports.urls_api_dashboard"):
    urlpatterns += list(import_module("doudi.reports.urls_api_dashboard").urlpatterns)
