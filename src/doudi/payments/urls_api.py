"""Routes of the payments API, included under /api/payments/ by ``doudi.api_urls``.

Bank-file and return-file endpoints are the ``bankfiles`` sub-package's ``urls_api``."""

from django.urls import path

from doudi.payments import api
from doudi.payments.bankfiles import urls_api as bankfiles_api

urlpatterns: list = [
    path("payrolls/", api.PayrollListApi.as_view(), name="payroll_list"),
    path("payrolls/generate/", api.PayrollGenerateApi.as_view(), name="payroll_generate"),
    path("payrolls/<int:payroll_id>/", api.PayrollDetailApi.as_view(), name="payroll_detail"),
    path("payrolls/<int:payroll_id>/submit/", api.PayrollSubmitApi.as_view(), name="payroll_submit"),
    path("payrolls/<int:payroll_id>/approve/", api.PayrollApproveApi.as_view(), name="payroll_approve"),
    path("payrolls/<int:payroll_id>/return/", api.PayrollReturnApi.as_view(), name="payroll_return"),
    path("findings/<int:finding_id>/", api.FindingHandleApi.as_view(), name="payroll_finding_handle"),
    path("ledger/", api.LedgerApi.as_view(), name="payment_ledger"),
    *bankfiles_api.urlpatterns,
]
