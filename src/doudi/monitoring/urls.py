"""Routes of the monitoring pages (HTML), included under /monitoring/; the API is in ``urls_api``."""

from django.urls import path

from doudi.monitoring import views

app_name = "monitoring"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("alerts/<int:alert_id>/", views.alert_detail, name="alert_detail"),
    path("overview/", views.overview, name="overview"),
    path("overview/run/", views.run_now, name="run_now"),
    path("referrals/new/", views.referral, name="referral"),
    path("staff/", views.staff, name="staff"),
]
