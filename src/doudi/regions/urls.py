"""Routes of the regions app: the region browser and the area-type correction."""

from django.urls import path

from doudi.regions import views

app_name = "regions"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("<str:code>/", views.browse, name="browse_code"),
    path("<str:code>/area-type/", views.set_area_type, name="set_area_type"),
]
