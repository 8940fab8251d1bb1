"""Printable documents of a case, as PDFs with an embedded CJK font (``fonts``).

- ``missing_materials_pdf``: 一次性告知书 (every missing paper at once);
- ``public_notice_pdf``: the notice board of one village (name, household size and amount only;
  minors' cases are never posted, rules.md §1.8, §2.3);
- ``decision_pdf``: the decision notice, approval or refusal with reasons and the appeal rights;
- ``termination_pdf``: 停止社会救助决定书, the notice that an enrolment ended (review or change case),
  with the last month paid, the reason and the same appeal rights.
"""

from doudi.cases.pdf.documents import (
    Termination,
    decision_pdf,
    missing_materials_pdf,
    public_notice_pdf,
    termination_pdf,
)
from doudi.cases.pdf.fonts import PdfFontMissing

__all__ = [
    "PdfFontMissing",
    "Termination",
    "decision_pdf",
    "missing_materials_pdf",
    "public_notice_pdf",
    "termination_pdf",
]
