"""Routes of the case API, included under /api/cases/ by ``doudi.api_urls``."""

from django.urls import path

from doudi.cases import api
from doudi.cases.views_files import AttachmentDownloadApi

urlpatterns = [
    path("", api.CaseListApi.as_view(), name="case_list"),
    path("inbox/", api.InboxApi.as_view(), name="case_inbox"),
    path("open/", api.CaseOpenApi.as_view(), name="case_open"),
    path("report-change/", api.ReportChangeApi.as_view(), name="case_report_change"),
    path("<int:case_id>/", api.CaseDetailApi.as_view(), name="case_detail"),
    path("<int:case_id>/missing-materials/", api.MissingMaterialsApi.as_view(), name="case_missing_materials"),
    path("<int:case_id>/accept/", api.AcceptApi.as_view(), name="case_accept"),
    path("<int:case_id>/withdraw/", api.WithdrawApi.as_view(), name="case_withdraw"),
    path("<int:case_id>/verification/", api.VerificationApi.as_view(), name="case_verification"),
    path("<int:case_id>/survey/", api.SurveyApi.as_view(), name="case_survey"),
    path("<int:case_id>/survey/countersign/", api.CountersignApi.as_view(), name="case_survey_countersign"),
    path("<int:case_id>/community-review/", api.CommunityReviewApi.as_view(), name="case_community_review"),
    path("<int:case_id>/notice/start/", api.NoticeStartApi.as_view(), name="case_notice_start"),
    path("<int:case_id>/objections/", api.ObjectionApi.as_view(), name="case_objection"),
    path("<int:case_id>/objections/resolve/", api.ObjectionResolveApi.as_view(), name="case_objection_resolve"),
    path("<int:case_id>/confirm/", api.ConfirmApi.as_view(), name="case_confirm"),
    path("<int:case_id>/refusal-notice/", api.RefusalNoticeApi.as_view(), name="case_refusal_notice"),
    path("<int:case_id>/enrol/", api.EnrolApi.as_view(), name="case_enrol"),
    path("<int:case_id>/fast-grant/", api.FastGrantApi.as_view(), name="case_fast_grant"),
    path("<int:case_id>/paperwork/", api.PaperworkApi.as_view(), name="case_paperwork"),
    path("<int:case_id>/relatives/", api.DeclareRelativeApi.as_view(), name="case_declare_relative"),
    path("relatives/<int:declaration_id>/check/", api.CheckRelativeApi.as_view(), name="case_check_relative"),
    path("<int:case_id>/referrals/", api.ReferralCreateApi.as_view(), name="case_referral_create"),
    path("referrals/<int:referral_id>/outcome/", api.ReferralOutcomeApi.as_view(), name="case_referral_outcome"),
    path("<int:case_id>/attachments/", api.AttachmentUploadApi.as_view(), name="case_attachment_upload"),
    path("attachments/<int:attachment_id>/download/", AttachmentDownloadApi.as_view(), name="case_attachment_download"),
    path("enrolments/", api.EnrolmentListApi.as_view(), name="enrolment_list"),
    path("enrolments/<int:enrolment_id>/suspend/", api.EnrolmentSuspendApi.as_view(), name="enrolment_suspend"),
    path("enrolments/<int:enrolment_id>/resume/", api.EnrolmentResumeApi.as_view(), name="enrolment_resume"),
    path("reviews/", api.ReviewListApi.as_view(), name="review_list"),
    path("reviews/schedule/", api.ReviewScheduleApi.as_view(), name="review_schedule"),
    path("reviews/<int:task_id>/complete/", api.ReviewCompleteApi.as_view(), name="review_complete"),
]
