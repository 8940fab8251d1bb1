"""Verification reports (核对报告): what each department's data say about each member, beside what the family
declared and the thresholds of the policy in force, with a conclusion per item and overall (rules.md §9, §1.5–1.6).

The department rows are read with DuckDB from the current batches' Parquet files (one query per feed for all
the household's members); declared values come from the registry's dated evidence valid on the report date; the
thresholds come from ``doudi.policy.selectors.policy_for`` (never written here). Feed values are never written
into the registry by a report: ``do_accept_item`` records one item as new dated evidence (source 部门数据) when
a person decides so, beside whatever a worker recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import duckdb
from django.db import transaction

from doudi.accounts.roles import Capability
from doudi.accounts.scope import check_capability, check_in_scope
from doudi.core.errors import DomainError
from doudi.verification.feeds.schemas import SCHEMAS
from doudi.verification.feeds.selectors import current_batches
from doudi.verification.models import (
    Conclusion,
    ItemSource,
    ItemStatus,
    Overall,
    ReportItem,
    ReportPurpose,
    Topic,
    VerificationReport,
)

ZERO = Decimal("0")
CENT = Decimal("0.01")
COUNTED_INCOME = ("wages", "business", "property", "transfer", "other")
# The feeds a report reads, by the topic they inform.
REPORT_FEEDS = (
    "employment", "pension", "unemployment", "tax", "property", "vehicle", "business",
    "provident_fund", "death", "hukou_out", "disability",
)  # fmt: skip
EXEMPT_VEHICLE_WORDS = {"disability_vehicle": ("残疾",), "motorcycle": ("二轮摩托", "摩托车")}
RESIDENTIAL = ("住宅", "成套住宅", "住房")


class ReportErrorCode:
    INVALID = "verification_invalid"


def _money(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(CENT):,} 元"


def _month_start_back(on: date, months: int) -> date:
    index = on.year * 12 + on.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


# --- the data of one household ---------------------------------------------------------------------------


@dataclass
class FeedRows:
    """Rows of one feed for the household's members: {id_number: [row dict]}, and the batches read."""

    by_person: dict[str, list[dict]] = field(default_factory=dict)
    batches: list[int] = field(default_factory=list)
    available: bool = False


def read_feeds(region_code: str, id_numbers: list[str]) -> dict[str, FeedRows]:
    """Read every report feed's current rows for ``id_numbers`` (one DuckDB query per feed)."""
    out: dict[str, FeedRows] = {}
    con = duckdb.connect()
    try:
        for department in REPORT_FEEDS:
            batches = list(current_batches(department, region_code))
            rows = FeedRows(batches=[b.pk for b in batches], available=bool(batches))
            files = [str(b.parquet_file) for b in batches if b.parquet_file and b.parquet_file.exists()]
            if files and id_numbers:
                cursor = con.execute(
                    "SELECT * FROM read_parquet(?, union_by_name = true) WHERE id_number IN (SELECT unnest(?)) "
                    "ORDER BY batch_id, row_number",
                    [files, id_numbers],
                )
                names = [d[0] for d in cursor.description]
                for values in cursor.fetchall():  # a household's few rows
                    row = dict(zip(names, values, strict=True))
                    rows.by_person.setdefault(row["id_number"], []).append(row)
            out[department] = rows
    finally:
        con.close()
    return out


def _refs(rows: list[dict]) -> list[dict]:
    return [{"batch": r["batch_id"], "row": r["row_number"]} for r in rows]


@dataclass
class Thresholds:
    """What the policy in force says, each with its label and rule (None: not set, or no policy)."""

    policy_text: str = ""
    income_line: Decimal | None = None
    income_label: str = ""
    max_houses: int | None = None
    non_residential_allowed: bool = True
    max_vehicles: int | None = None
    vehicle_exempt_below: Decimal = ZERO
    exempt_vehicle_kinds: tuple[str, ...] = ()
    max_business_capital: Decimal | None = None
    financial_assets_limit: Decimal | None = None  # per person
    rules: dict[str, str] = field(default_factory=dict)


