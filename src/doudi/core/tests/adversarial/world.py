"""The data the adversarial suite attacks: two counties of demo data and one marked object of each kind per slot.

A *slot* is a village at a known position relative to every test user: 立新村 (the village worker's
own), 胜天村 (a sibling village of the same township), 韩家汊社区 (another township of the county),
南门桥社区 (another county, 资阳区) and a community in 北京市 (another province, outside even the
administrator's 湖南省). Each slot holds a household whose head has a name found nowhere else, so
that a page answering a user outside the slot's subtree can be searched for the slot's ID number,
household number, head's name and village name (see ``World.secrets_outside``).

Everything is written through the real services (``generate_demo``, the registry and case
services), as a user of the slot would, so the objects are as real as the demo's.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.accounts.tokens import do_create_api_token
from doudi.audit.services import log_record_access
from doudi.cases import services as cases
from doudi.cases.models import (
    Attachment,
    Case,
    Enrolment,
    MissingMaterialsNotice,
    Referral,
    RelativeDeclaration,
    ReviewTask,
)
from doudi.cases.tests.conftest import Walker
from doudi.policy.management.commands.load_policies import SAMPLES
from doudi.policy.models import PolicyVersion
from doudi.policy.services import load_policy_file
from doudi.policy.simulation import store
from doudi.policy.simulation.runner import SimulationRequest
from doudi.regions.models import AreaType, Level, Region, pad_code
from doudi.regions.tests.factories import build_demo_tree
from doudi.registry import services as registry
from doudi.registry.identity import make_id_number
from doudi.registry.imports.models import ImportBatch
from doudi.registry.imports.services import do_stage_import
from doudi.registry.models import Household, Person
from doudi.registry.validation import PersonInput

ON = date(2025, 3, 3)  # a Monday with no holiday near (as the case tests)

# The other province: a real code path of 北京市东城区 down to a community.
BEIJING = [
    ("beijing_city", "1101", "北京市市辖区", Level.PREFECTURE, "beijing", ""),
    ("dongcheng", "110101", "东城区", Level.COUNTY, "beijing_city", ""),
    ("donghuamen", "110101001", "东华门街道", Level.TOWNSHIP, "dongcheng", ""),
    ("duofu", "110101001001", "多福巷社区", Level.VILLAGE, "donghuamen", AreaType.URBAN),
]

# slot → (head's name found nowhere else, ID address code, does the slot get case work?)
SLOTS = {
    "lixin": ("赵一鸣", "430981", True),
    "shengtian": ("钱二虎", "430981", True),
    "hanjiacha": ("孙三省", "430981", True),
    "ziyang_village": ("周四海", "430902", True),
    "duofu": ("吴五岳", "110101", False),
}

# The crawling users: the roles of ``src/conftest.py``'s ``users`` fixture (same regions) and the
# workers of the other county.
USERS = {
    "village_worker": (Role.VILLAGE_WORKER, "lixin"),
    "other_village_worker": (Role.VILLAGE_WORKER, "hanjiacha"),
    "township_officer": (Role.TOWNSHIP_OFFICER, "caowei"),
    "other_township_officer": (Role.TOWNSHIP_OFFICER, "qionghu"),
    "county_reviewer": (Role.COUNTY_REVIEWER, "yuanjiang"),
    "foreign_county_reviewer": (Role.COUNTY_REVIEWER, "heshan"),
    "foreign_village_worker": (Role.VILLAGE_WORKER, "ziyang_village"),
    "city_supervisor": (Role.CITY_SUPERVISOR, "yiyang"),
    "auditor": (Role.AUDITOR, "yuanjiang"),
    "administrator": (Role.ADMINISTRATOR, "hunan"),
    "no_region": (Role.COUNTY_REVIEWER, None),
}


@dataclass
class Slot:
    """The marked objects of one village; ``None`` where the slot has no such object."""

    key: str
    region: Region
    worker: object  # the slot's own village worker (no crawling user): the owner of its runs and tokens
    household: Household
    head: Person
    head_name: str
    income_id: int | None = None
    case: Case | None = None  # enrolled, with every side record
    open_case: Case | None = None  # submitted, waiting for acceptance
    notice: MissingMaterialsNotice | None = None
    referral: Referral | None = None
    attachment: Attachment | None = None
    declaration: RelativeDeclaration | None = None
    enrolment: Enrolment | None = None
    ended_enrolment: Enrolment | None = None
    review: ReviewTask | None = None
    batch: ImportBatch | None = None


@dataclass
class World:
    regions: dict[str, Region]
    users: dict
    slots: dict[str, Slot]
    policy: PolicyVersion
    # (village code, household number, ID numbers of its members) of every generated demo household.
    demo: list[tuple[str, str, list[str]]] = field(default_factory=list)
    runs: dict[str, str] = field(default_factory=dict)  # slot → a simulation run of the slot's worker
    tokens: dict[str, int] = field(default_factory=dict)  # slot → an API token of the slot's worker
    household_type_id: int = 0

    def in_scope(self, user, region_code: str) -> bool:
        return bool(user.region_id) and region_code.startswith(_prefix(user.region_id))

    def secrets_outside(self, user) -> dict[str, str]:
        """Return {marker: what it is} of the records and regions ``user`` may not see."""
        secrets: dict[str, str] = {}
        for slot in self.slots.values():
            if user is not None and self.in_scope(user, slot.region.code):
                continue
            secrets[slot.head.id_number] = f"{slot.key} 户主身份证号"
            secrets[slot.household.number] = f"{slot.key} 户编号"
            secrets[slot.head_name] = f"{slot.key} 户主姓名"
        # Regions by full name ("湖南省益阳市资阳区汽车路街道…"): a bare village name may be an example
        # in a help text, a full name is only ever printed about that region.
        visible = set()
        if user is not None and user.region_id:
            visible = set(_ancestors(user.region_id))
        for region in self.regions.values():
            if region.level in (Level.PROVINCE, Level.PREFECTURE) or region.code in visible:
                continue
            if user is None or not self.in_scope(user, region.code):
                secrets[region.full_name] = f"区划全称 {region.code}"
        for village, number, id_numbers in self.demo:
            if user is not None and self.in_scope(user, village):
                continue
            secrets[number] = f"{village} 演示户编号"
            for id_number in id_numbers:
                secrets[id_number] = f"{village} 演示身份证号"
        return secrets


def _prefix(code: str) -> str:
    from doudi.regions.models import prefix_of

    return prefix_of(code)


def _ancestors(code: str) -> list[str]:
    region = Region.objects.get(code=code)
    out = []
    while region is not None:
        out.append(region.code)
        region = region.parent
    return out


def build_world(*, demo_households: int = 12) -> World:
    """Build the regions, users, demo households of two counties and the slots' marked objects."""
    regions = build_demo_tree()
    for key, code, name, level, parent, area_type in BEIJING:
        parent_region = regions[parent]
        regions[key], _ = Region.objects.update_or_create(
            code=pad_code(code),
            defaults={
                "name": name,
                "full_name": parent_region.full_name + name,
                "level": level,
                "parent": parent_region,
                "area_type": area_type,
                "area_type_source": "derived" if area_type else "",
            },
        )
    users = {
        name: UserFactory(role=role, region=regions[region] if region else None, is_staff=role == Role.ADMINISTRATOR)
        for name, (role, region) in USERS.items()
    }
    policy = None
    for path in sorted(SAMPLES.glob("*.toml")):
        content = path.read_text(encoding="utf-8")
        policy, _ = load_policy_file(content)
    # 资阳区 publishes the same parameters as 沅江市 (the example file, re-headed).
    load_policy_file(content.replace('"430981"', '"430902"').replace("沅江市", "资阳区"))

    world = World(regions=regions, users=users, slots={}, policy=policy)
    for county in ("430981", "430902"):
        # With a month of department feeds: the feed pages and verification reports have batches.
        call_command("generate_demo", households=demo_households, county=county, seed=13, feeds=True, verbosity=0)
    ids: dict[int, list[str]] = {}
    for household_id, id_number in Person.objects.values_list("household_id", "id_number"):
        ids.setdefault(household_id, []).append(id_number)
    world.demo = [
        (region, number, ids.get(pk, []))
        for pk, region, number in Household.objects.values_list("pk", "region_id", "number")
    ]
    for seq, (key, (head_name, address, with_cases)) in enumerate(SLOTS.items(), start=1):
        world.slots[key] = _build_slot(key, regions[key], head_name, address, seq, with_cases)
    # Periodic reviews of the enrolled households of every slot (the system job: all regions).
    cases.do_schedule_reviews(None, today=date(2025, 4, 1))
    # A dibao payroll per county (April 2025) for the payroll pages.
    from doudi.payments.services.generation import generate_payroll

    for county, maker in (("430981", "county_reviewer"), ("430902", "foreign_county_reviewer")):
        generate_payroll(users[maker], region_code=county, programme="dibao", month=date(2025, 4, 1))
    world.household_type_id = ContentType.objects.get_for_model(Household).pk
    for key, slot in world.slots.items():
        worker = slot.worker
        request = SimulationRequest(region_code=slot.region.code, on=date(2025, 7, 1))
        world.runs[key] = store.create_run(worker, request, total=1, region_name=slot.region.full_name)
        world.tokens[key] = do_create_api_token(worker, name="对抗测试").token.pk
    for slot in world.slots.values():
        if slot.enrolment is not None:
            slot.review = ReviewTask.objects.filter(household=slot.household).first()
        monitoring_alert(slot)
    return world


