"""Routes of the disbursement pages, added to the ``payments`` namespace by ``payments/urls.py``."""

from django.urls import path

from doudi.payments.bankfiles import views

urlpatterns = [
    path("bank-layouts/", views.layout_list, name="bank_layout_list"),
    path("bank-layouts/new/", views.layout_edit, name="bank_layout_create"),
    path("bank-layouts/<int:layout_id>/", views.layout_edit, name="bank_layout_edit"),
    path("<int:payroll_id>/disbursement/", views.disbursement, name="payroll_disbursement"),
    path("<int:payroll_id>/bank-file/", views.bank_file_download, name="payroll_bank_file"),
    path("<int:payroll_id>/returns/", views.returns_upload, name="payroll_returns"),
    path("account-flags/", views.flag_list, name="account_flags"),
    path("account-flags/<int:flag_id>/clear/", views.flag_clear, name="account_flag_clear"),
]
