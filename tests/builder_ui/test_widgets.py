"""Every field type has an input that a person can fill in, labelled in their language."""

from html.parser import HTMLParser

import pytest

from brickwork.builder_ui.widgets import render_field
from brickwork.engines.form.definition import FieldDef
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.platform.i18n import current_locale

OPTIONS = [{"id": "a", "label": {"en": "Alpha", "zh-CN": "甲"}}, {"id": "b", "label": {"en": "Beta", "zh-CN": "乙"}}]
LINE_FIELDS = [{"id": "l1", "key": "product", "label": {"en": "Product", "zh-CN": "产品"}, "type": "text"},
               {"id": "l2", "key": "qty", "label": {"en": "Quantity", "zh-CN": "数量"}, "type": "number",
                "default": "1"}]
SETTINGS = {"select": {"options": OPTIONS}, "multiselect": {"options": OPTIONS}, "relation": {"target": "customers"},
            "subform": {"fields": LINE_FIELDS}, "formula": {"formula": "1 + 2"},
            "rollup": {"source": "lines", "aggregate": "count"}, "lookup": {"relation": "customer", "field": "phone"}}
VALUES = {"text": "Acme", "textarea": "a\nb", "number": "12.50", "money": "19.90", "percent": "12.50",
          "date": "2024-07-01", "datetime": "2024-07-01T01:30:00Z", "boolean": True, "select": "b",
          "multiselect": ["a"], "user": 3, "department": 4, "phone": "+8613800138000", "email": "li@x.com",
          "url": "https://x.com", "region": {"province": "330000", "city": "330100"}, "rating": 4,
          "attachment": ["f1"], "image": ["f2"], "autonumber": "KH-0001", "relation": 7,
          "subform": [{"id": 5, "product": "Pen", "qty": "3"}], "formula": "3.00", "rollup": "2",
          "lookup": "+8613800138000"}


class Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.controls: list[dict] = []
        self.labels: list[str] = []
        self._in_label = False

    def handle_starttag(self, tag, attrs):
        if tag in ("input", "select", "textarea", "output"):
            self.controls.append({"tag": tag, **dict(attrs)})
        self._in_label = tag == "label"

    def handle_data(self, data):
        if self._in_label and data.strip():
            self.labels.append(data.strip())


def parsed(html: str) -> Inputs:
    parser = Inputs()
    parser.feed(html)
    return parser


@pytest.mark.parametrize("kind", sorted(REGISTRY))
def test_every_type_renders_a_labelled_input_with_its_value(kind):
    field = FieldDef(id="f1", key="thing", label={"en": "Thing", "zh-CN": "东西"}, type=kind, **SETTINGS.get(kind, {}))
    token = current_locale.set("zh-CN")
    try:
        html = str(render_field(field, VALUES[kind], ["此项必填。"]))
    finally:
        current_locale.reset(token)
    inputs = parsed(html)
    assert inputs.labels[0] == "东西"
    assert inputs.controls, kind
    assert "此项必填。" in html
    ids = {c.get("id") for c in inputs.controls}
    assert any(f'for="{i}"' in html for i in ids if i), "the label points at the input"


def test_values_and_labels_are_escaped():
    field = FieldDef(id="f1", key="name", label={"en": "<script>alert(1)</script>"}, type="text")
    html = str(render_field(field, '"><img src=x onerror=alert(1)>'))
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;" in html


def test_choices_show_what_is_chosen():
    field = FieldDef(id="f1", key="level", label={"en": "Level"}, type="select", options=OPTIONS)
    chosen = [c for c in parsed(str(render_field(field, "b"))).controls if c["tag"] == "select"]
    assert chosen and '<option value="b" selected>' in str(render_field(field, "b"))
