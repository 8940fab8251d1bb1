"""Routes of the payments pages (HTML), included under /payments/; the API is in ``urls_api``.

The bank-file (with return files) and register pages live in their own sub-packages' ``urls`` modules and
are added here, before the payroll routes (same ``payments`` namespace)."""

from django.urls import path

from doudi.payments import views
from doudi.payments.bankfiles import urls as bankfiles_urls
from doudi.payments.register import urls as register_urls

app_name = "payments"
urlpatterns: list = [
    *register_urls.urlpatterns,
    *bankfiles_urls.urlpatterns,
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
