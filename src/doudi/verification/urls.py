"""Routes of the verification pages (HTML), included under /verification/; the API is in ``urls_api``."""

from django.urls import path

from doudi.verification import views

app_name = "verification"
urlpatterns: list = [
    path("feeds/", views.feed_list, name="feed_list"),
    path("feeds/layouts/", views.layouts, name="layouts"),
    path("feeds/layouts/<str:department>.csv", views.layout_example, name="layout_example"),
    path("feeds/mapping/<str:department>/", views.mapping_edit, name="mapping"),
    path("feeds/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("feeds/<int:pk>/errors.csv", views.batch_errors, name="batch_errors"),
    path("feeds/<int:pk>/rows/<int:row>/", views.batch_row, name="batch_row"),
    path("households/<int:household_id>/", views.household_reports, name="household_reports"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/action/", views.report_action, name="report_action"),
]
