"""A policy document as JSON (``document_to_dict``): the shape the simulation's scenarios edit.

The what-if simulation (``doudi.policy.simulation.scenario``) turns a document into this data,
changes values and reads it back, so the shape is pinned whole: parameters nested by programme,
dated entries with ``from``/``to``/``note``, amounts as strings and 分档 bands as ``below``/``pay``.
"""

from ..documents import document_from_mapping, document_to_dict, load_document

BANDED = """
[document]
region_code = "430981"
region_name = "沅江市"
level = "county"
title = "分档试行"
source = "沅民发〔2025〕1号"
effective = 2025-01-01

[dibao]
bands = [{below = "0.5", pay = "1"}, {below = "1", pay = "0.6"}]
standard_urban = [{value = 740, to = 2025-06-30}, {from = 2025-07-01, value = 760, note = "调标"}]
"""


def test_document_to_dict_nests_parameters_and_writes_bands():
    doc = load_document(BANDED)
    assert document_to_dict(doc) == {
        "document": {
            "region_code": "430981",
            "region_name": "沅江市",
            "level": "county",
            "title": "分档试行",
            "source": "沅民发〔2025〕1号",
            "effective": "2025-01-01",
        },
        "dibao": {
            "bands": [{"value": [{"below": "0.5", "pay": "1"}, {"below": "1", "pay": "0.6"}]}],
            "standard_urban": [
                {"value": "740", "to": "2025-06-30"},  # from = effective: not repeated
                {"value": "760", "note": "调标", "from": "2025-07-01"},
            ],
        },
    }
    assert document_from_mapping(document_to_dict(doc)) == doc