def thresholds_for(region_code: str, area_type: str, programme: str, on: date) -> Thresholds:
    from doudi.policy.engine.parameters import SPECS
    from doudi.policy.selectors import policy_for

    try:
        in_force = policy_for(region_code, on)
    except DomainError:
        return Thresholds(policy_text="该地区在核对日期没有已发布的政策参数")
    policy = in_force.policy
    labels = {s.key: (s.label, s.rule) for s in SPECS}
    area = "urban" if area_type == "urban" else "rural"
    figures = policy.areas[area]
    prog = programme if programme in policy.property_rules else "dibao"
    rules = policy.property_rules[prog]
    names = "、".join(f"{v.region.name}第{v.number}版" for v in in_force.versions)

    def rule(key: str) -> str:
        label, ref = labels.get(key, (key, ""))
        return f"{label}（{ref}）" if ref else label

    t = Thresholds(policy_text=f"{policy.region_name or region_code} {on:%Y-%m-%d} 适用政策（{names}）")
    if prog == "near_dibao":
        t.income_line, t.income_label = figures.near_dibao_line, "低保边缘家庭收入标准"
        t.rules["income"] = rule("near_dibao.income_multiple")
    else:
        t.income_line = figures.dibao_standard
        t.income_label = "城市低保标准" if area == "urban" else "农村低保标准"
        t.rules["income"] = rule(f"dibao.standard_{area}")
    t.max_houses = rules.max_houses
    t.non_residential_allowed = rules.non_residential_allowed
    t.max_vehicles = rules.max_vehicles
    t.vehicle_exempt_below = rules.vehicle_exempt_below or ZERO
    t.exempt_vehicle_kinds = tuple(policy.values.get("general.exempt_vehicle_kinds") or ())
    t.max_business_capital = rules.max_business_capital
    if rules.financial_assets_months is not None:
        t.financial_assets_limit = figures.dibao_standard * rules.financial_assets_months
    for key in ("max_houses", "non_residential_allowed", "max_vehicles", "max_business_capital"):
        t.rules[key] = rule(f"{prog}.property.{key}")
    t.rules["financial_assets"] = rule(f"{prog}.property.financial_assets_months")
    return t


def _declared(person_ids: list[int], on: date) -> dict[int, dict]:
    """Declared (registry) values valid on ``on`` per person: counted monthly income, pension, assets, disability."""
    from django.db.models import Q

    from doudi.registry.models import Asset, Disability, Income

    valid = Q(valid_from__lte=on) & (Q(valid_to__isnull=True) | Q(valid_to__gt=on)) & Q(superseded_at__isnull=True)
    out: dict[int, dict] = {
        pk: {"income": ZERO, "houses": 0, "vehicles": 0, "capital": ZERO, "deposits": ZERO, "disability": None}
        for pk in person_ids
    }
    for pk, category, amount in Income.objects.filter(valid, person_id__in=person_ids).values_list(
        "person_id", "category", "monthly_amount"
    ):
        if category in COUNTED_INCOME:
            out[pk]["income"] += amount
    for pk, kind, value, quantity in Asset.objects.filter(valid, person_id__in=person_ids).values_list(
        "person_id", "kind_of_asset", "value", "quantity"
    ):
        if kind == "real_estate":
            out[pk]["houses"] += quantity
        elif kind == "vehicle":
            out[pk]["vehicles"] += quantity
        elif kind == "business_share":
            out[pk]["capital"] += value
        elif kind in ("deposit", "securities", "insurance"):
            out[pk]["deposits"] += value
    for pk, grade in Disability.objects.filter(valid, person_id__in=person_ids).values_list("person_id", "grade"):
        out[pk]["disability"] = grade
    return out


def _join(texts) -> str:
    return "；".join(texts)[:450]


def _destination(row: dict) -> str:
    return row["to_address"] or row["to_region"] or "迁往地未填"


def _vehicle_kind(vehicle_type: str) -> str:
    for kind, words in EXEMPT_VEHICLE_WORDS.items():
        if any(w in (vehicle_type or "") for w in words):
            return kind
    return "car"


# --- building a report ------------------------------------------------------------------------------------


def _members(household, on: date):
    from doudi.registry.models import Person

    return list(Person.objects.filter(household=household).order_by("pk"))


