"""Control characters: text keeps a tab, multi-line text keeps tab and line breaks; every
other control character, NUL included, is a per-field 422 (PostgreSQL cannot store a NUL,
and spreadsheets break on a vertical tab), in values, filters, searches and definitions."""

import json

import pytest
from sqlalchemy import text

from brickwork.platform.db import transaction
from tests.engines.form.helpers import APP, field, form, publish, records


@pytest.fixture
def notes(api):
    sub = field("s", "subform", "lines", fields=[field("s1", "textarea", "memo")])
    assert publish(api, form("notes", field("t", "text", "title"), field("m", "textarea", "body"),
                             field("n", "number", "amount"), sub)).status_code == 200
    return api


def test_text_keeps_tab_and_multi_line_text_keeps_line_breaks(notes):
    made = notes.post(records("notes"), json={"title": "a\tb", "body": "one\r\ntwo\tthree",
                                              "lines": [{"memo": "x\ny"}]})
    assert made.status_code == 201, made.text
    got = made.json()
    assert (got["title"], got["body"], got["lines"][0]["memo"]) == ("a\tb", "one\r\ntwo\tthree", "x\ny")


@pytest.mark.parametrize("body", [
    {"title": "a\x00b"}, {"title": "line\nbreak"}, {"title": "v\x0btab"}, {"body": "nul\x00"},
    {"body": "bell\x07"}, {"body": "del\x7f"}, {"amount": "1\x00"},
])
def test_other_control_characters_are_a_422_naming_the_field(notes, body):
    response = notes.post(records("notes"), json=body)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert error["field"] == next(iter(body)) and error["code"] == "control_character"
    assert "U+00" in error["message"]


def test_a_sub_form_cell_is_refused_at_its_row_and_column(notes):
    response = notes.post(records("notes"), json={"lines": [{"memo": "ok"}, {"memo": "bad\x00"}]})
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("lines[1].memo", "control_character")]


def test_a_nul_in_a_filter_search_or_picker_search_is_a_422(notes):
    list_url = records("notes")
    bad_filter = json.dumps({"fn": "=", "args": [{"ref": "title"}, {"lit": "a\x00", "type": "text"}]})
    for params, name in (({"filter": bad_filter}, "filter"), ({"q": "a\x00b"}, "q")):
        response = notes.get(list_url, params=params)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == name
    response = notes.get(f"{APP}/forms/notes/records:pick", params={"q": "\x00"})
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "q"


def test_a_label_with_a_control_character_or_a_nul_anywhere_is_refused(notes):
    definition = form("other", field("t", "text", "title"))
    definition["label"] = {"en": "Two\nlines"}
    response = notes.put(f"{APP}/forms/other", json=definition)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$.label.en"
    definition = form("other", field("t", "text", "title", description={"en": "a\x00"}))
    response = notes.put(f"{APP}/forms/other", json=definition)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "$.fields[0].description.en"


def test_an_old_value_with_a_vertical_tab_still_exports(notes, sessions):
    made = notes.post(records("notes"), json={"title": "before"}).json()
    with transaction(sessions) as s:  # written before values were checked
        table = next(name for name in s.connection().dialect.get_table_names(s.connection())
                     if name.endswith("notes") and not name.startswith("v"))
        s.execute(text(f'UPDATE "{table}" SET f_t = :v WHERE id = :id'), {"v": "a\x0bb\x01", "id": made["id"]})
    for fmt in ("xlsx", "csv"):
        response = notes.get(records("notes") + ":export", params={"format": fmt})
        assert response.status_code == 200, fmt
    from tests.engines.form.transfer.files import read_xlsx

    sheet = read_xlsx(notes.get(records("notes") + ":export", params={"format": "xlsx"}).content)
    assert sheet[1][0] == "a\u240bb\u2401"


def test_app_and_saved_view_texts_refuse_them_too(notes):
    for body, where in (({"description": {"en": "a\x00"}}, "description.en"), ({"icon": "\x00"}, "icon")):
        response = notes.post("/api/v1/apps", json={"key": "other", "label": {"en": "Other"}, **body})
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == where
    views = f"{APP}/forms/notes/views"
    for body, where in (({"name": "a\x00"}, "name"), ({"name": "ok", "config": {"search": "\x00"}}, "config.search")):
        response = notes.post(views, json=body)
        assert response.status_code == 422 and response.json()["errors"][0]["field"] == where
    assert notes.post(views, json={"name": "ok"}).status_code == 201
