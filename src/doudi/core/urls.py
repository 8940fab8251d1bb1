"""Routes of the core app: the home page."""

from django.urls import path

from doudi.core import views

app_name = "core"
urlpatterns = [path("", views.home, name="home")]