def build_items(household, *, on: date, programme: str = "dibao") -> tuple[list[ReportItem], Thresholds, list[str]]:
    """Return the report's items (unsaved), the thresholds used and the feeds with no current data."""
    members = _members(household, on)
    ids = [m.id_number for m in members]
    feeds = read_feeds(household.region_id, ids)
    t = thresholds_for(household.region_id, household.area_type, programme, on)
    declared = _declared([m.pk for m in members], on)
    missing = [SCHEMAS[d].label for d, rows in feeds.items() if not rows.available]
    items: list[ReportItem] = []
    size = max(len(members), 1)
    since = _month_start_back(on, 12)

    def add(person, topic, department, rows, **kw) -> ReportItem:
        item = ReportItem(
            person=person,
            member_name=person.name if person else "",
            topic=topic,
            source=ItemSource.FEED,
            department=department,
            batches=_refs(rows),
            **kw,
        )
        items.append(item)
        return item

    household_income = ZERO
    household_declared = ZERO
    houses = non_residential = vehicles = 0
    capital = ZERO
    house_rows, vehicle_rows, business_rows, income_rows = [], [], [], []
    for m in members:
        d = declared[m.pk]
        # Income: wages over the 12 months before the report month, pension (less the basic pension), benefits.
        wages = [
            r
            for r in feeds["employment"].by_person.get(m.id_number, [])
            if since <= r["month"] < date(on.year, on.month, 1)
        ]
        wage_avg = (sum((r["wage"] for r in wages), ZERO) / 12).quantize(CENT) if wages else ZERO
        pensions = [r for r in feeds["pension"].by_person.get(m.id_number, []) if r["month"] <= on]
        latest_pension = max(pensions, key=lambda r: r["month"]) if pensions else None
        pension = ZERO
        if latest_pension is not None:
            pension = latest_pension["amount"] - (latest_pension["basic_amount"] or ZERO)
        unemployed = [
            r for r in feeds["unemployment"].by_person.get(m.id_number, [])
            if r["registered_on"] <= on and (r["ended_on"] is None or r["ended_on"] > on)
        ]  # fmt: skip
        benefit = sum((r["benefit"] or ZERO for r in unemployed), ZERO)
        counted = wage_avg + pension + benefit
        household_income += counted
        household_declared += d["income"]
        income_rows += wages + ([latest_pension] if latest_pension else []) + unemployed
        if wages or feeds["employment"].available:
            found = f"近12个月工资合计 {_money(sum((r['wage'] for r in wages), ZERO))}，月均 {_money(wage_avg)}"
            add(
                m, Topic.WAGES, "人社·就业与工资", wages,
                found_text=found if wages else "无就业参保工资记录", found_amount=wage_avg,
                declared_text=f"申报月收入 {_money(d['income'])}", declared_amount=d["income"],
                conclusion=Conclusion.DISCREPANCY if wage_avg > d["income"] + 1 else Conclusion.WITHIN,
                conclusion_text=(
                    f"部门数据月均工资 {_money(wage_avg)} 高于申报收入 {_money(d['income'])}"
                    if wage_avg > d["income"] + 1 else "与申报相符"
                ),
            )  # fmt: skip
        if latest_pension is not None:
            add(
                m, Topic.PENSION, "人社·养老金", [latest_pension],
                found_text=(
                    f"{latest_pension['month']:%Y-%m} {latest_pension['pension_type']} 月养老金 "
                    f"{_money(latest_pension['amount'])}，计入收入 {_money(pension)}（基础养老金不计入）"
                ),
                found_amount=pension, conclusion=Conclusion.NOTE, conclusion_text="计入家庭收入",
            )  # fmt: skip
        if unemployed:
            add(
                m, Topic.UNEMPLOYMENT, "人社·失业登记", unemployed,
                found_text=f"{unemployed[0]['registered_on']:%Y-%m-%d} 起失业登记，失业保险金 {_money(benefit)}/月",
                found_amount=benefit, conclusion=Conclusion.NOTE, conclusion_text="失业保险金计入家庭收入",
            )  # fmt: skip
        taxes = feeds["tax"].by_person.get(m.id_number, [])
        if taxes:
            latest = max(taxes, key=lambda r: r["tax_year"])
            monthly = (latest["income"] / 12).quantize(CENT)
            higher = monthly > max(wage_avg, d["income"]) + 1
            add(
                m, Topic.TAX, "税务·年度收入", [latest],
                found_text=f"{latest['tax_year']} 年度收入 {_money(latest['income'])}（月均 {_money(monthly)}）",
                found_amount=monthly, declared_text=f"申报月收入 {_money(d['income'])}", declared_amount=d["income"],
                conclusion=Conclusion.DISCREPANCY if higher else Conclusion.WITHIN,
                conclusion_text="纳税收入高于申报及工资数据，需核实" if higher else "与申报相符",
            )  # fmt: skip
        # Property, vehicles, businesses: counted per member, tested for the household.
        own_houses = feeds["property"].by_person.get(m.id_number, [])
        residential = [r for r in own_houses if any(w in (r["usage"] or "") for w in RESIDENTIAL)]
        houses += len(residential)
        non_residential += len(own_houses) - len(residential)
        house_rows += own_houses
        if own_houses:
            add(
                m, Topic.PROPERTY, "不动产登记", own_houses,
                found_text=_join(f"{r['usage']} {r['area']}㎡（{r['address']}）" for r in own_houses),
                found_amount=Decimal(len(own_houses)), declared_text=f"申报房产 {d['houses']} 套",
                declared_amount=Decimal(d["houses"]),
                conclusion=Conclusion.DISCREPANCY if len(own_houses) > d["houses"] else Conclusion.WITHIN,
                conclusion_text="登记房产多于申报" if len(own_houses) > d["houses"] else "与申报相符",
            )  # fmt: skip
        cars = [r for r in feeds["vehicle"].by_person.get(m.id_number, []) if (r["status"] or "正常") == "正常"]
        counted_cars = [
            r for r in cars
            if _vehicle_kind(r["vehicle_type"]) not in t.exempt_vehicle_kinds
            and (r["price"] is None or r["price"] >= t.vehicle_exempt_below)
        ]  # fmt: skip
        vehicles += len(counted_cars)
        vehicle_rows += cars
        if cars:
            add(
                m, Topic.VEHICLE, "公安·机动车", cars,
                found_text=_join(f"{r['vehicle_type']} {r['plate']}" for r in cars)
                + f"（计入 {len(counted_cars)} 辆）",
                found_amount=Decimal(len(counted_cars)), declared_text=f"申报机动车 {d['vehicles']} 辆",
                declared_amount=Decimal(d["vehicles"]),
                conclusion=Conclusion.DISCREPANCY if len(cars) > d["vehicles"] else Conclusion.WITHIN,
                conclusion_text="登记车辆多于申报" if len(cars) > d["vehicles"] else "与申报相符",
            )  # fmt: skip
        firms = [r for r in feeds["business"].by_person.get(m.id_number, []) if (r["status"] or "存续") == "存续"]
        own_capital = sum((r["capital"] or ZERO for r in firms), ZERO)
        capital += own_capital
        business_rows += firms
        if firms:
            add(
                m, Topic.BUSINESS, "市场监管·市场主体", firms,
                found_text=_join(f"{r['business_name']}（{r['role']}，认缴 {_money(r['capital'])}）" for r in firms),
                found_amount=own_capital, declared_text=f"申报企业出资 {_money(d['capital'])}",
                declared_amount=d["capital"],
                conclusion=Conclusion.DISCREPANCY if own_capital > d["capital"] + 1 else Conclusion.WITHIN,
                conclusion_text="登记出资多于申报" if own_capital > d["capital"] + 1 else "与申报相符",
            )  # fmt: skip
        funds = [r for r in feeds["provident_fund"].by_person.get(m.id_number, []) if r["month"] <= on]
        if funds:
            latest = max(funds, key=lambda r: r["month"])
            add(
                m, Topic.PROVIDENT_FUND, "住房公积金", [latest],
                found_text=(
                    f"{latest['month']:%Y-%m} 月缴存 {_money(latest['monthly_deposit'])}，"
                    f"余额 {_money(latest['balance'])}"
                ),
                found_amount=latest["balance"],
                conclusion=Conclusion.NOTE if latest["monthly_deposit"] else Conclusion.WITHIN,
                conclusion_text="正在缴存公积金，提示有单位就业收入" if latest["monthly_deposit"] else "未在缴存",
            )  # fmt: skip
        deaths = feeds["death"].by_person.get(m.id_number, [])
        if deaths:
            add(
                m, Topic.DEATH, "公安·死亡人员", deaths,
                found_text=f"{deaths[0]['death_date']:%Y-%m-%d} 死亡（户口已注销）",
                declared_text="登记为在世" if m.death_date is None else f"登记死亡日期 {m.death_date:%Y-%m-%d}",
                conclusion=Conclusion.DISCREPANCY if m.death_date is None else Conclusion.WITHIN,
                conclusion_text="应办理成员死亡并停发" if m.death_date is None else "与登记相符",
            )  # fmt: skip
        moves = [r for r in feeds["hukou_out"].by_person.get(m.id_number, []) if r["move_date"] <= on]
        if moves:
            add(
                m, Topic.HUKOU, "公安·户籍迁出", moves,
                found_text=f"{moves[-1]['move_date']:%Y-%m-%d} 户口迁出（{_destination(moves[-1])}）",
                conclusion=Conclusion.DISCREPANCY, conclusion_text="户口已迁出本地，需核实是否仍共同生活",
            )  # fmt: skip
        cards = feeds["disability"].by_person.get(m.id_number, [])
        if cards:
            card = cards[-1]
            same = d["disability"] == card["grade"]
            add(
                m, Topic.DISABILITY, "残联·残疾人证", [card],
                found_text=f"{card['category']}{card['grade']}级（证号 {card['card_number']}）"
                + ("，需长期照护" if card["needs_care"] else ""),
                found_amount=Decimal(card["grade"]),
                declared_text=f"登记残疾等级 {d['disability']} 级" if d["disability"] else "未登记残疾",
                declared_amount=Decimal(d["disability"]) if d["disability"] else None,
                conclusion=Conclusion.WITHIN if same else Conclusion.DISCREPANCY,
                conclusion_text="与登记相符" if same else "与登记不一致，可采纳为登记证据",
            )  # fmt: skip
    # Household tests against the policy's thresholds.
    per_capita = (household_income / size).quantize(CENT)
    if t.income_line is not None:
        over = per_capita > t.income_line
        add(
            None, Topic.INCOME, "人社（工资、养老金、失业保险金）", income_rows,
            found_text=f"家庭月收入 {_money(household_income)} ÷ {size} 人 = 月人均 {_money(per_capita)}",
            found_amount=per_capita,
            declared_text=f"申报月人均 {_money((household_declared / size).quantize(CENT))}",
            declared_amount=(household_declared / size).quantize(CENT),
            threshold_text=f"{t.income_label} {_money(t.income_line)}/人·月", threshold_amount=t.income_line,
            rule=t.rules["income"],
            conclusion=Conclusion.EXCEEDS if over else Conclusion.WITHIN,
            conclusion_text=(
                f"月人均收入高于{t.income_label}（{t.rules['income']}）" if over else f"不高于{t.income_label}"
            ),
        )  # fmt: skip
    _limit_item(
        add, Topic.PROPERTY, "不动产登记", house_rows, houses, t.max_houses, "套", "住房", t.rules.get("max_houses")
    )
    if non_residential and not t.non_residential_allowed:
        add(
            None, Topic.PROPERTY, "不动产登记", house_rows, found_text=f"非居住类房屋 {non_residential} 处",
            found_amount=Decimal(non_residential), threshold_text="不得拥有非居住类房屋",
            rule=t.rules["non_residential_allowed"], conclusion=Conclusion.EXCEEDS,
            conclusion_text=f"拥有非居住类房屋（{t.rules['non_residential_allowed']}）",
        )  # fmt: skip
    _limit_item(
        add,
        Topic.VEHICLE,
        "公安·机动车",
        vehicle_rows,
        vehicles,
        t.max_vehicles,
        "辆",
        "计入的机动车",
        t.rules.get("max_vehicles"),
    )
    if t.max_business_capital is not None and (business_rows or feeds["business"].available):
        over = capital > t.max_business_capital
        add(
            None, Topic.BUSINESS, "市场监管·市场主体", business_rows, found_text=f"全户认缴出资 {_money(capital)}",
            found_amount=capital, threshold_text=f"上限 {_money(t.max_business_capital)}",
            threshold_amount=t.max_business_capital, rule=t.rules["max_business_capital"],
            conclusion=Conclusion.EXCEEDS if over else Conclusion.WITHIN,
            conclusion_text=f"超过上限（{t.rules['max_business_capital']}）" if over else "未超过上限",
        )  # fmt: skip
    deposits = sum((declared[m.pk]["deposits"] for m in members), ZERO)
    if t.financial_assets_limit is not None:
        items.append(_deposits_item(None, deposits / size, t, declared_only=True))
    return items, t, missing


