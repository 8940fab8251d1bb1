"""What a person reads on a page: the visible text of an HTML answer and the words that must not be in it.

Visible text is the text outside ``<script>``/``<style>`` and outside the policy file's advanced view
(``<code>`` and elements of class ``code``: the TOML as it is written, which the issue keeps available
beside the form, each key next to its Chinese label), plus the attributes a browser shows
(``title``, ``placeholder``, ``alt``, ``aria-label``, and the ``value`` of buttons). Options of a
select are text like any other.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

# ASCII words a Chinese reader meets on purpose, each with why it stays:
ALLOWED = {
    "PDF": "the file format named on download links (the reader's program is called so)",
    "XLSX": "the spreadsheet format offered for export and import",
    "CSV": "the plain-text table format offered for import and export",
    "TOML": "the policy file format of the advanced view, as the policy files are written",
    "API": "接口令牌 pages name the interface the bureau's other systems call",
    "doudi": "the product's name",
    "JSON": "the format the API answers in, named on the token page",
    "Excel": "the spreadsheet program the staff open exports with (导出 Excel)",
    "JPG": "the photo format a phone uploads, named on the upload field",
    "PNG": "the image format named on the upload field",
    "MB": "the unit of the upload size limit",
    "UTF": "the encoding (UTF-8) the import page asks a CSV to be saved in",
    "GBK": "the other encoding the import page accepts (what Chinese Excel saves)",
    "IP": "the login records name the network address a sign-in came from (IP 地址), as IT staff call it",
    "X": "the ID number's check digit is written X (430***********069X)",
    "Parquet": "the columnar file format department feeds may be uploaded in (as the data bureaus call it)",
}
# A token with a digit is an identifier people use as data (an example 家庭标识 H001), not a word.
DATA_TOKEN = re.compile(r"[0-9]")
# A word starts after no letter or digit: letters glued to digits before them ("661770ef", a token's
# random prefix) are part of a data token like the words DATA_TOKEN passes.
WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z][A-Za-z0-9_]*")
CODE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
DJANGO_DEFAULTS = (
    "This field is required",
    "Select a valid choice",
    "Enter a valid",
    "Ensure this value",
    "---------",
    "Forbidden",
    "Not Found",
    "Server Error",
)
SHOWN_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")


class _Visible(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden_tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style", "template", "code") or "code" in (attrs.get("class") or "").split():
            self._hidden_tags.append(tag)
            return
        if self._hidden_tags:
            return
        for name in SHOWN_ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if (tag == "button" or (tag == "input" and attrs.get("type") in ("submit", "button", "reset"))) and attrs.get(
            "value"
        ):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if self._hidden_tags and tag == self._hidden_tags[-1]:
            self._hidden_tags.pop()

    def handle_data(self, data):
        if not self._hidden_tags and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _Visible()
    parser.feed(html)
    return "\n".join(parser.parts)


def problems_in(text: str, *, ignore: tuple[str, ...] = ()) -> list[str]:
    """Return each raw code, English word or Django default text of ``text`` with its line.

    ``ignore`` holds strings that are data a person typed or chose (a login name, an uploaded
    file's name) and are removed before the check.
    """
    found: list[str] = []
    for line in text.splitlines():
        clean = line
        for value in ignore:
            if value:
                clean = clean.replace(value, " ")
        for default in DJANGO_DEFAULTS:
            if default in clean:
                found.append(f"Django default “{default}” in: {line[:160]}")
        for code in CODE.findall(clean):
            found.append(f"raw code “{code}” in: {line[:160]}")
        for word in WORD.findall(clean):
            if word in ALLOWED or "_" in word or DATA_TOKEN.search(word):
                continue
            found.append(f"English word “{word}” in: {line[:160]}")
    return found
