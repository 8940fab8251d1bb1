"""Routes of the printed register, added to the ``payments`` namespace by ``payments/urls.py``."""

from django.urls import path

from doudi.payments.register import views

urlpatterns = [
    path("registers/", views.register_list, name="register_list"),
    path("<int:payroll_id>/register.pdf", views.register_download, {"fmt": "pdf"}, name="payroll_register_pdf"),
    path("<int:payroll_id>/register.xlsx", views.register_download, {"fmt": "xlsx"}, name="payroll_register_xlsx"),
]
