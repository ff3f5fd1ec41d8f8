"""What the designer calls things: every field type has a name in both languages."""

import pytest

from brickwork.builder_ui.designer_data import palette, type_names
from brickwork.engines.form.fieldtypes import REGISTRY
from brickwork.platform.i18n import current_locale


@pytest.mark.parametrize("locale", ["en", "zh-CN"])
def test_every_field_type_has_a_name_in_the_users_language(locale):
    token = current_locale.set(locale)
    try:
        names = type_names()
        shown = {t["type"]: t["name"] for group in palette() for t in group["types"]}
    finally:
        current_locale.reset(token)
    assert set(REGISTRY) <= set(names)
    for type_, name in shown.items():
        assert name != type_, f"{type_} is shown by its key"
    if locale == "zh-CN":
        assert shown["subform"] == "子表单（明细行）"
