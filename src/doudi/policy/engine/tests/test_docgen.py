from pathlib import Path

from ..docgen import BEGIN, END, render
from ..parameters import SPECS

DOC = Path(__file__).resolve().parents[5] / "docs" / "policy-format.md"


def test_parameter_reference_is_in_step_with_the_catalogue():
    """docs/policy-format.md lists every parameter as parameters.py defines it (regenerate with docgen)."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert section == render()
    for spec in SPECS:
        assert f"`{spec.key}`" in section
