"""URL map: one include per app, so each app owns its own routes."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("", include("doudi.core.urls")),
    path("accounts/", include("doudi.accounts.urls")),
    path("regions/", include("doudi.regions.urls")),
    path("registry/", include("doudi.registry.urls")),
    path("cases/", include("doudi.cases.urls")),
    path("audit/", include("doudi.audit.urls")),
    path("verification/", include("doudi.verification.urls")),
    path("monitoring/", include("doudi.monitoring.urls")),
    path("payments/", include("doudi.payments.urls")),
    path("reports/", include("doudi.reports.urls")),
    path("policy/simulation/", include("doudi.policy.simulation.urls")),
    path("policy/", include("doudi.policy.urls")),
    path("api/", include("doudi.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]

# Unknown URLs and unexpected errors under /api/ answer JSON, like the API's own errors.
handler404 = "doudi.core.api.not_found_handler"
handler500 = "doudi.core.api.server_error_handler"
