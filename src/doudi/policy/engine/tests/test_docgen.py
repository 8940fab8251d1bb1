from pathlib import Path

import pytest

from .. import docgen
from ..docgen import BEGIN, END, render, update
from ..parameters import REQUIRED, SPECS, ParamSpec

DOC = Path(__file__).resolve().parents[5] / "docs" / "policy-format.md"


def test_parameter_reference_is_in_step_with_the_catalogue():
    """docs/policy-format.md lists every parameter as parameters.py defines it (regenerate with docgen)."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert section == render()
    for spec in SPECS:
        assert f"`{spec.key}`" in section


# The generator itself, on a small made-up catalogue: every kind of default, options with and without
# labels, and the characters a Markdown table cell cannot hold.
CATALOGUE = [
    ParamSpec("x.a", "甲", "choice", "元|月", REQUIRED, "§1|§2", "一行\n二行", ("on", "off"), {"on": "开"}),
    ParamSpec("x.b", "乙", "choice", "", None, "§3", "说明", ("p", "q")),
    ParamSpec("x.c", "丙", "categories", "人", ("a", "b"), "§4", "类", ("a", "b"), {"a": "甲类", "b": "乙类"}),
    ParamSpec("x.d", "丁", "categories", "", (), "§5", "无标签", ("a",)),
    ParamSpec("x.e", "戊", "bool", "", True, "§6", "开关"),
    ParamSpec("x.f", "己", "bool", "", False, "§7", "关"),
    ParamSpec("x.g", "庚", "int", "个月", 3, "§8", "月数"),
]
HEADER = ["| 参数 | 名称与含义 | 单位 | 默认值 | 规则出处 |", "|---|---|---|---|---|"]
RENDERED = "\n".join(
    [
        BEGIN,
        "",
        "### 测试（`[x]`）",
        "",
        *HEADER,
        "| `x.a` | **甲**：一行 二行 可选：`on` 开；`off`  | 元／月 | **必填** | §1／§2 |",
        "| `x.b` | **乙**：说明 可选：`p`、`q` | — | 不设 | §3 |",
        '| `x.c` | **丙**：类 可选：`a` 甲类；`b` 乙类 | 人 | ["a", "b"] | §4 |',
        "| `x.d` | **丁**：无标签 | — | [] | §5 |",
        "| `x.e` | **戊**：开关 | — | true | §6 |",
        "| `x.f` | **己**：关 | — | false | §7 |",
        "| `x.g` | **庚**：月数 | 个月 | `3` | §8 |",
        "",
        "### 空（`[y]`）",
        "",
        *HEADER,
        "",
        END,
    ]
)


@pytest.fixture
def catalogue(monkeypatch):
    monkeypatch.setattr(docgen, "SPECS", CATALOGUE)
    monkeypatch.setattr(docgen, "PROGRAMME_LABELS", {"x": "测试", "y": "空"})


def test_render_writes_each_kind_of_parameter(catalogue):
    assert render() == RENDERED


def test_update_replaces_only_the_first_generated_section(catalogue, tmp_path):
    doc = tmp_path / "policy-format.md"
    later = f"后记：{BEGIN}\n另一段\n{END}\n"
    doc.write_text(f"前言\n{BEGIN}\n旧表\n{END}\n中间\n{later}", encoding="utf-8")
    assert update(doc) is True
    assert doc.read_text(encoding="utf-8") == f"前言\n{RENDERED}\n中间\n{later}"
    assert update(doc) is False
    assert doc.read_text(encoding="utf-8") == f"前言\n{RENDERED}\n中间\n{later}"