def _limit_item(add, topic, department, rows, count, limit, unit, what, rule) -> None:
    if limit is None:
        return
    over = count > limit
    add(
        None, topic, department, rows, found_text=f"全户{what} {count} {unit}", found_amount=Decimal(count),
        threshold_text=f"上限 {limit} {unit}", threshold_amount=Decimal(limit), rule=rule or "",
        conclusion=Conclusion.EXCEEDS if over else Conclusion.WITHIN,
        conclusion_text=f"超过上限（{rule}）" if over else "未超过上限",
    )  # fmt: skip


def _deposits_item(person, per_capita: Decimal, t: Thresholds, *, declared_only: bool = False, **kw) -> ReportItem:
    over = per_capita > t.financial_assets_limit
    return ReportItem(
        person=person,
        member_name=person.name if person else "",
        topic=Topic.DEPOSITS,
        source=kw.pop("source", ItemSource.MANUAL),
        department=kw.pop("department", "无部门数据（以申报或银行函复为准）"),
        found_text=kw.pop("found_text", "银行、证券、保险数据未接入：按登记申报计算"),
        found_amount=per_capita.quantize(CENT),
        declared_text=f"人均金融资产 {_money(per_capita)}" if declared_only else kw.pop("declared_text", ""),
        threshold_text=f"人均上限 {_money(t.financial_assets_limit)}",
        threshold_amount=t.financial_assets_limit,
        rule=t.rules.get("financial_assets", ""),
        conclusion=Conclusion.EXCEEDS if over else Conclusion.WITHIN,
        conclusion_text=f"超过上限（{t.rules.get('financial_assets', '')}）" if over else "未超过上限",
        **kw,
    )


