"""The people list (page and API) reads each page's departments and managers in one query
each, so a page of 50 people costs the statements a page of 5 does; more people than a page
are reached by paging, never cut off."""

from __future__ import annotations

from sqlalchemy import event
from starlette.testclient import TestClient

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import add_member, create_department
from brickwork.platform.models import User
from tests.platform.http.test_csrf import sign_in


def people(sessions, start: int, count: int) -> None:
    """People with no password (as the org import makes them): hashing one each is slow."""
    with transaction(sessions) as s:
        team = create_department(s, f"Team {start}")
        boss = User(username=f"boss{start:03d}", display_name=f"boss{start:03d}")
        s.add(boss)
        s.flush()
        for i in range(start, start + count):
            person = User(username=f"p{i:03d}", display_name=f"p{i:03d}", manager_id=boss.id)
            s.add(person)
            s.flush()
            add_member(s, person.id, team.id)


def statements(engine, fetch) -> tuple[int, object]:
    seen = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        answer = fetch()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen), answer


def test_a_page_of_people_costs_the_same_statements_for_5_or_50(app, api, engine, sessions):
    with TestClient(app, headers={"Accept-Language": "en"}) as browser:
        sign_in(browser)
        people(sessions, 0, 4)
        few, page = statements(engine, lambda: browser.get("/admin/people"))
        assert page.status_code == 200 and "Team 0" in page.text and "Manager: boss000" in page.text
        few_api, listed = statements(engine, lambda: api.get("/api/v1/users", params={"limit": 50}))
        assert listed.json()["total"] == 6
        people(sessions, 100, 60)
        many, page = statements(engine, lambda: browser.get("/admin/people"))
        assert page.status_code == 200 and page.text.count('<li data-username=') == 50
        many_api, listed = statements(engine, lambda: api.get("/api/v1/users", params={"limit": 50}))
        items = listed.json()["items"]
        assert len(items) == 50 and all(p["departments"] for p in items if p["username"].startswith("p"))
    assert (many, many_api) == (few, few_api)


def test_every_person_is_reached_page_by_page(app, admin, sessions):
    people(sessions, 0, 120)  # 121 with their manager, and the administrator: 122
    seen: list[str] = []
    with TestClient(app, headers={"Accept-Language": "en"}) as browser:
        sign_in(browser)
        url = "/admin/people"
        while url:
            page = browser.get(url)
            assert page.status_code == 200
            seen += [line.split('"')[1] for line in page.text.split("<li data-username=")[1:]]
            url = page.text.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&") \
                if 'rel="next"' in page.text else None
    assert len(seen) == len(set(seen)) == 122
