"""The demo users: one per role, on the demo county 沅江市 (430981) of 益阳市, 湖南省."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from doudi.accounts.models import User
from doudi.accounts.roles import Role
from doudi.regions.models import Region, pad_code

DEMO_PASSWORD = "doudi2025!"


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str
    region_code: str


DEMO_USERS = (
    DemoUser("village_worker", "李专干", Role.VILLAGE_WORKER, "430981114201"),  # 草尾镇立新村
    DemoUser("village_worker3", "吴专干", Role.VILLAGE_WORKER, "430981114201"),  # 草尾镇立新村：第二调查人
    DemoUser("village_worker2", "周专干", Role.VILLAGE_WORKER, "430981006001"),  # 琼湖街道韩家汊社区
    DemoUser("township_officer", "王经办", Role.TOWNSHIP_OFFICER, "430981114"),  # 草尾镇
    DemoUser("county_reviewer", "张审核", Role.COUNTY_REVIEWER, "430981"),  # 沅江市
    DemoUser("county_finance", "钱财务", Role.COUNTY_FINANCE, "430981"),  # 沅江市：发放名册的审批人
    DemoUser("city_supervisor", "陈监管", Role.CITY_SUPERVISOR, "4309"),  # 益阳市
    DemoUser("auditor", "刘审计", Role.AUDITOR, "430981"),
    DemoUser("admin", "赵管理", Role.ADMINISTRATOR, "43"),  # 湖南省
)


@transaction.atomic
def ensure_demo_users(password: str = DEMO_PASSWORD) -> list[User]:
    """Create (or reset) the demo users; needs the regions loaded first."""
    users = []
    for spec in DEMO_USERS:
        region = Region.objects.get(code=pad_code(spec.region_code))
        user, _ = User.objects.get_or_create(username=spec.username)
        user.full_name, user.role, user.region = spec.full_name, spec.role, region
        user.is_staff = spec.role == Role.ADMINISTRATOR
        user.is_superuser = spec.role == Role.ADMINISTRATOR
        user.set_password(password)
        user.save()
        users.append(user)
    return users
