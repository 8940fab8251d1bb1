"""Routes of the case pages (HTML), included under /cases/; the API is in ``urls_api``."""

from django.urls import path

from doudi.cases.views import case, documents, enrolments, inbox, intake_flow

app_name = "cases"
urlpatterns = [
    path("", inbox.inbox, name="inbox"),
    path("bulk/", inbox.bulk_action, name="bulk"),
    path("all/", inbox.case_list, name="case_list"),
    path("intake/", intake_flow.intake, name="intake"),
    path("intake/estimate/", intake_flow.intake_estimate, name="intake_estimate"),
    path("intake/submit/", intake_flow.intake_submit, name="intake_submit"),
    path("intake/sw.js", intake_flow.intake_worker, name="intake_worker"),
    path("new/<int:household_id>/", case.case_open, name="open"),
    path("change/<int:household_id>/", case.change_report, name="change_report"),
    path("<int:pk>/", case.case_detail, name="detail"),
    path("<int:pk>/do/<str:step>/", case.case_step, name="step"),
    path("<int:pk>/attachments/", case.attachment_upload, name="upload"),
    path("<int:pk>/referrals/", case.referral_create, name="referral_create"),
    path("<int:pk>/referrals/<int:referral_id>/outcome/", case.referral_outcome, name="referral_outcome"),
    path("<int:pk>/missing-materials/<int:notice_id>.pdf", documents.missing_materials_pdf, name="missing_pdf"),
    path("<int:pk>/decision.pdf", documents.decision_pdf, name="decision_pdf"),
    path("notice-board/<str:village>.pdf", documents.notice_board_pdf, name="notice_board_pdf"),
    path("enrolments/", enrolments.enrolment_list, name="enrolment_list"),
    path("enrolments/<int:pk>/termination.pdf", documents.termination_pdf, name="termination_pdf"),
    path("reviews/", enrolments.review_list, name="review_list"),
    path("reviews/complete/", enrolments.review_complete, name="review_complete"),
]
