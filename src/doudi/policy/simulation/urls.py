"""Routes of the simulation pages (included under ``policy/simulation/``)."""

from django.urls import path

from doudi.policy.simulation import views

app_name = "simulation"
urlpatterns = [
    path("", views.simulation_form_view, name="form"),
    path("runs/<str:run_id>/", views.run_view, name="run"),
    path("runs/<str:run_id>/status/", views.run_status_view, name="run_status"),
    path("runs/<str:run_id>/changed.csv", views.download_view, {"fmt": "csv"}, name="download_csv"),
    path("runs/<str:run_id>/changed.xlsx", views.download_view, {"fmt": "xlsx"}, name="download_xlsx"),
]
