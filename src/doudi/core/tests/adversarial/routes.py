"""Every URL pattern of doudi, found by walking ``doudi.urls``, and how to fill its path parameters.

A parameter is filled with an object of a slot (see ``world``): ``PARAMS`` maps a parameter name,
or for a name whose meaning depends on the route (``pk``, ``object_id``) the route's name and the
parameter, to a function of the slot. A route with a parameter that is not mapped makes
``test_every_path_parameter_is_mapped`` fail, so a new URL is crawled as soon as it exists and the
crawl can never silently shrink.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from django.urls import URLPattern, URLResolver, get_resolver

from doudi.core.tests.adversarial.world import Slot, World

PARAM = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>|\(\?P<(?P<rname>\w+)>[^)]*\)")


@dataclass(frozen=True)
class Route:
    name: str  # namespaced, or the pattern for unnamed admin routes
    pattern: str
    params: tuple[str, ...]
    model_admin: object = field(default=None, compare=False, hash=False)

    @property
    def is_admin(self) -> bool:
        return self.pattern.startswith("admin/")

    @property
    def is_api(self) -> bool:
        return self.pattern.startswith("api/")

    def url(self, values: dict[str, str]) -> str:
        def fill(match: re.Match) -> str:
            return str(values[match.group("name") or match.group("rname")])

        return "/" + PARAM.sub(fill, self.pattern).replace("^", "").replace("$", "")


def all_routes() -> list[Route]:
    """Return every URL pattern of ``doudi.urls`` with its full pattern and parameter names."""
    out: list[Route] = []

    def walk(patterns, prefix: str, namespace: str | None) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = namespace
                if p.namespace:
                    ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern):
                pattern = prefix + str(p.pattern)
                name = p.name or pattern
                if namespace:
                    name = f"{namespace}:{name}"
                params = tuple(m.group("name") or m.group("rname") for m in PARAM.finditer(pattern))
                out.append(Route(name, pattern, params, getattr(p.callback, "model_admin", None)))

    walk(get_resolver().url_patterns, "", None)
    return out


Getter = Callable[[World, Slot], object]


def _attr(*path: str) -> Getter:
    def get(world: World, slot: Slot):
        value = slot
        for part in path:
            value = getattr(value, part, None)
            if value is None:
                return None
        return value

    return get


def _user_of(world: World, slot: Slot):
    from doudi.accounts.models import User

    return User.objects.filter(region=slot.region).order_by("pk").values_list("pk", flat=True).first()


def _audit_event_of(world: World, slot: Slot):
    from doudi.audit.models import AuditEvent

    return AuditEvent.objects.filter(region_code=slot.region.code).values_list("pk", flat=True).first()


def _record_access_of(world: World, slot: Slot):
    from doudi.audit.models import RecordAccess

    return RecordAccess.objects.filter(region_code=slot.region.code).values_list("pk", flat=True).first()


def _feed_batch_of(world: World, slot: Slot):
    """A department feed batch of the slot's county (batches are county-wide: readable beyond the village)."""
    from doudi.verification.models import FeedBatch

    county = slot.region.code[:6]
    return FeedBatch.objects.filter(region__code__startswith=county).values_list("pk", flat=True).first()


def _report_of(world: World, slot: Slot):
    """The verification report of the slot's household (built by the case's 核对 step)."""
    from doudi.verification.models import VerificationReport

    household = getattr(slot, "household", None)
    if household is None:
        return None
    return VerificationReport.objects.filter(household=household).values_list("pk", flat=True).first()


def _alert_of(world: World, slot: Slot):
    """The monitoring alert of the slot's household (``world.monitoring_alert``)."""
    from doudi.monitoring.models import Alert

    return Alert.objects.filter(fingerprint=f"crawl-{slot.key}").values_list("pk", flat=True).first()


def _layout_of(world: World, slot: Slot):
    """A bank file layout (the migration ships two, usable province-wide)."""
    from doudi.payments.bankfiles.models import BankLayout

    return BankLayout.objects.order_by("pk").values_list("pk", flat=True).first()


def _payroll_of(world: World, slot: Slot):
    """The payroll of the slot's county (payrolls are county-wide: only county users and above see them)."""
    from doudi.payments.models import Payroll

    county = slot.region.code[:6].ljust(12, "0")
    return Payroll.objects.filter(region_id=county).order_by("pk").values_list("pk", flat=True).first()


