"""Routes of the monitoring pages (HTML), included under /monitoring/; the API is in ``urls_api``."""

from django.urls import path  # noqa: F401

app_name = "monitoring"
urlpatterns: list = []
