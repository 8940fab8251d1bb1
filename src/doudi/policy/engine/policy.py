"""The parameters in force for one region on one date, ready for calculation.

``resolve`` layers documents from province to county: for each parameter the most local document
with a value in force on the date wins, otherwise the catalogue default applies. The result is
checked for completeness and consistency, then frozen into ``Policy`` with the derived figures
(floors, supplement amounts, tekun standards, caps) computed once, so that assessing a million
households does no repeated Decimal arithmetic on parameters.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from .consistency import policy_consistency
from .documents import (
    AgeTier,
    Band,
    ParamEntry,
    PolicyDocument,
    default_value,
    document_from_mapping,
    document_to_dict,
    load_document,
    validate_document,
)
from .errors import PolicyError
from .money import TWELVE, ZERO, Rounding, show
from .parameters import OPTIONAL_PROGRAMMES, PROGRAMME_LABELS, SPEC_BY_KEY, SPECS

__all__ = [
    "AreaFigures",
    "Policy",
    "PolicyDocument",
    "PropertyRules",
    "document_from_mapping",
    "document_to_dict",
    "load_document",
    "resolve",
    "validate_document",
]

AREAS = ("urban", "rural")


@dataclass(frozen=True, slots=True)
class PropertyRules:
    """One programme's property test (§1.6, §9); ``None`` thresholds are not checked."""

    financial_assets_months: int | None
    financial_assets_income_multiple: Decimal | None
    max_vehicles: int | None
    vehicle_exempt_below: Decimal
    max_houses: int | None
    non_residential_allowed: bool
    max_business_capital: Decimal | None


@dataclass(frozen=True, slots=True)
class AreaFigures:
    """Figures that depend on urban/rural, precomputed once per policy."""

    dibao_standard: Decimal
    dibao_floor: Decimal  # per person, exact
    single_person_floor: Decimal
    supplements: Mapping[str, Decimal]  # category → rounded monthly amount per person
    disposable_income_annual: Decimal
    disposable_income_monthly: Decimal
    tekun_basic_living: Decimal
    near_dibao_line: Decimal
    phase_out_ceiling: Decimal | None
    temporary_cap: Decimal
    fast_grant_cap: Decimal
    employment_deduction: Decimal  # fixed per-earner deduction (standard/minimum-wage bases)
    employment_deduction_disabled: Decimal
    imputed_income: Decimal


@dataclass(frozen=True, slots=True)
class Policy:
    """Parameters for one region and date. Build it with ``resolve`` (or ``Policy.build``)."""

    region_code: str
    region_name: str
    on: date
    values: Mapping[str, Any]
    sources: Mapping[str, str]
    rounding: Rounding
    areas: Mapping[str, AreaFigures]
    tekun_care_home: tuple[Decimal, Decimal, Decimal]
    tekun_care_institution: tuple[Decimal, Decimal, Decimal]
    property_rules: Mapping[str, PropertyRules]
    dibao_exempt: frozenset[str]
    tekun_exempt: frozenset[str]
    de_facto_orphan_amount: Decimal
    remarks: tuple[str, ...] = ()  # shown at the top of the explanation: published forms, notes, thresholds off
    off_reasons: Mapping[str, str] | None = None  # parameter key → why the region switched the threshold off

    def __getitem__(self, key: str) -> Any:
        """Return a resolved parameter value by its catalogue key, e.g. ``policy["dibao.bands"]``."""
        return self.values[key]

    @property
    def bands(self) -> tuple[Band, ...]:
        return self.values["dibao.bands"] or ()

    @property
    def longevity_tiers(self) -> tuple[AgeTier, ...]:
        return self.values["longevity.tiers"] or ()

    @classmethod
    def build(
        cls,
        values: Mapping[str, Any],
        on: date,
        region_code: str = "",
        region_name: str = "",
        sources: Mapping[str, str] | None = None,
        remarks: Sequence[str] = (),
        off_reasons: Mapping[str, str] | None = None,
    ) -> Policy:
        """Return a policy from resolved values (defaults filled in); raise ``PolicyError``.

        Tests and simulations use this to vary one parameter without writing a document.
        """
        full: dict[str, Any] = {}
        problems: list[str] = []
        if values.get("dibao.standard") is not None:
            values = {**values, "dibao.standard_urban": values["dibao.standard"]}
            values["dibao.standard_rural"] = values["dibao.standard"]
        for spec in SPECS:
            if spec.key in values and values[spec.key] is not None:
                full[spec.key] = values[spec.key]
            else:
                full[spec.key] = default_value(spec)
                if spec.required and (
                    spec.programme not in OPTIONAL_PROGRAMMES or values.get(f"{spec.programme}.enabled", True)
                ):
                    problems.append(
                        f"缺少必需参数 {spec.key}（{spec.label}）：{region_name or region_code or '该地区'}"
                        f"在 {on.isoformat()} 没有有效值（规则 {spec.rule}）"
                    )
        if problems:
            raise PolicyError(problems)
        problems = policy_consistency(full, on)
        if problems:
            raise PolicyError(problems)
        frozen = _freeze(full, on, region_code, region_name, dict(sources or {}))
        return dataclasses.replace(frozen, remarks=tuple(remarks), off_reasons=dict(off_reasons or {}))