def _run_of(world: World, slot: Slot):
    """A simulation run started by the slot's village worker (runs belong to their user only)."""
    return world.runs.get(slot.key)


# The query a route needs to answer at all (a required parameter that is not in the path).
QUERIES = {"api:household_as_of": "on=2025-03-03"}


household = _attr("household", "pk")
person = _attr("head", "pk")
case = _attr("case", "pk")

# A value that no record has: the answer must be the same as for a record of another region.
MISSING = None

# name → (getter, rule). rule "scope": in scope iff the slot's village is in the user's subtree;
# "owner": the slot's record belongs to another user, always refused; "any": the record is
# readable more widely than by region (policies, the region tree, the admin's global tables), so
# only "never 500, never a leak" is asserted.
PARAMS: dict[str, tuple[Getter, str]] = {
    "household_id": (household, "scope"),
    "person_id": (person, "scope"),
    "case_id": (case, "scope"),
    "referral_id": (_attr("referral", "pk"), "scope"),
    "notice_id": (_attr("notice", "pk"), "scope"),
    "declaration_id": (_attr("declaration", "pk"), "scope"),
    "attachment_id": (_attr("attachment", "pk"), "scope"),
    "enrolment_id": (_attr("enrolment", "pk"), "scope"),
    "task_id": (_attr("review", "pk"), "scope"),
    "evidence_id": (_attr("income_id"), "scope"),
    "village": (_attr("region", "code"), "scope"),
    "code": (_attr("region", "code"), "scope"),
    "kind": (lambda w, s: "income", "fixed"),
    "step": (lambda w, s: "accept", "fixed"),
    "run_id": (_run_of, "owner"),
    "version_id": (lambda w, s: w.policy.pk, "any"),
    "content_type_id": (lambda w, s: w.household_type_id, "fixed"),
    "app_label": (lambda w, s: "registry", "fixed"),
    "url": (lambda w, s: "registry/nothing-here/", "fixed"),
    "id": (_user_of, "scope"),  # admin: a user's password form
    "token_id": (lambda w, s: w.tokens.get(s.key), "owner"),  # a token is its user's alone
    # ``pk`` and ``object_id`` mean a different record on each route:
    "registry:household_detail pk": (household, "scope"),
    "registry:household_edit pk": (household, "scope"),
    "registry:member_add pk": (household, "scope"),
    "registry:member_join pk": (household, "scope"),
    "registry:household_split pk": (household, "scope"),
    "registry:household_merge pk": (household, "scope"),
    "registry:person_detail pk": (person, "scope"),
    "registry:person_edit pk": (person, "scope"),
    "registry:member_remove pk": (person, "scope"),
    "registry:evidence_create pk": (person, "scope"),
    "registry:evidence_correct pk": (_attr("income_id"), "scope"),
    "registry:evidence_end pk": (_attr("income_id"), "scope"),
    "registry:imports:import_detail pk": (_attr("batch", "pk"), "scope"),
    "registry:imports:import_progress pk": (_attr("batch", "pk"), "scope"),
    "registry:imports:import_rejected pk": (_attr("batch", "pk"), "scope"),
    "registry:imports:import_commit pk": (_attr("batch", "pk"), "scope"),
    "registry:imports:import_discard pk": (_attr("batch", "pk"), "scope"),
    "registry:imports:import_revalidate pk": (_attr("batch", "pk"), "scope"),
    # A roster discrepancy comes from a roster import, which the world does not run: crawled missing.
    "registry:imports:roster_review_confirm pk": (lambda w, s: 987654321, "missing"),
    # Bank layouts are the bureau's configuration, readable by every payroll user (editing is checked).
    "layout_id": (_layout_of, "any"),
    # Payrolls are the county's: a township or village user is refused them though in the village's chain.
    "payroll_id": (_payroll_of, "any"),
    # A return file is a multipart upload (no JSON body to garble): sent by users of other counties.
    "api:payroll_returns payroll_id": (_payroll_of, "scope"),
    "region_code": (_attr("region", "code"), "any"),
    "finding_id": (lambda w, s: 987654321, "missing"),
    "action": (lambda w, s: "submit", "fixed"),
    # An account flag comes from a bank return file, which the world does not import: crawled missing.
    "flag_id": (lambda w, s: 987654321, "missing"),
    "department": (lambda w, s: "death", "fixed"),
    "row": (lambda w, s: 2, "fixed"),
    "batch_id": (_feed_batch_of, "any"),
    "report_id": (_report_of, "scope"),
    "alert_id": (_alert_of, "scope"),
    "verification:batch_detail pk": (_feed_batch_of, "any"),
    "verification:batch_errors pk": (_feed_batch_of, "any"),
    "verification:batch_row pk": (_feed_batch_of, "any"),
    "verification:report_detail pk": (_report_of, "scope"),
    "verification:report_action pk": (_report_of, "scope"),
    "cases:detail pk": (case, "scope"),
    "cases:step pk": (_attr("open_case", "pk"), "scope"),
    "cases:upload pk": (case, "scope"),
    "cases:referral_create pk": (case, "scope"),
    "cases:referral_outcome pk": (case, "scope"),
    "cases:missing_pdf pk": (case, "scope"),
    "cases:decision_pdf pk": (case, "scope"),
    "cases:termination_pdf pk": (_attr("ended_enrolment", "pk"), "scope"),
}

