"""Routes of the payments pages (HTML), included under /payments/; the API is in ``urls_api``.

The bank-file, return-file and register pages live in their own sub-packages' ``urls`` modules and
are added here when present (same ``payments`` namespace)."""

from importlib import import_module
from importlib.util import find_spec

from django.urls import path

from doudi.payments import views

app_name = "payments"
urlpatterns: list = [
    path("", views.payroll_list, name="payroll_list"),
    path("generate/", views.payroll_generate, name="payroll_generate"),
    path("<int:payroll_id>/", views.payroll_detail, name="payroll_detail"),
    path("<int:payroll_id>/regions/<str:region_code>/", views.payroll_region, name="payroll_region"),
    path("<int:payroll_id>/findings/<int:finding_id>/", views.finding_handle, name="payroll_finding_handle"),
    path(
        "<int:payroll_id>/<str:action>/",
        views.payroll_action,
        name="payroll_action",
    ),
    path("enrolments/<int:enrolment_id>/", views.enrolment_payments, name="enrolment_payments"),
]

for _sub in ("bankfiles", "returns", "register"):
    _name = f"doudi.payments.{_sub}.urls"
    if find_spec(f"doudi.payments.{_sub}") and find_spec(_name):
        urlpatterns = list(import_module(_name).urlpatterns) + urlpatterns