def summarize(report: VerificationReport) -> None:
    """Set the report's overall conclusion from its active items (and the feeds it could not read)."""
    active = list(report.items.filter(status=ItemStatus.ACTIVE))
    exceeds = [i for i in active if i.conclusion == Conclusion.EXCEEDS]
    differs = [i for i in active if i.conclusion == Conclusion.DISCREPANCY]
    if exceeds:
        report.overall = Overall.EXCEEDS
        text = "超出规定：" + "；".join(
            f"{i.member_name or '全户'}{i.get_topic_display()}{i.conclusion_text}" for i in exceeds
        )
    elif differs:
        report.overall = Overall.DISCREPANCY
        text = "存在差异：" + "；".join(
            f"{i.member_name or '全户'}{i.get_topic_display()}{i.conclusion_text}" for i in differs
        )
    elif report.missing:
        report.overall = Overall.INCOMPLETE
        text = "已取得的部门数据均符合规定"
    else:
        report.overall = Overall.WITHIN
        text = "各项核对均符合规定"
    if report.missing:
        text += "。未取得：" + "、".join(report.missing)
    report.overall_text = text[:2000]
    report.save(update_fields=["overall", "overall_text", "updated_at"])


@transaction.atomic
def do_build_report(
    actor, household, *, on: date, purpose: str = ReportPurpose.REQUEST, case=None, programme: str = "dibao"
) -> VerificationReport:
    """Build and save a household's report on ``on`` (scope- and capability-checked)."""
    check_capability(actor, Capability.VIEW_FEEDS, "您的角色无权查看部门数据核对报告。")
    check_in_scope(actor, household.region_id, "家庭")
    return build_report(actor, household, on=on, purpose=purpose, case=case, programme=programme)


