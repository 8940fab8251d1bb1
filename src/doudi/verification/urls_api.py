"""Routes of the verification API, included under /api/verification/ by ``doudi.api_urls``."""

from django.urls import path

from doudi.verification import api

urlpatterns: list = [
    path("feeds/", api.FeedListApi.as_view(), name="verification_feeds"),
    path("feeds/<int:batch_id>/", api.FeedDetailApi.as_view(), name="verification_feed"),
    path(
        "households/<int:household_id>/report/", api.HouseholdReportApi.as_view(), name="verification_household_report"
    ),
    path("reports/<int:report_id>/", api.ReportDetailApi.as_view(), name="verification_report"),
]
