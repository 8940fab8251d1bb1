"""Routes of the verification API, included under /api/verification/ by ``doudi.api_urls``."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
