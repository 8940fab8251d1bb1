"""Routes of the policy app."""

from django.urls import path

from doudi.policy import views

app_name = "policy"
urlpatterns = [
    path("", views.version_list_view, name="version_list"),
    path("versions/<int:version_id>/", views.version_detail_view, name="version_detail"),
    path("versions/new/", views.draft_new_view, name="draft_new"),
    path("versions/<int:version_id>/edit/", views.draft_edit_view, name="draft_edit"),
    path("versions/<int:version_id>/form/", views.draft_params_view, name="draft_params"),
    path("versions/<int:version_id>/publish/", views.publish_view, name="publish"),
    path("versions/<int:version_id>/discard/", views.discard_view, name="discard"),
    path("assess/", views.worksheet_view, name="worksheet"),
    path("assess/households/<int:household_id>/", views.household_assessment_view, name="household_assessment"),
]
