"""Pages of the registry: search, household and person pages, and the forms that call the services.

Every read goes through ``doudi.registry.selectors`` (scoped to the user's region); every write
through ``doudi.registry.services``. Out-of-scope objects answer 404 (``or_404``), roles that
may not edit answer 403 (``require_capability``).
"""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_in_scope, scope_filter
from doudi.audit.services import log_record_access
from doudi.core.context_processors import first_url
from doudi.core.errors import Conflict, DomainError, NotFound
from doudi.core.masking import MASKED_FIELDS
from doudi.core.web import add_domain_error, http_errors, or_404, require_capability
from doudi.regions.models import prefix_of
from doudi.registry import forms, move_forms, moves, selectors, services
from doudi.registry.errors import RegistryErrorCode
from doudi.registry.identity import normalize_id_number, parse_id_number
from doudi.registry.models import EVIDENCE_MODELS, Evidence, Household, Membership, Person, Relation

PAGE_SIZE = 20
HISTORY_PAGE_SIZE = 50
CONFLICT_MESSAGE = _(
    "保存失败：在您编辑期间，他人已修改了这条记录。您的修改没有保存，请重新打开页面查看最新信息后再修改。"
)


def _household_url(household_id: int, tab: str = "") -> str:
    url = reverse("registry:household_detail", args=[household_id])
    return f"{url}?tab={tab}" if tab else url


def _evidence_groups(actor, person_ids: list[int], *, include_superseded: bool = False) -> dict[int, list[tuple]]:
    """Return {person_id: [(kind, label, [evidence, …]), …]} in the models' order, non-empty kinds only.

    Only what ``actor`` may see: evidence another region recorded is left out (``registry.moves``).
    """
    by_kind = selectors.visible_evidence(actor=actor, person_ids=person_ids, include_superseded=include_superseded)
    groups: dict[int, list[tuple]] = {pk: [] for pk in person_ids}
    for kind, rows in by_kind.items():
        label = EVIDENCE_MODELS[kind].kind_label
        for pk in person_ids:
            mine = [r for r in rows if r.person_id == pk]
            if mine:
                groups[pk].append((kind, label, mine))
    return groups


def _heads_of(households: list[Household]) -> dict[int, Person]:
    heads = Person.objects.filter(household__in=households, relation=Relation.HEAD)
    return {p.household_id: p for p in heads}


# --- search and list -----------------------------------------------------------------------------


@login_required
@http_errors
def household_list(request):
    """Search the user's households by ID number, exact name, household number or region."""
    form = forms.HouseholdSearchForm(request.user, request.GET or None)
    qs: QuerySet[Household] = Household.objects.none()
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        status = data.get("status") or "active"
        region = data.get("region") or ""
        qs = selectors.household_list(
            actor=request.user,
            q=data.get("q", ""),
            region_code=prefix_of(region) if region else "",
            status="" if status == "all" else status,
            programme=data.get("programme", ""),
            benefit=data.get("benefit", ""),
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    heads = _heads_of(list(page.object_list))
    programmes = selectors.programmes_of([hh.pk for hh in page.object_list])
    rows = [(hh, heads.get(hh.pk), programmes.get(hh.pk, [])) for hh in page.object_list]
    return render(
        request,
        "registry/household_list.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "searched": any(request.GET.get(k) for k in ("q", "region", "programme", "benefit")),
            "can_edit": request.user.can(Capability.EDIT_REGISTRY),
            "export_url": first_url(["registry:imports:export"]),
        },
    )


# --- household page ------------------------------------------------------------------------------


def _revealed_ids(request, members: list[Person], household: Household) -> set[int]:
    """Return the members whose full identifiers the user asked to see, logging each access."""
    wanted = request.GET.get("reveal", "")
    if not wanted:
        return set()
    ids = {m.pk for m in members} if wanted == "all" else {m.pk for m in members if str(m.pk) == wanted}
    for pk in sorted(ids):
        log_record_access(
            request.user,
            person_id=pk,
            household_id=household.pk,
            region_code=household.region_id,
            channel="page",
            detail=f"家庭页面显示完整信息（户编号 {household.number}）",
        )
    return ids


