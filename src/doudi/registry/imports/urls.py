"""Routes of batch imports, mounted at /registry/imports/ by ``doudi.registry.urls``."""

from django.urls import path

from doudi.registry.imports import views

app_name = "imports"
urlpatterns = [
    path("", views.import_list, name="import_list"),
    path("template/", views.import_template, name="import_template"),
    path("<int:pk>/", views.import_detail, name="import_detail"),
    path("<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("<int:pk>/rejected/", views.import_rejected, name="import_rejected"),
    path("<int:pk>/commit/", views.import_commit, name="import_commit"),
    path("<int:pk>/discard/", views.import_discard, name="import_discard"),
    path("<int:pk>/revalidate/", views.import_revalidate, name="import_revalidate"),
    path("export/", views.export, name="export"),
    path("roster-review/", views.roster_review_list, name="roster_review"),
    path("roster-review/<int:pk>/confirm/", views.roster_review_confirm, name="roster_review_confirm"),
]
