"""REST for an app's roles and their members (the app's designers only)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Request, Response

from brickwork.platform.http.deps import bearer, designing
from brickwork.platform.http.params import MaybeQueryId
from brickwork.platform.identity import app_roles

router = APIRouter(prefix="/api/v1/apps/{app}/roles", tags=["roles"], dependencies=[Depends(bearer)])


@router.get("")
def roles_list(request: Request, app: str) -> list[dict[str, Any]]:
    """The app's roles, each with its members (people and departments) and its menu."""
    with designing(request, app, read_only=True) as (session, _who, the_app):
        return [app_roles.role_out(r, app_roles.members(session, r)) for r in app_roles.list_roles(session, the_app)]


@router.post("", status_code=201)
def roles_create(request: Request, app: str, data: Any = Body(...)) -> dict[str, Any]:
    """``{"key", "label", "admin": false, "menu": [{"type": "form", "form": "customers"}]}``."""
    with designing(request, app) as (session, who, the_app):
        return app_roles.role_out(app_roles.create_role(session, the_app, data, who.user_id), [])


@router.get("/{role}")
def roles_get(request: Request, app: str, role: str) -> dict[str, Any]:
    with designing(request, app, read_only=True) as (session, _who, the_app):
        found = app_roles.get_role(session, the_app, role)
        return app_roles.role_out(found, app_roles.members(session, found))


@router.patch("/{role}")
def roles_update(request: Request, app: str, role: str, data: Any = Body(...)) -> dict[str, Any]:
    """Change the label, ``admin`` or ``menu``; give ``version`` to be told of a change made meanwhile (409)."""
    with designing(request, app) as (session, who, the_app):
        changed = app_roles.update_role(session, the_app, role, data, who.user_id)
        return app_roles.role_out(changed, app_roles.members(session, changed))


@router.delete("/{role}", status_code=204)
def roles_delete(request: Request, app: str, role: str) -> Response:
    with designing(request, app) as (session, who, the_app):
        app_roles.delete_role(session, the_app, role, who.user_id)
    return Response(status_code=204)


@router.post("/{role}/members", status_code=201)
def members_add(request: Request, app: str, role: str, data: Any = Body(...)) -> dict[str, Any]:
    """``{"user": id}`` or ``{"department": id}`` (everyone in it and below)."""
    with designing(request, app) as (session, who, the_app):
        return app_roles.add_member(session, the_app, role, data, who.user_id)


@router.delete("/{role}/members", status_code=204)
def members_remove(request: Request, app: str, role: str, user: MaybeQueryId = None,
                   department: MaybeQueryId = None) -> Response:
    with designing(request, app) as (session, who, the_app):
        app_roles.remove_member(session, the_app, role, user=user, department=department, actor_id=who.user_id)
    return Response(status_code=204)