@login_required
@http_errors
def household_detail(request, pk: int):
    household = or_404(selectors.household_get, actor=request.user, household_id=pk)
    tab = request.GET.get("tab", "members")
    context = {
        "household": household,
        "tab": tab,
        "can_edit": request.user.can(Capability.EDIT_REGISTRY),
        "receives": _receives(request.user, household),
    }
    if tab == "history":
        events = selectors.household_history(actor=request.user, household=household).order_by("-at", "-id")
        context["page"] = Paginator(events, HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    elif tab == "as_of":
        form = forms.AsOfForm(request.GET if "on" in request.GET else None, initial={"on": timezone.localdate()})
        context["form"] = form
        if form.is_bound and form.is_valid():
            known_at = form.cleaned_data.get("known_at")
            snapshot = selectors.household_as_of(
                household, on=form.cleaned_data["on"], known_at=known_at, actor=request.user
            )
            context["snapshot"] = snapshot
            context["snapshot_members"] = [
                (
                    ms,
                    Relation(ms.relation).label if ms.relation in Relation.values else "",
                    [(EVIDENCE_MODELS[k].kind_label, rows) for k, rows in ms.evidence.items()],
                )
                for ms in snapshot.members
            ]
    else:
        context["tab"] = "members"
        members = selectors.household_members(household)
        revealed = _revealed_ids(request, members, household)
        groups = _evidence_groups(request.user, [m.pk for m in members])
        context["members"] = [(m, m.pk in revealed, groups[m.pk]) for m in members]
        context["revealed_any"] = bool(revealed)
        # Members who lived in a household outside the user's scope: said, without details (registry.moves).
        context["lived_outside"] = set(selectors.hidden_evidence_windows(actor=request.user, person_ids=groups))
        context["former"] = (
            Membership.objects.filter(household=household, valid_to__isnull=False)
            .select_related("person")
            .order_by("-valid_to", "-id")
        )
        context["evidence_kinds"] = [(k, m.kind_label) for k, m in EVIDENCE_MODELS.items()]
    return render(request, "registry/household_detail.html", context)


def _receives(actor, household: Household) -> dict:
    """What the family receives now and its open cases (the cases app builds on the registry)."""
    from doudi.cases import selectors as case_selectors
    from doudi.cases.models import EnrolmentStatus

    benefits = case_selectors.household_benefits(actor=actor, household_id=household.pk)
    paying = (EnrolmentStatus.ACTIVE, EnrolmentStatus.PHASING_OUT)
    return {
        "benefits": benefits,
        "total": sum((e.monthly_amount for e in benefits if e.status in paying), Decimal("0")),
        "open_cases": case_selectors.open_cases_of(actor=actor, household_id=household.pk),
    }


# --- create and edit households -------------------------------------------------------------------


@login_required
@require_capability(Capability.EDIT_REGISTRY)
def household_create(request):
    user = request.user
    data = request.POST if request.method == "POST" else None
    form = move_forms.HouseholdCreateJoinForm(user, data)
    head_form = forms.PersonForm(data, prefix="head", head=True)
    member_forms = forms.MemberFormSet(data, prefix="m")
    offer_join = bool(data and data.get("join_existing"))
    if request.method == "POST":
        forms_ok = all([form.is_valid(), head_form.is_valid(), member_forms.is_valid()])
        filled = [f for f in member_forms.forms if f.has_changed() and f.is_valid()]
        if forms_ok and _no_repeated_id_numbers([head_form, *filled]):
            try:
                household = services.do_create_household(
                    user,
                    region_code=form.cleaned_data["region"],
                    head=head_form.to_input(),
                    members=[f.to_input() for f in filled],
                    address=form.cleaned_data["address"],
                    note=form.cleaned_data["note"],
                    joined_on=form.cleaned_data.get("joined_on"),
                    join_existing=form.cleaned_data.get("join_existing", False),
                    join_reason=form.cleaned_data.get("join_reason", ""),
                )
            except NotFound as exc:  # a village typed by code that lies outside the user's region
                form.add_error("region", f"所在村/社区：{exc.message}")
            except DomainError as exc:
                offer_join = offer_join or exc.code == RegistryErrorCode.WITHOUT_HOUSEHOLD
                _place_create_error(exc, form, head_form, filled)
            else:
                messages.success(request, f"已新建家庭 {household.number}（户主 {household.head_name}）。")
                return redirect(_household_url(household.pk))
    return render(
        request,
        "registry/household_create.html",
        {"form": form, "head_form": head_form, "member_forms": member_forms, "offer_join": offer_join},
    )


def _no_repeated_id_numbers(person_forms: list[forms.PersonForm]) -> bool:
    seen: dict[str, int] = {}
    ok = True
    for i, f in enumerate(person_forms):
        number = normalize_id_number(f.cleaned_data.get("id_number", ""))
        if number in seen:
            f.add_error("id_number", f"公民身份号码：与本次填写的第 {seen[number] + 1} 位成员重复。")
            ok = False
        seen.setdefault(number, i)
    return ok


def _place_create_error(exc: DomainError, form, head_form, member_forms) -> None:
    """Show a service error beside the person it concerns: the one whose input was refused."""
    field = (exc.extra or {}).get("field")
    if field == "region" or field not in (*forms.PersonForm.base_fields, *forms.PERSON_FIELD_MAP, "birth_date"):
        add_domain_error(form, exc)
        return
    # Re-run the same person check to find the member it came from; a duplicate ID number names its number.
    for person_form in (head_form, *member_forms):
        try:
            person_form.to_input().clean()
        except DomainError as own:
            if own.code == exc.code and own.message == exc.message:
                add_domain_error(person_form, exc, forms.PERSON_FIELD_MAP)
                return
        number = normalize_id_number(person_form.cleaned_data.get("id_number", ""))
        if number and (number in exc.message or number == (exc.extra or {}).get("id_number")):
            add_domain_error(person_form, exc, forms.PERSON_FIELD_MAP)
            return
    add_domain_error(form, exc)


@login_required
@require_capability(Capability.EDIT_REGISTRY)
def household_edit(request, pk: int):
    household = or_404(selectors.household_get, actor=request.user, household_id=pk)
    initial = {
        "region": household.region_id,
        "address": household.address,
        "note": household.note,
        "expected_version": household.version,
    }
    form = forms.HouseholdEditForm(request.user, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.do_update_household(
                request.user,
                household,
                expected_version=d["expected_version"],
                reason=d["reason"],
                region=d["region"],
                address=d["address"],
                note=d["note"],
            )
        except Conflict:
            form.add_error(None, CONFLICT_MESSAGE)
        except NotFound as exc:  # the chosen village lies outside the user's region
            form.add_error("region", f"所在村/社区：{exc.message}")
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, "家庭信息已保存。")
            return redirect(_household_url(household.pk))
    return render(request, "registry/household_edit.html", {"household": household, "form": form})


# --- members ---------------------------------------------------------------------------------------


@login_required
@require_capability(Capability.EDIT_REGISTRY)
def member_add(request, pk: int):
    household = or_404(selectors.household_get, actor=request.user, household_id=pk)
    form = forms.MemberAddForm(request.POST or None)
    join_form = join_offer = None
    if request.method == "POST" and form.is_valid():
        try:
            person = services.do_add_member(
                request.user, household, person=form.to_input(), joined_on=form.cleaned_data.get("joined_on")
            )
        except DomainError as exc:
            add_domain_error(form, exc, forms.PERSON_FIELD_MAP)
            if exc.code == RegistryErrorCode.WITHOUT_HOUSEHOLD:
                join_form, join_offer = _join_offer(form, household)
        else:
            messages.success(request, f"已添加成员 {person.name}（{person.get_relation_display()}）。")
            return redirect(_household_url(household.pk))
    context = {"household": household, "form": form, "join_form": join_form, "join_offer": join_offer}
    return render(request, "registry/member_add.html", context)


def _join_offer(form, household: Household) -> tuple[move_forms.JoinForm, dict]:
    """Offer 迁入本户 for the person the member form found without a household.

    The offer shows only what the user typed (the name) and what the ID number itself says (the
    birth date): nothing of the registered record, which may belong to another region.
    """
    typed = form.data
    id_info = parse_id_number(typed.get("id_number", ""))
    initial = {
        "id_number": id_info.id_number,
        "name": typed.get("name", ""),
        "relation": typed.get("relation", ""),
        "joined_on": typed.get("joined_on") or timezone.localdate().isoformat(),
    }
    join_form = move_forms.JoinForm(initial=initial, head_free=not household.head_name, auto_id="join_%s")
    return join_form, {"name": initial["name"], "birth_date": id_info.birth_date, "id_number": id_info.id_number}


@login_required
@require_capability(Capability.EDIT_REGISTRY)
def member_join(request, pk: int):
    """迁入本户: take in a registered person who belongs to no household (``moves.do_join_household``)."""
    household = or_404(selectors.household_get, actor=request.user, household_id=pk)
    form = move_forms.JoinForm(request.POST or None, head_free=not household.head_name)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            person = moves.do_join_household(
                request.user,
                household,
                d["id_number"],
                relation=d["relation"],
                joined_on=d["joined_on"],
                reason=d["reason"],
                name=d["name"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"on": "joined_on"})
        else:
            messages.success(request, f"已将 {person.name} 迁入本户（{d['joined_on']:%Y-%m-%d}），原有记录已保留。")
            return redirect(_household_url(household.pk))
    return render(request, "registry/member_join.html", {"household": household, "form": form})


@login_required
@require_capability(Capability.EDIT_REGISTRY)
def household_split(request, pk: int):
    """分户: chosen members leave for a new household of the same village."""
    household = or_404(selectors.household_get, actor=request.user, household_id=pk)
    members = selectors.household_members(household)
    form = move_forms.SplitForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            new = moves.do_split_household(
                request.user,
                household,
                members=d["members"],
                head_id=int(d["head"]),
                split_on=d["split_on"],
                reason=d["reason"],
                address=d["address"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"on": "split_on"})
        else:
            messages.success(request, f"已分户：新家庭 {new.number}（户主 {new.head_name}）。")
            return redirect(_household_url(new.pk))
    return render(request, "registry/household_split.html", {"household": household, "form": form})


@login_required
@require_capability(Capability.EDIT_REGISTRY)
def household_merge(request, pk: int):
    """合户: every member of another household of the user's region joins this one; that one is closed.

    First the other household is named by its number (looked up in the user's scope only, so a
    number elsewhere answers as an unknown one), then each of its members gets a relation here.
    """
    household = or_404(selectors.household_get, actor=request.user, household_id=pk)
    data = request.POST if request.method == "POST" else None
    number = (data.get("source_number") or "").strip() if data else ""
    source = None
    if number:
        in_scope = selectors.household_list(actor=request.user, status="active")
        source = in_scope.filter(number=number).first()
    source_members = selectors.household_members(source) if source else []
    confirming = bool(data and "confirm" in data and source is not None)
    form = move_forms.MergeForm(data if confirming or source is None else None, source_members=source_members)
    if data and not confirming:
        if source is None:
            form.is_valid()
            if number:
                form.add_error("source_number", f"户编号：在您的管辖范围内没有在册家庭“{number[:20]}”。")
        else:  # step 2: the same answers, and one relation per member of the household found
            form = move_forms.MergeForm(initial=data.dict(), source_members=source_members)
    elif confirming and form.is_valid():
        d = form.cleaned_data
        try:
            moves.do_merge_households(
                request.user,
                source,
                household,
                relations=form.relations(),
                merged_on=d["merged_on"],
                reason=d["reason"],
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"on": "merged_on", "target": "source_number"})
        else:
            messages.success(request, f"已合户：{source.number} 的成员已迁入本户，原户已注销。")
            return redirect(_household_url(household.pk))
    context = {"household": household, "form": form, "source": source}
    return render(request, "registry/household_merge.html", context)


