"""Routes added to the application flat, in order.

FastAPI's ``include_router`` keeps each router as a branch that is matched lazily and
matched again when it handles the request; with about twenty routers in front of the
records API that was most of a request's routing time (docs/decisions/0041-flat-routes.md).
A router's own prefix and dependencies are already part of each of its routes, so the
routes can stand in the application's list directly."""

from __future__ import annotations

import functools
import re

from fastapi import APIRouter, FastAPI
from starlette.routing import Route, compile_path


def add_routes(app: FastAPI, *routers: APIRouter) -> None:
    """Append each router's routes to the application's own list, in the order given."""
    for router in routers:
        for route in router.routes:
            if not isinstance(route, Route):  # a nested router or a mount: include it, not flatten it
                raise TypeError(f"{route!r}: add nested routers to the application, not to a router")
            app.router.routes.append(route)


def hot_first(app: FastAPI, prefixes: tuple[str, ...]) -> None:
    """Move the routes whose path starts with one of ``prefixes`` to the front of the list,
    where the linear walk finds them first, unless an earlier route could match the same
    path: then it stays behind that route. Every request therefore reaches the route it
    reached before (decision 0052)."""
    front: list = []
    rest: list = []
    for route in app.router.routes:
        hot = getattr(route, "path", "").startswith(prefixes)
        (front if hot and not any(_overlap(route, other) for other in rest) else rest).append(route)
    app.router.routes[:] = front + rest


def _overlap(a, b) -> bool:
    """Whether one request path could match both routes (True when unsure)."""
    if not isinstance(a, Route) or not isinstance(b, Route) or ":path}" in a.path + b.path:
        return True  # a mount takes every path under it; a path parameter any number of segments
    sa, sb = a.path.split("/"), b.path.split("/")
    return len(sa) == len(sb) and all(_segments_overlap(x, y) for x, y in zip(sa, sb, strict=True))


def _segments_overlap(x: str, y: str) -> bool:
    if "{" not in x and "{" not in y:
        return x == y
    if "{" in x and "{" in y:
        return True  # two patterns: assume they meet
    literal, pattern = (x, y) if "{" not in x else (y, x)
    return _pattern(pattern).match("/" + literal) is not None


@functools.cache
def _pattern(segment: str) -> re.Pattern:
    return compile_path("/" + segment)[0]  # with its slash: without one it is read as a host
