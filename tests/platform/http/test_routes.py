"""The records API stands first in the route walk (decision 0052), and moving it there
changed where no request goes: each request a records route could take reaches the same
route as in the order the routers were listed."""

from __future__ import annotations

import itertools
import re

import pytest
from starlette.routing import Match

import brickwork.app
from brickwork.app import RECORD_ROUTES, create_app
from brickwork.platform.http.routes import hot_first

PARAM = re.compile(r"\{[^}]+\}")


@pytest.fixture
def orders(settings, monkeypatch):
    moved = create_app(settings).router.routes
    monkeypatch.setattr(brickwork.app, "hot_first", lambda app, prefixes: None)
    return list(create_app(settings).router.routes), list(moved)


def first_match(routes, method: str, path: str):
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": [], "query_string": b""}
    return next((name(route) for route in routes if route.matches(scope)[0] == Match.FULL), None)


def name(route) -> tuple:
    """A route the same in two applications (some routes are made per application)."""
    return route.path, sorted(getattr(route, "methods", None) or ()), route.name


def requests(listed, hot):
    """Paths for each hot route: every parameter filled in turn with each literal that any
    route has at that place (where one route's parameter may meet another's literal)."""
    literals: dict[int, set[str]] = {}
    for route in listed:
        for i, segment in enumerate(getattr(route, "path", "").split("/")):
            if "{" not in segment:
                literals.setdefault(i, set()).add(segment)
    for route in hot:
        segments = route.path.split("/")
        for i, segment in enumerate(segments):
            if "{" not in segment:
                continue
            for value in literals.get(i, set()) | {"7"}:
                filled = [PARAM.sub(value if j == i else "7", s) for j, s in enumerate(segments)]
                for method in route.methods:
                    yield method, "/".join(filled)


def test_the_records_api_is_first_in_the_walk(orders):
    listed, moved = orders
    create = first_match(moved, "POST", "/api/v1/apps/crm/forms/customers/records")
    assert create is not None and create[0] == "/api/v1/apps/{app}/forms/{form}/records"
    assert [name(r) for r in moved].index(create) < 10 < [name(r) for r in listed].index(create)
    assert sorted(map(name, moved)) == sorted(map(name, listed))  # the same routes, none lost


def test_every_request_reaches_the_route_it_reached_before(orders):
    listed, moved = orders
    hot = [r for r in listed if getattr(r, "path", "").startswith(RECORD_ROUTES)]
    seen = list(itertools.islice(requests(listed, hot), 20000))
    assert len(seen) > 200
    for method, path in seen:
        assert first_match(moved, method, path) == first_match(listed, method, path), (method, path)


def test_a_route_an_earlier_pattern_would_take_stays_behind_it():
    from fastapi import FastAPI

    app = FastAPI()
    for path in ("/a/{x}", "/a/b", "/c/{y}:go", "/c/d", "/e/f"):
        app.add_api_route(path, lambda: None, methods=["GET"])
    hot_first(app, ("/a/b", "/c/d", "/e/f"))
    paths = [r.path for r in app.router.routes if r.path[:2] in ("/a", "/c", "/e")]
    # /a/b stays behind /a/{x}, which takes "/a/b"; /c/d and /e/f meet nothing earlier
    assert paths == ["/c/d", "/e/f", "/a/{x}", "/a/b", "/c/{y}:go"]