@login_required
@http_errors
def person_detail(request, pk: int):
    person = or_404(selectors.person_get, actor=request.user, person_id=pk)
    revealed = request.GET.get("reveal") == "1"
    if revealed:
        log_record_access(
            request.user,
            person_id=person.pk,
            household_id=person.household_id,
            region_code=person.region_code,
            channel="page",
            detail="人员页面显示完整信息",
        )
    memberships = scope_filter(
        request.user, Membership.objects.filter(person=person).select_related("household"), "household__region__code"
    ).order_by("-valid_from", "-id")
    context = {
        "person": person,
        "revealed": revealed,
        "groups": _evidence_groups(request.user, [person.pk], include_superseded=True)[person.pk],
        "memberships": memberships,
        "lived_outside_scope": selectors.lived_outside_scope(actor=request.user, person=person),
        "evidence_kinds": [(k, m.kind_label) for k, m in EVIDENCE_MODELS.items()],
        "can_edit": request.user.can(Capability.EDIT_REGISTRY),
    }
    return render(request, "registry/person_detail.html", context)


@login_required
@require_capability(Capability.EDIT_REGISTRY)
def person_edit(request, pk: int):
    person = or_404(selectors.person_get, actor=request.user, person_id=pk)
    initial = {
        "name": person.name,
        "relation": person.relation,
        "hukou_type": person.hukou_type,
        "hukou_region_code": person.hukou_region_id or "",
        "residence_address": person.residence_address,
        "phone": person.phone,
        "bank_name": person.bank_name,
        "bank_account": person.bank_account,
        "expected_version": person.version,
    }
    form = forms.PersonEditForm(request.POST or None, initial=initial)
    if request.method == "GET":
        # The form shows the full phone number and bank account: that is an access to the full record.
        log_record_access(
            request.user,
            person_id=person.pk,
            household_id=person.household_id,
            region_code=person.region_code,
            channel="page",
            detail="打开人员编辑页（显示完整手机号、银行账号）",
        )
    if request.method == "POST" and form.is_valid():
        d = dict(form.cleaned_data)
        version, reason = d.pop("expected_version"), d.pop("reason")
        try:
            services.do_update_person(request.user, person, expected_version=version, reason=reason, **d)
        except Conflict:
            form.add_error(None, CONFLICT_MESSAGE)
        except DomainError as exc:
            add_domain_error(form, exc, forms.PERSON_FIELD_MAP)
        else:
            messages.success(request, f"{person.name} 的信息已保存。")
            return redirect(_household_url(person.household_id) if person.household_id else person_url(person))
    return render(request, "registry/person_edit.html", {"person": person, "form": form})


