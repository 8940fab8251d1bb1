"""The ``assess`` and ``load_policies`` commands: good input prints a result, bad input a clear error."""

import json

import pytest
from django.core.management import CommandError, call_command

from doudi.policy.management.commands.load_policies import SAMPLES
from doudi.policy.models import PolicyVersion
from doudi.regions.models import Level, Region, pad_code

HOUSEHOLD = {
    "as_of": "2025-06-01",
    "area_type": "rural",
    "members": [{"person_id": "1", "name": "李大山", "birth_date": "1950-04-01", "relation": "applicant"}],
}


def test_assess_prints_the_result_as_json(published, tmp_path, capsys):
    path = tmp_path / "household.json"
    path.write_text(json.dumps(HOUSEHOLD), encoding="utf-8")
    call_command("assess", str(path), "--region", "430981")
    out = json.loads(capsys.readouterr().out)
    assert out["region_code"] == "430981"
    assert [v["region"] for v in out["policy_versions"]] == ["430000", "430900", "430981"]
    assert any("农村低保标准 485.00 元" in s["text_zh"] for p in out["programmes"] for s in p["steps"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "找不到文件"),
        ("{not json", "JSON 格式错误：第 1 行"),
        (json.dumps({**HOUSEHOLD, "members": [{"person_id": "1", "birth_date": "1950-13-01"}]}), "出生日期"),
        (json.dumps({**HOUSEHOLD, "area_type": "suburban"}), "家庭信息有误"),
    ],
)
def test_assess_refuses_bad_input_with_a_clear_message(published, tmp_path, content, message):
    path = tmp_path / "household.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("assess", str(path), "--region", "430981")


def test_assess_names_a_region_without_policy_and_a_bad_date(published, tmp_path):
    path = tmp_path / "household.json"
    path.write_text(json.dumps(HOUSEHOLD), encoding="utf-8")
    Region.objects.create(code=pad_code("110101"), name="东城区", full_name="北京市东城区", level=Level.COUNTY)
    with pytest.raises(CommandError, match="没有已发布的救助政策参数"):
        call_command("assess", str(path), "--region", "110101")
    # A code that is no region is named as such, not as a region without policy.
    with pytest.raises(CommandError, match="地区代码：行政区划代码 439999 不存在"):
        call_command("assess", str(path), "--region", "439999")
    with pytest.raises(CommandError, match="--date"):
        call_command("assess", str(path), "--region", "430981", "--date", "2025-02-30")


def test_load_policies_is_idempotent_and_refuses_a_bad_file(regions, tmp_path, capsys):
    call_command("load_policies")
    call_command("load_policies")
    assert PolicyVersion.objects.count() == 3
    assert "未变化" in capsys.readouterr().out
    bad = tmp_path / "bad.toml"
    bad.write_text(
        (SAMPLES / "430981_yuanjiang.toml").read_text(encoding="utf-8").replace("value = 485 }", "value = -1 }")
    )
    with pytest.raises(CommandError, match=r"bad\.toml.*standard_rural"):
        call_command("load_policies", str(bad))
    assert PolicyVersion.objects.count() == 3
