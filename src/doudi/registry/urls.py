"""Routes of the registry app; batch imports are under ``imports/`` (``doudi.registry.imports.urls``)."""

from django.urls import include, path

from doudi.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/members/new/", views.member_add, name="member_add"),
    path("households/<int:pk>/members/join/", views.member_join, name="member_join"),
    path("households/<int:pk>/split/", views.household_split, name="household_split"),
    path("households/<int:pk>/merge/", views.household_merge, name="household_merge"),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/remove/", views.member_remove, name="member_remove"),
    path("persons/<int:pk>/evidence/<str:kind>/new/", views.evidence_create, name="evidence_create"),
    path("evidence/<str:kind>/<int:pk>/correct/", views.evidence_correct, name="evidence_correct"),
    path("evidence/<str:kind>/<int:pk>/end/", views.evidence_correct, {"mode": "end"}, name="evidence_end"),
    path("imports/", include("doudi.registry.imports.urls")),
]