def person_url(person: Person) -> str:
    return reverse("registry:person_detail", args=[person.pk])


@login_required
@require_capability(Capability.EDIT_REGISTRY)
def member_remove(request, pk: int):
    person = or_404(selectors.person_get, actor=request.user, person_id=pk)
    if not person.household_id:
        raise Http404("该人员目前不属于任何家庭。")
    household = person.household
    form = forms.RemoveMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        died = d["kind"] == forms.RemoveMemberForm.DIED
        try:
            if died:
                from doudi.cases.services.death import do_record_death  # the cases app builds on the registry

                death = do_record_death(
                    request.user, person, death_date=d["left_on"], source="registry", reason=d["reason"]
                )
            else:
                services.do_remove_member(request.user, person, left_on=d["left_on"], reason=d["reason"])
        except DomainError as exc:
            add_domain_error(form, exc, {"death_date": "left_on"})
        else:
            what = "死亡" if died else "迁出"
            messages.success(request, f"已登记 {person.name} {what}（{d['left_on']:%Y-%m-%d}）。")
            if died:
                _death_messages(request, death)
            return redirect(_household_url(household.pk))
    return render(request, "registry/member_remove.html", {"person": person, "household": household, "form": form})


def _death_messages(request, death) -> None:
    """Tell the worker what the death did to the benefits: enrolments ended, change case opened or pending."""
    if death.ended:
        names = "、".join(f"{e.get_programme_display()}（最后发放 {e.end_month:%Y年%-m月}）" for e in death.ended)
        messages.info(request, f"已停发 {death.person.name} 的 {names}。")
    if death.change_case is not None and not death.change_pending:
        messages.info(request, f"已立变更案件 {death.change_case.number}，重新核定家庭其余成员的救助。")
    elif death.change_pending:
        messages.warning(request, f"未自动立变更案件：{death.change_pending}")


