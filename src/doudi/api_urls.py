"""The REST API under /api/: every endpoint requires authentication except obtaining a token.

The schema is at /api/schema/ and Swagger UI at /api/docs/ (see ``doudi.urls``). Reads are
``GET``; each write is its own ``POST …/<action>/`` endpoint (one class per operation).
"""

from django.urls import include, path

from doudi.accounts import api as accounts_api
from doudi.policy import api as policy_api
from doudi.regions import api as regions_api
from doudi.registry import api as registry_api

app_name = "api"

urlpatterns = [
    path("cases/", include("doudi.cases.urls_api")),
    path("verification/", include("doudi.verification.urls_api")),
    path("monitoring/", include("doudi.monitoring.urls_api")),
    path("payments/", include("doudi.payments.urls_api")),
    path("reports/", include("doudi.reports.urls_api")),
    path("auth/token/", accounts_api.TokenCreateApi.as_view(), name="token_create"),
    path("auth/token/revoke/", accounts_api.TokenRevokeApi.as_view(), name="token_revoke"),
    path("auth/tokens/", accounts_api.TokenListApi.as_view(), name="token_list"),
    path("auth/tokens/create/", accounts_api.TokenNewApi.as_view(), name="token_new"),
    path("auth/tokens/<int:token_id>/revoke/", accounts_api.TokenRevokeByIdApi.as_view(), name="token_revoke_by_id"),
    path("me/", accounts_api.MeApi.as_view(), name="me"),
    path("regions/", regions_api.RegionListApi.as_view(), name="region_list"),
    path("regions/<str:code>/", regions_api.RegionDetailApi.as_view(), name="region_detail"),
    path("regions/<str:code>/children/", regions_api.RegionChildrenApi.as_view(), name="region_children"),
    path("households/", registry_api.HouseholdListApi.as_view(), name="household_list"),
    path("households/create/", registry_api.HouseholdCreateApi.as_view(), name="household_create"),
    path("households/<int:household_id>/", registry_api.HouseholdDetailApi.as_view(), name="household_detail"),
    path("households/<int:household_id>/update/", registry_api.HouseholdUpdateApi.as_view(), name="household_update"),
    path("households/<int:household_id>/members/add/", registry_api.MemberAddApi.as_view(), name="member_add"),
    path("households/<int:household_id>/members/join/", registry_api.MemberJoinApi.as_view(), name="member_join"),
    path("households/<int:household_id>/split/", registry_api.HouseholdSplitApi.as_view(), name="household_split"),
    path("households/<int:household_id>/merge/", registry_api.HouseholdMergeApi.as_view(), name="household_merge"),
    path(
        "households/<int:household_id>/history/", registry_api.HouseholdHistoryApi.as_view(), name="household_history"
    ),
    path("households/<int:household_id>/as-of/", registry_api.HouseholdAsOfApi.as_view(), name="household_as_of"),
    path("persons/<int:person_id>/", registry_api.PersonDetailApi.as_view(), name="person_detail"),
    path("persons/<int:person_id>/full/", registry_api.PersonFullApi.as_view(), name="person_full"),
    path("persons/<int:person_id>/update/", registry_api.PersonUpdateApi.as_view(), name="person_update"),
    path("persons/<int:person_id>/remove/", registry_api.MemberRemoveApi.as_view(), name="member_remove"),
    path("persons/<int:person_id>/evidence/record/", registry_api.EvidenceRecordApi.as_view(), name="evidence_record"),
    path("households/<int:household_id>/assess/", policy_api.HouseholdAssessApi.as_view(), name="household_assess"),
    path("policy/assess/", policy_api.AssessDocumentApi.as_view(), name="policy_assess"),
    path("policy/versions/", policy_api.PolicyVersionListApi.as_view(), name="policy_versions"),
    path("policy/versions/<int:version_id>/", policy_api.PolicyVersionDetailApi.as_view(), name="policy_version"),
    path(
        "evidence/<str:kind>/<int:evidence_id>/correct/",
        registry_api.EvidenceCorrectApi.as_view(),
        name="evidence_correct",
    ),
]
