"""Routes added to the application flat, in order.

FastAPI's ``include_router`` keeps each router as a branch that is matched lazily and
matched again when it handles the request; with about twenty routers in front of the
records API that was most of a request's routing time (docs/decisions/0041-flat-routes.md).
A router's own prefix and dependencies are already part of each of its routes, so the
routes can stand in the application's list directly."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from starlette.routing import Route


def add_routes(app: FastAPI, *routers: APIRouter) -> None:
    """Append each router's routes to the application's own list, in the order given."""
    for router in routers:
        for route in router.routes:
            if not isinstance(route, Route):  # a nested router or a mount: include it, not flatten it
                raise TypeError(f"{route!r}: add nested routers to the application, not to a router")
            app.router.routes.append(route)