# --- evidence --------------------------------------------------------------------------------------


def _evidence_model(kind: str) -> type[Evidence]:
    model = EVIDENCE_MODELS.get(kind)
    if model is None:
        raise Http404("证据类别不存在。")
    return model


def _evidence_get(actor, kind: str, pk: int) -> Evidence:
    evidence = _evidence_model(kind).objects.select_related("person__household").filter(pk=pk).first()
    if evidence is None:
        raise NotFound("信息")
    check_in_scope(actor, evidence.person.region_code, "信息")
    if selectors.evidence_hidden(actor=actor, row=evidence):
        raise NotFound("信息")
    return evidence


@login_required
@require_capability(Capability.EDIT_REGISTRY)
def evidence_create(request, pk: int, kind: str):
    model = _evidence_model(kind)
    person = or_404(selectors.person_get, actor=request.user, person_id=pk)
    form = forms.evidence_form_class(kind)(request.POST or None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.do_record_evidence(
                request.user,
                person,
                kind=kind,
                values=form.values(),
                valid_from=d["valid_from"],
                valid_to=d.get("valid_to"),
                source=d["source"],
                note=d["note"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, f"已登记 {person.name} 的{model.kind_label}信息。")
            return redirect(person_url(person))
    context = {"person": person, "form": form, "kind": kind, "kind_label": model.kind_label}
    return render(request, "registry/evidence_form.html", context)


def _verbose(model, name: str) -> str:
    return str(model._meta.get_field(name).verbose_name)


@login_required
@require_capability(Capability.EDIT_REGISTRY)
def evidence_correct(request, kind: str, pk: int, mode: str = "correct"):
    """Correct (new values or dates) or end (a date it stopped being true) a piece of evidence."""
    model = _evidence_model(kind)
    evidence = _evidence_get(request.user, kind, pk)
    person = evidence.person
    if mode == "end":
        form = forms.EvidenceEndForm(request.POST or None, valid_from=evidence.valid_from)
    else:
        initial = {f: getattr(evidence, f) for f in (*model.value_fields, "valid_from", "valid_to")}
        form = forms.evidence_correct_form_class(kind)(request.POST or None, initial=initial)
        shown = [f for f in model.value_fields if f in MASKED_FIELDS and getattr(evidence, f)]
        if request.method == "GET" and shown:
            # The form shows the full 残疾人证号 (it holds the ID number): an access to the full record.
            log_record_access(
                request.user,
                person_id=person.pk,
                household_id=person.household_id,
                region_code=person.region_code,
                channel="page",
                detail=f"打开{model.kind_label}更正页（显示完整{'、'.join(_verbose(model, f) for f in shown)}）",
            )
    if evidence.superseded_at is not None and request.method == "GET":
        messages.warning(request, "这条信息已被更正过，请在最新记录上操作。")
        return redirect(person_url(person))
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if mode == "end":
                services.do_correct_evidence(
                    request.user, evidence, reason=d["reason"], valid_to=d["valid_to"], end=True
                )
            else:
                services.do_correct_evidence(
                    request.user,
                    evidence,
                    reason=d["reason"],
                    values=form.values(),
                    valid_from=d["valid_from"],
                    valid_to=d.get("valid_to"),
                    end=d.get("valid_to") is None,
                )
        except Conflict as exc:
            form.add_error(None, exc.message)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request, f"已{'终止' if mode == 'end' else '更正'} {person.name} 的{model.kind_label}信息。"
            )
            return redirect(person_url(person))
    context = {"person": person, "evidence": evidence, "form": form, "mode": mode, "kind_label": model.kind_label}
    return render(request, "registry/evidence_correct.html", context)
