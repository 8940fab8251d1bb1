"""The TOML writer the policy form saves through: its text pinned, and every sample read back equal.

``document_to_toml`` writes a policy document in the samples' layout. A document holding each kind
of value and entry (escaped text, per-year figures, dated entries with a note, a switched-off
threshold, 分档 bands, age tiers, lists, booleans, a numeric-looking choice) must be written exactly
as below, which is also the text it was read from; each sample file must read back to itself.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from ..documents import ParamEntry, load_document
from ..toml_writer import document_to_toml

SAMPLES = sorted((Path(__file__).resolve().parents[1] / "samples").glob("*.toml"))

CANONICAL = """\
[document]
region_code = "430981"
region_name = "沅江市"
level = "county"
title = "示例：\\"引号\\"、\\\\反斜杠\\n第二行"
source = "测试文件"
effective = 2025-01-01

[general]
rounding_step = "0.1"
rounding_mode = "half_up"
exempt_vehicle_kinds = ["motorcycle", "disability_vehicle"]
payroll_change_tolerance = 0.25

[dibao]
standard_urban = [
  { from = 2024-01-01, to = 2024-12-31, value = 700, note = "2024 年标准" },
  { to = 2025-06-30, value = 740 },
  { from = 2025-07-01, value = 9000, per = "year" },
]
standard_rural = 485
bands = [{ below = 0.5, pay = 0.6 }, { below = 1, pay = 0.3 }]
deduct_medical_costs = true
rural_not_above_urban = false
refusal_limit = 3
phase_out_taper = [
  { from = 2025-03-01, value = [0.5, 0.25] },
]

[dibao.property]
max_vehicles = [
  { to = 2025-06-30, value = 2 },
  { from = 2025-07-01, off = true, reason = "本县不限车辆数量" },
]

[longevity]
tiers = [{ min_age = 80, max_age = 89, amount = 50 }, { min_age = 90, amount = 100, means_test = true }]
"""


def test_every_kind_of_value_is_written_in_the_samples_layout():
    doc = load_document(CANONICAL)
    assert document_to_toml(doc) == CANONICAL


@pytest.mark.parametrize("path", SAMPLES, ids=lambda p: p.name)
def test_each_sample_reads_back_equal(path):
    doc = load_document(path.read_text(encoding="utf-8"))
    assert load_document(document_to_toml(doc)) == doc


def test_a_document_without_title_source_or_effective_date():
    text = '[document]\nregion_code = "430000"\nregion_name = "湖南省"\nlevel = "province"\n'
    text += "\n[dibao]\nstandard_urban = 740\n"
    assert document_to_toml(load_document(text)) == text


def test_values_built_by_the_form_rather_than_read_from_a_file():
    # The form editor builds entries itself: a Decimal in exponent form, a choice held as a Decimal,
    # a parameter left with no entry, an open entry followed by a later one.
    doc = load_document(CANONICAL)
    params = {
        "general.minimum_wage": (),
        "general.rounding_step": (ParamEntry(Decimal("0.1")),),
        "dibao.standard_urban": (ParamEntry(Decimal("1E+3")),),
        "dibao.standard_rural": (ParamEntry(Decimal("485")), ParamEntry(Decimal("500"), valid_from=date(2026, 1, 1))),
    }
    text = document_to_toml(replace(doc, params=params))
    assert text.split("\n\n", 1)[1] == (
        '[general]\nrounding_step = "0.1"\n\n[dibao]\nstandard_urban = 1000\n'
        "standard_rural = [\n  { value = 485 },\n  { from = 2026-01-01, value = 500 },\n]\n"
    )
