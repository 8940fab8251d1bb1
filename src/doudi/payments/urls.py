"""Routes of the payments pages (HTML), included under /payments/; the API is in ``urls_api``."""

from django.urls import path  # noqa: F401

app_name = "payments"
urlpatterns: list = []
