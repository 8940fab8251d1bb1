"""Households of an area the scenario does not touch are assessed once, with the same result as twice."""

import re
from pathlib import Path

from django.utils import timezone

import doudi.policy.engine as engine
from doudi.policy.simulation.assess import AREA_KEYS, assess_batch, unaffected_area
from doudi.policy.simulation.extract import chunks
from doudi.policy.simulation.scenario import Policies, Scenario, parse_overrides
from doudi.policy.tests.simulation.conftest import ON, RAISE, START

# Modules that turn area parameters into Policy.areas (or check or document them); no other may read them.
AREA_PARAMETER_MODULES = {"policy.py", "consistency.py", "parameters.py", "docgen.py", "documents.py"}


def test_the_engine_reads_urban_and_rural_parameters_only_when_building_the_policy():
    keys = sorted(AREA_KEYS["urban"] | AREA_KEYS["rural"])
    pattern = re.compile("|".join([*map(re.escape, keys), r"_\{area", r"_urban\b", r"_rural\b", r"area_type\}"]))
    offenders = [
        path.name
        for path in Path(engine.__file__).parent.glob("*.py")
        if path.name not in AREA_PARAMETER_MODULES and pattern.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "the simulation's per-area shortcut (unaffected_area) assumes no such read"


def _pair(*overrides, start=START):
    return Policies(Scenario(on=ON, overrides=parse_overrides(overrides), start=start)).pair("430981")


def test_an_urban_change_leaves_rural_households_alone(published):
    pair = _pair(*RAISE)
    assert unaffected_area(pair.baseline, pair.scenario) == 1
    pair = _pair("dibao.standard_rural=500", "extreme_poverty.basic_living_rural=650")
    assert unaffected_area(pair.baseline, pair.scenario) == 0
    pair = _pair("dibao.minimum_payment_ratio=0.3")
    assert unaffected_area(pair.baseline, pair.scenario) == -1
    pair = _pair(*RAISE, "near_dibao.income_multiple=2")
    assert unaffected_area(pair.baseline, pair.scenario) == -1


def test_assessing_once_gives_the_result_of_assessing_twice(households, varied):
    pair = _pair(*RAISE)
    for chunk in chunks("430981", ON, timezone.now()):
        short = assess_batch(chunk, ON, {430981: (pair.baseline, pair.scenario, 1)})
        full = assess_batch(chunk, ON, {430981: (pair.baseline, pair.scenario, -1)})
        assert short.equals(full)
        assert (chunk.households["area"] == 1).any()
