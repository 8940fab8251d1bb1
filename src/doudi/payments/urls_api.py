"""Routes of the payments API, included under /api/payments/ by ``doudi.api_urls``."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
