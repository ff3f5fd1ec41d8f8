"""A calendar of a date that recurs every year (birthdays): a view that says ``yearly``
shows each date in every year, on its month and day, whatever the year it was stored with;
a plain calendar still matches on the whole date. Run on SQLite and PostgreSQL."""

import re

import pytest

from tests.builder_ui.test_record_views import page  # noqa: F401  (fixture)
from tests.engines.form.helpers import field, form, publish, records

BASE = "/apps/crm/forms/people"
VIEWS = "/api/v1/apps/crm/forms/people/views"


@pytest.fixture
def people(api):
    assert publish(api, form("people", field("p1", "text", "name"), field("p2", "date", "birthday"))).status_code == 200
    made = api.post(f"{records('people')}:bulk", json={"records": [
        {"name": "Li", "birthday": "1990-03-05"}, {"name": "Wang", "birthday": "1985-12-30"},
        {"name": "Leap", "birthday": "1992-02-29"}, {"name": "Zhao", "birthday": "2001-07-14"}]})
    assert made.status_code == 201, made.text


def view(api, yearly):
    made = api.post(VIEWS, json={"name": "Birthdays", "type": "calendar",
                                 "config": {"date_field": "p2", "yearly": yearly}})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def day(html, iso):
    found = re.search(rf'data-date="{iso}">(.*?)</td>', html, re.S)
    return found.group(1) if found else ""


def test_a_yearly_calendar_shows_birthdays_in_every_year(page, api, people):  # noqa: F811
    yearly = view(api, True)
    march = page.get(f"{BASE}/calendar", params={"view": yearly, "month": "2026-03"}).text
    assert "Li" in day(march, "2026-03-05")
    assert "Leap" in day(march, "2026-02-28")  # the grid's first week; 2026 has no 29 February
    assert "Zhao" not in march
    january = page.get(f"{BASE}/calendar", params={"view": yearly, "month": "2027-01"}).text
    assert "Wang" in day(january, "2026-12-30")  # the grid reaches back over New Year
    leap = page.get(f"{BASE}/calendar", params={"view": yearly, "month": "2028-02"}).text
    assert "Leap" in day(leap, "2028-02-29")


def test_a_plain_calendar_still_matches_the_whole_date(page, api, people):  # noqa: F811
    plain = view(api, False)
    assert "Li" not in page.get(f"{BASE}/calendar", params={"view": plain, "month": "2026-03"}).text
    assert "Li" in day(page.get(f"{BASE}/calendar", params={"view": plain, "month": "1990-03"}).text, "1990-03-05")


def test_only_a_calendar_repeats_yearly(api, people):
    bad = api.post(VIEWS, json={"name": "All", "type": "table", "config": {"yearly": True}})
    assert bad.status_code == 422
    assert [e["field"] for e in bad.json()["errors"]] == ["config.yearly"]


def test_the_page_can_show_any_date_field_every_year(page, api, people):  # noqa: F811
    march = page.get(f"{BASE}/calendar", params={"by": "birthday", "month": "2026-03", "yearly": "1"}).text
    assert "Li" in day(march, "2026-03-05")
    assert 'name="yearly" value="1" checked' in march
    assert "yearly=1" in re.search(r'href="([^"]*)" rel="next"', march).group(1)  # the next month too
    plain = page.get(f"{BASE}/calendar", params={"view": view(api, True), "month": "2026-03", "yearly": "0"}).text
    assert "Li" not in day(plain, "2026-03-05")  # unticked over the view's own setting
