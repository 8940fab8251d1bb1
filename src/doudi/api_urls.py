"""The REST API: every app adds its routes here; all endpoints require authentication."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
