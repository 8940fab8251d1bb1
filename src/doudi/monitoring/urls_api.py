"""Routes of the monitoring API, included under /api/monitoring/ by ``doudi.api_urls``."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