def build_report(
    actor, household, *, on: date, purpose: str, case=None, programme: str = "dibao"
) -> VerificationReport:
    """Build and save a report; the caller has checked the actor (the case workflow's 核对 step, a task)."""
    if purpose not in ReportPurpose.values:
        raise DomainError(ReportErrorCode.INVALID, "核对类型不正确。", {"field": "purpose"})
    items, t, missing = build_items(household, on=on, programme=programme)
    report = VerificationReport.objects.create(
        household=household,
        region_code=household.region_id,
        case=case,
        purpose=purpose,
        programme=programme,
        as_of=on,
        policy_text=t.policy_text[:300],
        overall=Overall.WITHIN,
        missing=missing,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    for item in items:
        item.report = report
        item.added_by = report.created_by
    ReportItem.objects.bulk_create(items)
    summarize(report)
    _audit(actor, report, "verification_report", f"生成核对报告：{report.get_overall_display()}")
    return report


def _audit(actor, report: VerificationReport, action: str, reason: str) -> None:
    from doudi.audit.services import record_event

    record_event(
        actor,
        action=action,
        target=report,
        household_id=report.household_id,
        region_code=report.region_code,
        reason=reason,
        label=str(report),
    )


def _editable(actor, report: VerificationReport) -> None:
    check_capability(actor, Capability.VERIFY_CASE, "您的角色无权修改核对报告。")
    check_in_scope(actor, report.region_code, "核对报告")


def _amount(value, label: str, name: str) -> Decimal:
    from doudi.registry.validation import parse_amount

    return parse_amount(value, label, name)


@transaction.atomic
def do_add_manual_item(
    actor, report: VerificationReport, *, topic: str, source_text: str, amount=None, text: str = "", person=None
) -> ReportItem:
    """Add what no feed covers (bank deposits by letter, …) by hand, naming its source; re-conclude the report."""
    _editable(actor, report)
    source_text = (source_text or "").strip()
    if not source_text:
        raise DomainError(ReportErrorCode.INVALID, "来源：不能为空（如“XX银行函复”）。", {"field": "source_text"})
    if topic not in Topic.values:
        raise DomainError(ReportErrorCode.INVALID, "核对项目不正确。", {"field": "topic"})
    if person is not None and person.household_id != report.household_id:
        raise DomainError(ReportErrorCode.INVALID, "成员不属于该家庭。", {"field": "person"})
    value = _amount(amount, "金额", "amount") if amount not in (None, "") else None
    if topic == Topic.DEPOSITS:
        if value is None:
            raise DomainError(ReportErrorCode.INVALID, "金额：银行存款等金融资产须填写金额。", {"field": "amount"})
        from doudi.registry.models import Person

        size = max(Person.objects.filter(household_id=report.household_id).count(), 1)
        t = thresholds_for(report.region_code, report.household.area_type, report.programme, report.as_of)
        if t.financial_assets_limit is not None:
            report.items.filter(topic=Topic.DEPOSITS, status=ItemStatus.ACTIVE, person=None).update(
                status=ItemStatus.SUPERSEDED
            )
            item = _deposits_item(
                person,
                value / size,
                t,
                department=source_text[:100],
                found_text=(f"全户 {_money(value)}，人均 {_money(value / size)}" + (f"（{text}）" if text else ""))[
                    :500
                ],
            )
            item.report, item.added_by = report, actor
            item.save()
            summarize(report)
            _audit(actor, report, "verification_manual_item", f"人工录入：{item.get_topic_display()}（{source_text}）")
            return item
    item = ReportItem.objects.create(
        report=report,
        person=person,
        member_name=person.name if person else "",
        topic=topic,
        source=ItemSource.MANUAL,
        department=source_text[:100],
        found_text=(text or (_money(value) if value is not None else ""))[:500],
        found_amount=value,
        conclusion=Conclusion.NOTE,
        conclusion_text="人工录入，供审核参考",
        added_by=actor,
    )
    summarize(report)
    _audit(actor, report, "verification_manual_item", f"人工录入：{item.get_topic_display()}（{source_text}）")
    return item


@transaction.atomic
def do_recheck_item(actor, item: ReportItem, *, evidence: str, conclusion: str, text: str = "") -> ReportItem:
    """A disputed item re-checked with evidence: a new item replaces it (the old one is kept, superseded)."""
    report = item.report
    _editable(actor, report)
    evidence = (evidence or "").strip()
    if not evidence:
        raise DomainError(
            ReportErrorCode.INVALID, "复核依据：不能为空（写明申请人提供的证明材料）。", {"field": "evidence"}
        )
    if conclusion not in Conclusion.values:
        raise DomainError(ReportErrorCode.INVALID, "复核结论不正确。", {"field": "conclusion"})
    if item.status != ItemStatus.ACTIVE:
        raise DomainError(ReportErrorCode.INVALID, "该项目已复核过，请对最新的项目复核。", {"field": "item"})
    item.status = ItemStatus.SUPERSEDED
    item.save(update_fields=["status"])
    new = ReportItem.objects.create(
        report=report,
        person=item.person,
        member_name=item.member_name,
        topic=item.topic,
        source=item.source,
        department=item.department,
        batches=item.batches,
        found_text=item.found_text,
        found_amount=item.found_amount,
        declared_text=item.declared_text,
        declared_amount=item.declared_amount,
        threshold_text=item.threshold_text,
        threshold_amount=item.threshold_amount,
        rule=item.rule,
        conclusion=conclusion,
        conclusion_text=(text or "经复核").strip()[:500],
        dispute=evidence[:500],
        replaces=item,
        added_by=actor,
    )
    summarize(report)
    _audit(actor, report, "verification_recheck", f"异议复核：{new.get_topic_display()}（{evidence[:80]}）")
    return new


ACCEPTABLE = {Topic.WAGES, Topic.DISABILITY, Topic.VEHICLE, Topic.PROPERTY, Topic.BUSINESS}


def do_accept_item(actor, item: ReportItem):
    """Record what a feed item proved as dated registry evidence (source 部门数据, naming the batch and rows).

    Nothing the worker recorded is changed: the new evidence stands beside it, and the person page shows both.
    """
    from doudi.registry.models import EvidenceSource
    from doudi.registry.services import do_record_evidence

    report = item.report
    check_capability(actor, Capability.EDIT_REGISTRY, "您的角色无权修改登记信息。")
    check_in_scope(actor, report.region_code, "核对报告")
    if item.person is None or item.source != ItemSource.FEED or item.topic not in ACCEPTABLE:
        raise DomainError(ReportErrorCode.INVALID, "该项目不能采纳为登记证据。", {"field": "item"})
    if item.accepted_evidence:
        raise DomainError(ReportErrorCode.INVALID, "该项目已采纳为登记证据。", {"field": "item"})
    refs = "、".join(f"第{r['batch']}批第{r['row']}行" for r in item.batches[:5])
    note = f"部门数据 {item.department} {refs}"[:200]
    kind, values = {
        Topic.WAGES: ("income", {"category": "wages", "monthly_amount": item.found_amount or ZERO}),
        Topic.DISABILITY: ("disability", _disability_values(item)),
        Topic.VEHICLE: ("asset", {"kind_of_asset": "vehicle", "quantity": int(item.found_amount or 1) or 1}),
        Topic.PROPERTY: ("asset", {"kind_of_asset": "real_estate", "quantity": int(item.found_amount or 1) or 1}),
        Topic.BUSINESS: ("asset", {"kind_of_asset": "business_share", "value": item.found_amount or ZERO}),
    }[item.topic]
    evidence = do_record_evidence(
        actor,
        item.person,
        kind=kind,
        values=values,
        valid_from=report.as_of,
        source=EvidenceSource.DEPARTMENT,
        note=note,
    )
    item.accepted_evidence = f"{kind}:{evidence.pk}"
    item.save(update_fields=["accepted_evidence"])
    return evidence


DISABILITY_WORDS = {
    "视力": "visual", "听力": "hearing", "言语": "speech", "肢体": "physical",
    "智力": "intellectual", "精神": "mental", "多重": "multiple",
}  # fmt: skip


def _disability_values(item: ReportItem) -> dict:
    category = next((code for word, code in DISABILITY_WORDS.items() if word in item.found_text), "multiple")
    card = item.found_text.split("证号 ")[-1].rstrip("）").split("）")[0] if "证号 " in item.found_text else ""
    return {"category": category, "grade": int(item.found_amount or 4), "card_number": card[:24]}


# --- the case workflow's 核对 step ------------------------------------------------------------------------


def case_result(report: VerificationReport) -> tuple[str, list[str]]:
    """The case's verification result and the items checked, from a report."""
    from doudi.cases.models import VerificationResult

    result = {
        Overall.WITHIN: VerificationResult.CONSISTENT,
        Overall.INCOMPLETE: VerificationResult.UNAVAILABLE,
    }.get(report.overall, VerificationResult.DISCREPANCY)
    topics = sorted({i.get_topic_display() for i in report.items.filter(status=ItemStatus.ACTIVE)})
    return result, topics


def report_for_case(actor, case, *, on: date) -> VerificationReport:
    """The 核对 step's report: built from the data for the case's household, programme and kind."""
    purpose = ReportPurpose.REVIEW if case.kind in ("change", "termination") else ReportPurpose.APPLICATION
    programmes = list(case.programmes or [])
    programme = "near_dibao" if programmes == ["near_dibao"] else "dibao"
    return build_report(actor, case.household, on=on, purpose=purpose, case=case, programme=programme)


def sync_case_verification(report: VerificationReport) -> None:
    """After a manual item or a re-check, carry the report's conclusion to the case's verification record."""
    verification = report.case_verification
    if verification is None:
        return
    result, topics = case_result(report)
    verification.result = result
    verification.items = topics
    verification.summary = report.overall_text[:2000] or verification.summary
    verification.save(update_fields=["result", "items", "summary"])


def visible_reports(actor):
    from doudi.accounts.scope import scope_filter

    return scope_filter(actor, VerificationReport.objects.all(), "region_code")
