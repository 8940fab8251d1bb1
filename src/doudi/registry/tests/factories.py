"""Registry factories: valid ID numbers on real region codes, built through the services."""

from __future__ import annotations

import itertools
from datetime import date

from doudi.accounts.roles import Role
from doudi.accounts.tests.factories import UserFactory
from doudi.registry.identity import make_id_number
from doudi.registry.models import Household
from doudi.registry.services import do_create_household
from doudi.registry.validation import PersonInput

_seq = itertools.count(1)


def id_number(birth: date = date(1980, 5, 17), *, male: bool = True, address: str = "430981") -> str:
    """Return a fresh valid ID number (sequence numbers never repeat within a test run)."""
    n = next(_seq) * 2 % 1000
    return make_id_number(address, birth, n + 1 if male else n)


def person_input(
    name: str = "张三", relation: str = "head", birth: date = date(1980, 5, 17), *, male: bool = True, **extra
) -> PersonInput:
    return PersonInput(id_number=id_number(birth, male=male), name=name, relation=relation, **extra)


def household(region, *, actor=None, members: int = 0, head_name: str = "张三", **extra) -> Household:
    """Create a household with a head and ``members`` children, as a village worker would."""
    actor = actor or UserFactory(role=Role.ADMINISTRATOR, region=region)
    kids = [
        person_input(f"张{'一二三四五六七八九'[i]}", "child", date(2010 + i, 3, 1), male=i % 2 == 0)
        for i in range(members)
    ]
    return do_create_household(
        actor, region_code=region.code, head=person_input(head_name), members=kids, address="测试地址1号", **extra
    )
