"""A big export reports its progress line by line, then hands its file over once, to the
person who asked for it."""

import json

from brickwork.platform.db import transaction
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from tests.engines.form.helpers import field, form, publish, records
from tests.engines.form.transfer.files import read_xlsx


def _lines(response) -> list[dict]:
    return [json.loads(line) for line in response.text.splitlines()]


def test_a_streamed_export_reports_progress_then_downloads_once(api, client, sessions):
    publish(api, form("deals", field("d1", "text", "name"), field("d2", "number", "amount")))
    for start in (0, 300):
        rows = [{"name": f"deal {i}", "amount": i} for i in range(start, start + 300)]
        assert api.post(records("deals") + ":bulk", json={"records": rows}).status_code == 201
    answer = api.get(records("deals") + ":export", params={
        "stream": 1, "format": "xlsx", "sort": "-amount", "fields": "amount,name",
        "filter": json.dumps({"fn": ">=", "args": [{"ref": "amount"}, {"lit": 50, "type": "number"}]})})
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/x-ndjson"
    lines = _lines(answer)
    assert lines[0] == {"done": 500, "total": 550}
    assert lines[-1]["done"] == 550 and lines[-1]["name"].endswith(".xlsx")
    sheet = read_xlsx(api.get(lines[-1]["download"]).content)
    assert sheet[0] == ["Amount", "Name"] and len(sheet) == 551
    assert sheet[1] == [599, "deal 599"] and isinstance(sheet[1][0], int)
    assert api.get(lines[-1]["download"]).status_code == 404  # handed over once

    again = _lines(api.get(records("deals") + ":export", params={"stream": 1, "format": "csv"}))[-1]
    with transaction(sessions) as s:
        create_user(s, "other", "password-1", is_admin=True)
        _row, token = create_token(s, "other")
    stranger = client.get(again["download"], headers={"Authorization": f"Bearer {token}"})
    assert stranger.status_code == 404
    assert api.get(again["download"]).content.decode("utf-8-sig").startswith("Name,Amount")


def test_a_bad_streamed_export_is_refused_before_the_first_line(api):
    publish(api, form("deals", field("d1", "text", "name")))
    refused = api.get(records("deals") + ":export", params={"stream": 1, "fields": "nope"})
    assert refused.status_code == 422 and refused.headers["content-type"] == "application/problem+json"
    assert api.get(records("deals") + ":export", params={"download": "../../etc"}).status_code == 404