def resolve(documents: Sequence[PolicyDocument], on: date) -> Policy:
    """Return the policy in force on ``on`` for the last (most local) region in ``documents``.

    ``documents`` runs from province to county; a later document overrides an earlier one for
    every parameter it has a value for on that date. Raise ``PolicyError`` naming each missing or
    inconsistent parameter.
    """
    if not documents:
        raise PolicyError(["没有政策文件"])
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    entries: dict[str, tuple[PolicyDocument, ParamEntry]] = {}
    for doc in documents:
        for key in doc.params:
            entry = doc.entry_on(key, on)
            if entry is None:
                continue
            # One urban-rural standard and a split one replace each other: the more local wins.
            if key != "dibao.standard" and "dibao.standard" in values:
                # A split standard below a unified one: the other side keeps the unified figure.
                for side in ("dibao.standard_urban", "dibao.standard_rural"):
                    values[side], sources[side] = values["dibao.standard"], sources["dibao.standard"]
                    entries[side] = entries["dibao.standard"]
            for other in _REPLACES.get(key, ()):
                values.pop(other, None)
                sources.pop(other, None)
                entries.pop(other, None)
            values[key] = entry.value
            sources[key] = f"{doc.region_name}（{doc.region_code}）{entry.period_zh()}"
            entries[key] = (doc, entry)
    remarks: list[str] = []
    off_reasons: dict[str, str] = {}
    for key, (doc, entry) in entries.items():
        label = SPEC_BY_KEY[key].label
        if entry.off:
            off_reasons[key] = f"{doc.region_name}不设{label}：{entry.reason}"
            remarks.append(off_reasons[key])
        elif entry.per == "year":
            remarks.append(f"{label} {show(entry.value)} 元/月（公布为 {entry.published_zh}）")
        if entry.note:
            remarks.append(f"{label}：{entry.note}（{doc.region_name}）")
    if not any(d.level == "province" for d in documents):
        # A 直筒子 city or a region without a provincial document: only the programmes it publishes.
        published = {key.split(".", 1)[0] for key in values}
        for prog in OPTIONAL_PROGRAMMES:
            if prog not in published:
                values[f"{prog}.enabled"] = False
                remarks.append(f"本地区政策未规定{PROGRAMME_LABELS[prog]}，不做该项认定")
    last = documents[-1]
    try:
        return Policy.build(values, on, last.region_code, last.region_name, sources, remarks, off_reasons)
    except PolicyError:
        pending = [d for d in documents if d.effective and on < d.effective]
        if pending:
            raise PolicyError(
                [f"《{d.title_zh}》自 {d.effective.isoformat()} 起施行，{on.isoformat()} 尚未生效" for d in pending]
            ) from None
        raise


_REPLACES = {
    "dibao.standard": ("dibao.standard_urban", "dibao.standard_rural"),
    "dibao.standard_urban": ("dibao.standard",),
    "dibao.standard_rural": ("dibao.standard",),
}
_TEKUN_ROUNDING = {"up_1": ("1", "up"), "half_up_1": ("1", "half_up"), "up_0.1": ("0.1", "up")}


