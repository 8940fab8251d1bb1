"""Routes of the audit app."""

from django.urls import path

from doudi.audit import views

app_name = "audit"
urlpatterns = [path("", views.event_list, name="event_list")]