# The admin's ``object_id``, by model: the slot's record of that model, or what the admin shows
# to every administrator (regions, the calendar, django-axes and task tables).
ADMIN_OBJECTS: dict[str, tuple[Getter, str]] = {
    "registry.household": (household, "scope"),
    "registry.person": (person, "scope"),
    "registry.income": (_attr("income_id"), "scope"),
    "accounts.user": (_user_of, "scope"),
    "audit.auditevent": (_audit_event_of, "scope"),
    "audit.recordaccess": (_record_access_of, "scope"),
    "regions.region": (_attr("region", "code"), "any"),
    "accounts.apitoken": (lambda w, s: w.tokens.get(s.key), "scope"),
}
# Models whose admin pages are crawled with an id no row has (no such rows in the world): still
# never a 500.
ADMIN_MISSING = {
    "registry.asset", "registry.disability", "registry.illness", "registry.labourcapacity", "registry.selfcare",
    "registry.schooling", "cases.calendarday", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog",
    "django_tasks_database.dbtaskresult", "accounts.loginattempt", "accounts.loginlog", "accounts.loginfailure",
}  # fmt: skip


def _is_evidence(model) -> bool:
    from doudi.registry.models.evidence import Evidence

    return issubclass(model, Evidence)


def param_spec(route: Route, param: str) -> tuple[Getter, str] | None:
    """Return (getter, rule) for a route's parameter, or None when it is not mapped."""
    if route.name == "admin:view_on_site":
        # The admin's "view on site" link: the registry has no such link, so every id is a 404.
        return (household, "any") if param == "object_id" else PARAMS.get(param)
    if param == "object_id" and route.model_admin is not None:
        label = route.model_admin.model._meta.label_lower
        if label in ADMIN_OBJECTS:
            return ADMIN_OBJECTS[label]
        if label in ADMIN_MISSING or _is_evidence(route.model_admin.model):
            # Every kind of evidence shares the income's admin class (crawled on real rows above).
            return (lambda w, s: 987654321, "missing")
        return None
    return PARAMS.get(f"{route.name} {param}") or (PARAMS.get(param) if param not in ("pk", "object_id") else None)


def fill(route: Route, world: World, slot: Slot) -> tuple[str, str] | None:
    """Return (url, rule) for ``route`` on ``slot``'s records, or None when the slot has no such record.

    The rule is the strictest of the parameters' rules ("scope" > "owner" > "any"/"missing"/"fixed").
    """
    values, rules = {}, set()
    for param in route.params:
        spec = param_spec(route, param)
        if spec is None:  # reported by test_every_path_parameter_is_mapped
            return None
        getter, rule = spec
        value = getter(world, slot)
        if value is None:
            return None
        values[param] = value
        rules.add(rule)
    url = route.url(values) + (f"?{QUERIES[route.name]}" if route.name in QUERIES else "")
    for rule in ("scope", "owner", "missing", "any"):
        if rule in rules:
            return url, rule
    return url, "fixed"
