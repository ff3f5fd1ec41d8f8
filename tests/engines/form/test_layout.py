import pytest
from pydantic import ValidationError

from brickwork.engines.form.definition import FormDefinition
from brickwork.engines.form.layout import rows
from tests.engines.form.helpers import field, form


def definition(layout, sections=(), fields=("a", "b", "c", "d")):
    return FormDefinition.model_validate(form("orders", *(field(f, "text") for f in fields), layout=layout,
                                              sections=[{"id": s, "label": {"en": s.upper()}} for s in sections]))


def shape(result):
    return [r.section.id if r.section else [f.id for f in r.fields] for r in result]


def test_rows_follow_the_layout_and_unplaced_fields_come_last():
    d = definition([["s1"], ["b", "a"]], sections=["s1"])
    assert shape(rows(d)) == ["s1", ["b", "a"], ["c"], ["d"]]


def test_hidden_fields_leave_their_row_and_an_emptied_row_goes():
    d = definition([["a", "b"], ["c"]])
    assert shape(rows(d, visible={"a", "d"})) == [["a"], ["d"]]


@pytest.mark.parametrize(("layout", "sections", "message"), [
    ([["a", "b", "c", "d"]], [], "one to three"),
    ([["a"], ["a"]], [], "twice"),
    ([["zz"]], [], "unknown element"),
    ([["s1", "a"]], ["s1"], "stands alone"),
    ([[]], [], "one to three"),
])
def test_a_broken_layout_is_refused(layout, sections, message):
    with pytest.raises(ValidationError, match=message):
        definition(layout, sections)


def test_a_section_may_not_take_a_field_id():
    with pytest.raises(ValidationError, match="share the id"):
        definition([], sections=["a"])
