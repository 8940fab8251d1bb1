"""Routes of the verification pages (HTML), included under /verification/; the API is in ``urls_api``."""

from django.urls import path  # noqa: F401

app_name = "verification"
urlpatterns: list = []
