"""A report never shows a number built from records or fields its viewer cannot read: the
row scope is inside its SQL, a hidden field as a dimension, measure or filter is a 403."""

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from brickwork.engines.form.storage import table_name
from brickwork.platform.db import transaction
from brickwork.platform.identity.org import add_member, create_department, create_role, grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from tests.engines.form.helpers import APP, records
from tests.engines.report.helpers import query, setup

SALES_OWN = {"role": "sales", "actions": ["create", "read", "update"], "scope": "own", "fields": {"o_qty": "none"}}
MANAGER_TREE = {"role": "manager", "actions": ["read"], "scope": "department_tree"}
BY_STAGE = {"dimensions": [{"id": "s", "field": "stage"}],
            "measures": [{"id": "n", "agg": "count"}, {"id": "rev", "agg": "sum", "field": "amount"}]}
TOTAL = {"measures": [{"id": "n", "agg": "count"}, {"id": "rev", "agg": "sum", "field": "amount"}]}


@pytest.fixture
def team(app, sessions, api):
    """Two sales reps (east, west) and their manager at the head office, each with orders;
    and an order of the administrator's, in no department."""
    people = {}
    with transaction(sessions) as s:
        head = create_department(s, "Head office")
        east, west = create_department(s, "East", head.id), create_department(s, "West", head.id)
        create_role(s, "sales", {"en": "Sales"})
        create_role(s, "manager", {"en": "Manager"})
        for name, dept, role in (("li", east, "sales"), ("wang", west, "sales"), ("zhao", head, "manager")):
            user = create_user(s, name, "password-1")
            add_member(s, user.id, dept.id)
            grant_role(s, user.id, role)
            people[name] = (user.id, create_token(s, name)[1], dept.id)
        tree = [head.id, east.id, west.id]
    setup(api, [{"stage": "won", "amount": "1000.01", "qty": 1}], SALES_OWN, MANAGER_TREE)
    clients = {name: TestClient(app, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"})
               for name, (_id, token, _d) in people.items()}
    for name, amounts in (("li", ["10.10", "20.20", "0.01"]), ("wang", ["5.55", "7.00"])):
        for i, amount in enumerate(amounts):
            made = clients[name].post(records("orders"), json={"amount": amount, "stage": ("won", "lead")[i % 2]})
            assert made.status_code == 201, made.text
            # The reps may not write qty (nor read it): the administrator fills it in.
            filled = api.patch(f"{records('orders')}/{made.json()['id']}", json={"version": 1, "qty": i + 1})
            assert filled.status_code == 200, filled.text
    yield clients, {name: uid for name, (uid, _t, _d) in people.items()}, tree
    for client in clients.values():
        client.close()


def direct(sessions, where: str) -> tuple[int, int]:
    """The same totals by hand, in SQL, under a row scope written out."""
    with transaction(sessions) as s:
        app_id = s.execute(text("SELECT id FROM apps WHERE key = 'crm'")).scalar_one()
        row = s.execute(text(f"SELECT COUNT(*), SUM(f_o_amount) FROM {table_name(app_id, 'orders')} "
                             f"WHERE deleted_at IS NULL AND {where}")).one()
    return int(row[0]), int(row[1] or 0)


def cents(value: str) -> int:
    return int(value.replace(".", ""))


def test_a_rep_and_their_manager_get_different_totals_each_their_scopes(team, sessions, api):
    clients, ids, tree = team
    seen = {}
    for name, where in (("li", f"owner_id = {ids['li']}"), ("wang", f"owner_id = {ids['wang']}"),
                        ("zhao", f"department_id IN ({', '.join(map(str, tree))})")):
        row = query(clients[name], TOTAL)["rows"][0]
        seen[name] = (row["n"], cents(row["rev"]))
        assert seen[name] == direct(sessions, where)
    assert seen["li"] == (3, 3031) and seen["wang"] == (2, 1255) and seen["zhao"] == (5, 4286)
    admin = query(api, TOTAL)["rows"][0]
    assert (admin["n"], admin["rev"]) == (6, "1042.87")


def test_groups_and_joins_keep_the_scope(team):
    clients, _ids, _tree = team
    rows = query(clients["li"], BY_STAGE)["rows"]
    assert rows == [{"s": "lead", "n": 1, "rev": "20.20"}, {"s": "won", "n": 2, "rev": "10.11"}]


def test_members_and_departments_are_dimensions_with_names(team):
    clients, ids, _tree = team
    dims = [{"id": "rep", "field": "owner"}, {"id": "dept", "field": "department"}]
    data = query(clients["zhao"], {"dimensions": dims,
                                   "measures": [{"id": "rev", "agg": "sum", "field": "amount"}],
                                   "sort": [{"by": "rev", "dir": "desc"}]})
    assert [(r["rep"], r["rev"]) for r in data["rows"]] == [(ids["li"], "30.31"), (ids["wang"], "12.55")]
    assert {data["names"]["rep"][str(r["rep"])] for r in data["rows"]} == {"li", "wang"}
    assert set(data["names"]["dept"].values()) == {"East", "West"}


def test_a_hidden_field_is_a_403_as_measure_dimension_or_filter(team):
    clients, _ids, _tree = team
    li = clients["li"]
    hidden_measure = {"measures": [{"id": "q", "agg": "sum", "field": "qty"}]}
    assert query(li, hidden_measure, status=403)["status"] == 403
    assert query(li, {"dimensions": [{"id": "q", "field": "qty"}], "measures": [{"id": "n", "agg": "count"}]},
                 status=403)
    over_qty = {"fn": ">", "args": [{"ref": "qty"}, {"lit": 1, "type": "number"}]}
    assert query(li, {**TOTAL, "filters": over_qty}, status=403)
    assert query(li, {"measures": [{"id": "n", "agg": "count", "filter": over_qty}]}, status=403)
    # The manager may read it.
    assert query(clients["zhao"], hidden_measure)["rows"] == [{"q": 9}]


def test_a_dashboard_shows_each_viewer_their_own_numbers(team, api):
    clients, _ids, _tree = team
    for key, body, chart in (("total", TOTAL, {"type": "table"}),
                             ("qty", {"measures": [{"id": "q", "agg": "sum", "field": "qty"}]}, {"type": "gauge"})):
        report = {"key": key, "label": {"en": key}, "query": {"source": {"form": "orders"}, **body}, "chart": chart}
        assert api.put(f"{APP}/definitions/report/{key}", json=report).status_code == 200
        assert api.post(f"{APP}/definitions/report/{key}:publish").status_code == 200
    board = {"key": "sales", "label": {"en": "Sales"}, "cells": [
        {"report": "total", "w": 6, "date_field": "created_at"}, {"report": "qty", "x": 6, "w": 6}]}
    assert api.put(f"{APP}/definitions/dashboard/sales", json=board).status_code == 200
    assert api.post(f"{APP}/definitions/dashboard/sales:publish").status_code == 200
    li = clients["li"].get(f"{APP}/dashboards/sales/data").json()["cells"]
    zhao = clients["zhao"].get(f"{APP}/dashboards/sales/data").json()["cells"]
    assert li[0]["data"]["rows"] == [{"n": 3, "rev": "30.31"}] and zhao[0]["data"]["rows"] == [{"n": 5, "rev": "42.86"}]
    assert li[1]["error"]["status"] == 403 and zhao[1]["data"]["chart"]["value"] == 9
    # The date control applies to every cell that names its date field.
    none = clients["zhao"].get(f"{APP}/dashboards/sales/data", params={"from": "2000-01-01", "to": "2000-01-31"})
    assert none.json()["cells"][0]["data"]["rows"] == [{"n": 0, "rev": None}]


def publish_board(api, board: dict) -> None:
    for cell in board["cells"]:
        report = {"key": cell["report"], "label": {"en": cell["report"]},
                  "query": {"source": {"form": "orders"}, **TOTAL}, "chart": {"type": "table"}}
        assert api.put(f"{APP}/definitions/report/{cell['report']}", json=report).status_code == 200
        assert api.post(f"{APP}/definitions/report/{cell['report']}:publish").status_code == 200
    assert api.put(f"{APP}/definitions/dashboard/{board['key']}", json=board).status_code == 200
    assert api.post(f"{APP}/definitions/dashboard/{board['key']}:publish").status_code == 200


def test_a_dashboard_for_a_role_is_hidden_from_the_others(team, api):
    clients, _ids, _tree = team
    publish_board(api, {"key": "bosses", "label": {"en": "Bosses"}, "roles": ["manager"],
                        "cells": [{"report": "total"}]})
    publish_board(api, {"key": "all", "label": {"en": "All"}, "cells": [{"report": "total"}]})
    assert clients["zhao"].get(f"{APP}/dashboards/bosses/data").status_code == 200
    refused = clients["li"].get(f"{APP}/dashboards/bosses/data")
    assert refused.status_code == 404 and refused.headers["content-type"].startswith("application/problem+json")
    assert clients["li"].get(f"{APP}/dashboards/all/data").status_code == 200
    assert api.get(f"{APP}/dashboards/bosses/data").status_code == 200  # the administrator sees every board


def test_a_report_exports_to_xlsx_with_the_viewers_numbers(team, api):
    import io

    import openpyxl

    clients, _ids, _tree = team
    report = {"key": "by_stage", "label": {"en": "By stage"}, "query": {"source": {"form": "orders"}, **BY_STAGE,
                                                                          "sort": [{"by": "s"}]},
              "chart": {"type": "bar"}}
    assert api.put(f"{APP}/definitions/report/by_stage", json=report).status_code == 200
    assert api.post(f"{APP}/definitions/report/by_stage:publish").status_code == 200
    got = clients["li"].get(f"{APP}/reports/by_stage/data.xlsx")
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(got.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Stage", "Count", "Sum · Amount"]
    assert sorted(rows[1:]) == [["Lead", 1, 20.2], ["Won", 2, 10.11]]


def test_opening_the_app_lands_on_the_board_of_the_person_s_role(team, api, app):
    """``home``: the app opens on the board with the lowest home priority among those for a
    role the person holds; a board without it is never where the app opens; designers keep
    the app page. The API says where to land, the app's page redirects there."""
    from tests.platform.test_org_api import sign_in_with

    clients, _ids, _tree = team
    publish_board(api, {"key": "plain", "label": {"en": "Plain"}, "roles": ["manager"], "cells": [{"report": "total"}]})
    publish_board(api, {"key": "bosses", "label": {"en": "Bosses"}, "roles": ["manager"], "home": 2,
                        "cells": [{"report": "total"}]})
    publish_board(api, {"key": "reps", "label": {"en": "Reps"}, "roles": ["sales", "manager"], "home": 3,
                        "cells": [{"report": "total"}]})
    landing = {name: clients[name].get(f"{APP}/home").json() for name in ("li", "zhao")}
    assert landing == {"li": {"dashboard": "reps", "path": "/apps/crm/dashboards/reps"},
                       "zhao": {"dashboard": "bosses", "path": "/apps/crm/dashboards/bosses"}}
    assert api.get(f"{APP}/home").json() == {"dashboard": None, "path": "/apps/crm/menu"}
    with TestClient(app) as browser:
        assert sign_in_with(browser, "li", "password-1").status_code == 303
        opened = browser.get("/apps/crm", follow_redirects=False)
        assert (opened.status_code, opened.headers["location"]) == (303, "/apps/crm/dashboards/reps")
        assert browser.get("/apps/crm/menu").status_code == 200  # the app's page stays reachable
    # Without a board for their role (none with a home for everyone), the app's page.
    publish_board(api, {"key": "reps", "label": {"en": "Reps"}, "roles": ["manager"], "home": 3,
                        "cells": [{"report": "total"}]})
    assert clients["li"].get(f"{APP}/home").json() == {"dashboard": None, "path": "/apps/crm/menu"}
