"""API routes of disbursement, added under /api/payments/ by ``payments/urls_api.py``."""

from django.urls import path

from doudi.payments.bankfiles import api

urlpatterns = [
    path("bank-layouts/", api.BankLayoutListApi.as_view(), name="bank_layout_list"),
    path("payrolls/<int:payroll_id>/bank-file/", api.BankFileApi.as_view(), name="payroll_bank_file"),
    path("payrolls/<int:payroll_id>/returns/", api.ReturnImportApi.as_view(), name="payroll_returns"),
    path("returns/", api.ReturnImportApi.as_view(), name="returns_import"),
    path("payrolls/<int:payroll_id>/register/", api.RegisterApi.as_view(), name="payroll_register"),
]