def _property(v: Mapping[str, Any], prog: str) -> PropertyRules:
    p = f"{prog}.property."
    return PropertyRules(
        financial_assets_months=v[p + "financial_assets_months"],
        financial_assets_income_multiple=v[p + "financial_assets_income_multiple"],
        max_vehicles=v[p + "max_vehicles"],
        vehicle_exempt_below=v[p + "vehicle_exempt_below"],
        max_houses=v[p + "max_houses"],
        non_residential_allowed=v[p + "non_residential_allowed"],
        max_business_capital=v[p + "max_business_capital"],
    )


def _freeze(v: dict[str, Any], on: date, code: str, name: str, sources: dict[str, str]) -> Policy:
    rounding = Rounding(Decimal(v["general.rounding_step"]), v["general.rounding_mode"])
    wage = v["general.minimum_wage"] or ZERO
    own = _TEKUN_ROUNDING.get(v["extreme_poverty.basic_living_rounding"])
    tekun_rounding = Rounding(Decimal(own[0]), own[1]) if own else rounding
    areas = {}
    for area in AREAS:
        std = v[f"dibao.standard_{area}"]
        method = v["extreme_poverty.basic_living_method"]
        if method == "amount":
            tekun = v[f"extreme_poverty.basic_living_{area}"] or ZERO
        elif method == "multiple":
            tekun = tekun_rounding(std * v["extreme_poverty.basic_living_multiple"])
        else:
            tekun = std + (v["extreme_poverty.basic_living_addition"] or ZERO)
            tekun = tekun_rounding(tekun) if own else tekun
        base = v["dibao.employment_deduction_base"]
        deduction_base = {"standard": std, "minimum_wage": wage}.get(base, ZERO)
        rate_disabled = v["dibao.employment_deduction_rate_disabled"]
        if rate_disabled is None:
            rate_disabled = v["dibao.employment_deduction_rate"]
        ceiling = v["dibao.phase_out_income_ceiling"]
        annual = v[f"general.disposable_income_{area}"]
        areas[area] = AreaFigures(
            dibao_standard=std,
            dibao_floor=std * v["dibao.minimum_payment_ratio"],
            single_person_floor=std * v["dibao.single_person_min_payment_ratio"],
            supplements={
                cat: rounding(std * v[f"dibao.supplement_{cat}"])
                for cat in ("serious_illness", "severe_disability", "elderly", "minor")
            },
            disposable_income_annual=annual,
            disposable_income_monthly=annual / TWELVE,
            tekun_basic_living=tekun,
            near_dibao_line=std * v["near_dibao.income_multiple"],
            phase_out_ceiling=None if ceiling is None else std * ceiling,
            temporary_cap=rounding(std * (v["temporary.cap_multiple"] or ZERO)),
            fast_grant_cap=rounding(std * v["temporary.fast_grant_multiple"]),
            employment_deduction=deduction_base * v["dibao.employment_deduction_rate"],
            employment_deduction_disabled=deduction_base * rate_disabled,
            imputed_income=wage * v["dibao.imputed_income_rate"],
        )

    def care(key: str) -> tuple[Decimal, Decimal, Decimal]:
        tiers = v[key] or (ZERO, ZERO, ZERO)
        if v["extreme_poverty.care_method"] == "minimum_wage_ratio":
            return tuple(rounding(wage * t) for t in tiers)  # type: ignore[return-value]
        return tuple(tiers)  # type: ignore[return-value]

    community = v["child_allowance.orphan_community"] or ZERO
    return Policy(
        region_code=code,
        region_name=name,
        on=on,
        values=v,
        sources=sources,
        rounding=rounding,
        areas=areas,
        tekun_care_home=care("extreme_poverty.care_home"),
        tekun_care_institution=care("extreme_poverty.care_institution"),
        property_rules={p: _property(v, p) for p in ("dibao", "extreme_poverty", "near_dibao", "rigid_expense")},
        dibao_exempt=frozenset(v["dibao.exempt_income"]),
        tekun_exempt=frozenset(v["extreme_poverty.exempt_income"]),
        de_facto_orphan_amount=rounding(community * v["child_allowance.de_facto_ratio"]),
    )
