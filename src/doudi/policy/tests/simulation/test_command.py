"""``doudi simulate`` prints a Chinese summary or JSON, writes the list, and refuses bad input in Chinese."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from doudi.policy.models import AssessmentRecord


def _run(*args) -> str:
    out = StringIO()
    call_command("simulate", "--region", "430981", "--date", "2025-08-01", *args, stdout=out)
    return out.getvalue()


RAISE = ("--from", "2025-07-01", "--set", "dibao.standard_urban=760", "--set", "extreme_poverty.basic_living_urban=988")


def test_summary_in_chinese_and_csv(households, tmp_path):
    path = tmp_path / "changed.csv"
    text = _run(*RAISE, "--csv", str(path))
    assert "新进入 1 户，退出 0 户，金额或层级变化 1 户，不变 1 户" in text
    assert "差额 +70.00 元" in text and "琼湖街道" in text and "最低生活保障" in text
    assert households.changing.number in path.read_text(encoding="utf-8-sig")
    assert AssessmentRecord.objects.count() == 0


def test_json_output(households):
    data = json.loads(_run(*RAISE, "--json"))
    assert data["counts"] == {"enter": 1, "leave": 0, "change": 1, "unchanged": 1}
    assert data["monthly_cost"]["difference"] == "70.00" and data["region"]["code"] == "430981"


def test_a_user_is_limited_to_their_scope(households, users):
    with pytest.raises(CommandError, match="不存在或不在您的管辖范围内"):
        _run(*RAISE, "--user", users["foreign_county_reviewer"].username)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--set", "dibao.standard_urban=-5"), "金额不能为负数"),
        (("--set", "nonsense=1"), "未知参数 nonsense"),
        (("--set", "dibao.standard_urban=760"), "extreme_poverty.basic_living_urban"),
        (("--from", "2025-13-01", "--set", "dibao.standard_urban=760"), "不是有效日期"),
    ],
)
def test_bad_input_is_refused_in_chinese(households, args, message):
    with pytest.raises(CommandError, match=message):
        _run(*args)


def test_a_draft_is_simulated_and_stays_a_draft(households, users, published):
    from doudi.policy import services
    from doudi.policy.tests.conftest import with_urban_standard

    draft = services.do_create_draft(
        users["county_reviewer"], region_code="430981", content=with_urban_standard(published["yuanjiang"].content, 760)
    )
    data = json.loads(_run("--draft", str(draft.pk), "--json"))
    assert data["counts"]["enter"] == 1 and data["scenario"]["drafts"][0]["id"] == draft.pk
    draft.refresh_from_db()
    assert draft.status == "draft"