def monitoring_alert(slot: Slot):
    """Store a monitoring alert on the slot's household, as a run would (the world runs no monitoring)."""
    from doudi.monitoring.models import Alert

    household = slot.household
    detail = "机动车 湘H00001（小型汽车），2024-08-01 注册登记"
    return Alert.objects.create(
        fingerprint=f"crawl-{slot.key}",
        rule="vehicle",
        alert_class="status_change",
        severity="medium",
        fact="湘H00001",
        summary=f"名下机动车超过限额：{detail}",
        household=household,
        person=slot.head,
        region_id=household.region_id,
        township_id=household.region_id[:9] + "000",
        evidence=[{"batch": 1, "row": 2, "detail": detail}],
        detected_on=date(2025, 6, 16),
        due_on=date(2025, 6, 30),
    )


def _build_slot(key: str, village: Region, head_name: str, address: str, seq: int, with_cases: bool) -> Slot:
    township, county = village.parent, village.parent.parent
    worker = UserFactory(role=Role.VILLAGE_WORKER, region=village)
    staff = {
        "village_worker": worker,
        "township_officer": UserFactory(role=Role.TOWNSHIP_OFFICER, region=township),
        "county_reviewer": UserFactory(role=Role.COUNTY_REVIEWER, region=county),
    }
    co_worker = UserFactory(role=Role.VILLAGE_WORKER, region=village)
    household = registry.do_create_household(
        worker,
        region_code=village.code,
        head=PersonInput(
            id_number=make_id_number(address, date(1961, 4, 9), 900 + seq * 2 + 1), name=head_name, relation="head"
        ),
        members=[],
        address=f"{village.name}{seq}号",
        joined_on=date(2020, 1, 1),
    )
    head = Person.objects.get(household=household, relation="head")
    income = registry.do_record_evidence(
        worker,
        head,
        kind="income",
        values={"category": "wages", "monthly_amount": Decimal("200")},
        valid_from=date(2024, 1, 1),
    )
    slot = Slot(
        key=key, region=village, worker=worker, household=household, head=head, head_name=head_name, income_id=income.pk
    )
    slot.batch = do_stage_import(worker, _csv_upload(key))
    log_record_access(
        worker,
        person_id=head.pk,
        household_id=household.pk,
        region_code=village.code,
        channel="page",
        detail="对抗测试",
    )
    if not with_cases:
        return slot
    walk = Walker(staff, co_worker)
    case = walk.open(household, on=ON)
    slot.notice = cases.do_record_missing_materials(
        worker, case, items=["户口簿复印件"], expected_version=Case.objects.get(pk=case.pk).version, today=ON
    )
    slot.declaration = cases.do_declare_relative(
        worker, case, staff_name=f"{head_name}之弟", staff_position="村委委员", relation="兄弟", today=ON
    )
    slot.referral = cases.do_create_referral(worker, case, to_department="残联", need="辅具", today=ON)
    slot.attachment = cases.do_add_attachment(
        worker, case, upload=b"%PDF-1.4\n%%EOF\n", original_name=f"{head_name}.pdf", today=ON
    )
    walk.accept(case, on=ON)
    walk.verify(case, ON)
    walk.survey(case, ON)
    cases.do_check_relative(
        staff["county_reviewer"], slot.declaration, visited_on=ON, findings="亲属关系属实，未参与办理", today=ON
    )
    walk.notice(case, ON)
    walk.confirm(case, date(2025, 3, 12))
    walk.enrol(case, date(2025, 3, 13))
    slot.case = Case.objects.get(pk=case.pk)
    slot.enrolment = Enrolment.objects.filter(household=household).first()
    # An enrolment ended (高龄津贴 paid two months): what the termination notice is printed for.
    from doudi.cases.services.enrolment import create_enrolment, end_enrolment

    ended = create_enrolment(
        staff["county_reviewer"],
        household=household,
        person=head,
        programme="longevity_allowance",
        start_month=date(2025, 1, 1),
        monthly_amount=Decimal("50.00"),
        reason="年满80周岁",
    )
    slot.ended_enrolment = end_enrolment(
        staff["county_reviewer"], ended, last_month=date(2025, 2, 1), reason="复核不再符合条件"
    )
    # A second household of the slot with a case just submitted (a step others may try to take).
    second = registry.do_create_household(
        worker,
        region_code=village.code,
        head=PersonInput(
            id_number=make_id_number(address, date(1958, 2, 3), 950 + seq * 2 + 1),
            name=head_name[0] + "之" + head_name[1:],
            relation="head",
        ),
        members=[],
        address=f"{village.name}{seq}号附",
        joined_on=date(2020, 1, 1),
    )
    slot.open_case = walk.open(second, on=ON)
    return slot


def _csv_upload(key: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{key}.csv", "身份证号,姓名\n".encode(), content_type="text/csv")
