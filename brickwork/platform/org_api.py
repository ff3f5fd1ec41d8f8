"""REST for people and the org chart: /api/v1/users, /api/v1/departments (administrators),
and /api/v1/me/... for each person's own password, language and API tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Depends, Header, Request, Response, UploadFile
from pydantic import BaseModel

from brickwork.platform.api import ProblemOut, Utc, revision_from
from brickwork.platform.http.csrf import SESSION_COOKIE
from brickwork.platform.http.deps import bearer, work
from brickwork.platform.http.params import MaybeQueryId, PathId
from brickwork.platform.identity import org_tree, people
from brickwork.platform.identity.org_import import import_org
from brickwork.platform.identity.secrets import digest
from brickwork.platform.identity.tokens import create_token, token_app
from brickwork.platform.models import ApiToken, Department, User, UserSession


def _problem(description: str) -> dict:
    return {"description": description, "model": ProblemOut, "content": {"application/problem+json": {}}}


router = APIRouter(prefix="/api/v1", dependencies=[Depends(bearer)], tags=["people"], responses={
    401: _problem("Not signed in, or the token is unknown or revoked"),
    403: _problem("Not allowed (administrators only, except /me)"),
    404: _problem("Not found"),
    409: _problem("Someone else changed it first, or the change would break the org"),
    422: _problem("Invalid input, one entry per field"),
})


class PersonOut(BaseModel):
    id: int
    username: str
    display_name: str
    email: str | None
    phone: str
    title: str
    locale: str | None
    is_admin: bool
    is_active: bool
    must_change_password: bool
    manager_id: int | None
    departments: list[int]  # the primary one first
    primary_department: int | None
    version: int
    created_at: Utc

    @classmethod
    def of(cls, session, user: User, memberships: dict[str, Any] | None = None) -> PersonOut:
        """``memberships``: the person's, when a list read them for the whole page at once."""
        return cls(id=user.id, username=user.username, display_name=user.display_name, email=user.email,
                   phone=user.phone, title=user.title, locale=user.locale, is_admin=user.is_admin,
                   is_active=user.is_active, must_change_password=user.must_change_password,
                   manager_id=user.manager_id, version=user.version, created_at=user.created_at,
                   **(memberships or people.memberships_of(session, user.id)))


class PeopleOut(BaseModel):
    total: int
    items: list[PersonOut]


class InvitedOut(PersonOut):
    one_time_password: str | None = None  # shown this once; the person must replace it


class SessionOut(BaseModel):
    id: int
    created_at: Utc
    expires_at: Utc
    ip: str
    user_agent: str

    @classmethod
    def of(cls, row: UserSession) -> SessionOut:
        return cls(id=row.id, created_at=row.created_at, expires_at=row.expires_at, ip=row.ip,
                   user_agent=row.user_agent)


class TokenOut(BaseModel):
    id: int
    name: str
    prefix: str
    scopes: list[str]
    app: str | None = None  # the one app the token is for; None: every app the person may use
    created_at: Utc
    last_used_at: Utc | None
    revoked_at: Utc | None

    @classmethod
    def of(cls, row: ApiToken) -> TokenOut:
        return cls(id=row.id, name=row.name, prefix=row.prefix, scopes=row.scopes, app=token_app(row.scopes),
                   created_at=row.created_at,
                   last_used_at=row.last_used_at, revoked_at=row.revoked_at)


class NewTokenOut(TokenOut):
    token: str  # shown this once


class DepartmentOut(BaseModel):
    id: int
    name: str
    path: str  # "Sales/East"
    parent_id: int | None
    depth: int
    sort_order: int
    heads: list[int]
    members: int
    version: int


def _tag(response: Response, version: int) -> None:
    response.headers["ETag"] = f'"{version}"'


# --- People -----------------------------------------------------------------------------

@router.get("/users", response_model=PeopleOut)
def users_list(request: Request, q: str = "", department: MaybeQueryId = None, active: bool | None = None,
               limit: int = 200, offset: int = 0) -> PeopleOut:
    """People by name; ``q`` matches name, user name or email; ``department`` its members."""
    with work(request, read_only=True, admin=True) as (session, _who):
        total, rows = people.list_people(session, q, department, active, limit, offset)
        memberships = people.memberships_of_many(session, [u.id for u in rows])
        return PeopleOut(total=total, items=[PersonOut.of(session, u, memberships[u.id]) for u in rows])


@router.post("/users", response_model=InvitedOut, status_code=201)
def users_create(request: Request, data: dict[str, Any] = Body(...)) -> InvitedOut:
    """Invite or create a person. Without ``password`` a one-time password is made up and
    returned once; the person chooses their own at their first sign-in."""
    with work(request, admin=True) as (session, who):
        user, made_up = people.invite_person(session, who.user_id, data)
        return InvitedOut(**PersonOut.of(session, user).model_dump(), one_time_password=made_up)


@router.get("/users/{user_id}", response_model=PersonOut)
def users_get(request: Request, response: Response, user_id: PathId) -> PersonOut:
    with work(request, read_only=True, admin=True) as (session, _who):
        out = PersonOut.of(session, people.get_person(session, user_id))
    _tag(response, out.version)
    return out


@router.patch("/users/{user_id}", response_model=PersonOut)
def users_update(request: Request, response: Response, user_id: PathId, data: dict[str, Any] = Body(...),
                 if_match: str | None = Header(default=None)) -> PersonOut:
    """Change name, email, phone, title, language, ``is_admin``, ``manager`` (an id, user
    name or email; null for none) or ``departments`` (ids) with ``primary_department``.
    Give the version you started from as ``If-Match`` or ``version``; a stale one gets 409."""
    with work(request, admin=True) as (session, who):
        user = people.update_person(session, who.user_id, user_id, data, revision_from(if_match))
        out = PersonOut.of(session, user)
    _tag(response, out.version)
    return out


@router.post("/users/{user_id}:deactivate", response_model=PersonOut)
def users_deactivate(request: Request, user_id: PathId) -> PersonOut:
    """The person can no longer sign in; their sessions end and their tokens stop working.
    Their records keep them as owner."""
    with work(request, admin=True) as (session, who):
        return PersonOut.of(session, people.set_person_active(session, who.user_id, user_id, False))


@router.post("/users/{user_id}:activate", response_model=PersonOut)
def users_activate(request: Request, user_id: PathId) -> PersonOut:
    with work(request, admin=True) as (session, who):
        return PersonOut.of(session, people.set_person_active(session, who.user_id, user_id, True))


class ResetIn(BaseModel):
    password: str | None = None


class ResetOut(BaseModel):
    one_time_password: str


@router.post("/users/{user_id}:reset-password", response_model=ResetOut)
def users_reset_password(request: Request, user_id: PathId, body: ResetIn | None = Body(default=None)) -> ResetOut:
    """Set a one-time password (given, or made up and shown once); the person is signed out
    everywhere and must choose their own password when they next sign in."""
    with work(request, admin=True) as (session, who):
        return ResetOut(one_time_password=people.reset_password(
            session, who.user_id, user_id, body.password if body else None))


@router.get("/users/{user_id}/sessions", response_model=list[SessionOut])
def users_sessions(request: Request, user_id: PathId) -> list[SessionOut]:
    with work(request, read_only=True, admin=True) as (session, _who):
        return [SessionOut.of(s) for s in people.sessions_of(session, user_id)]


@router.delete("/users/{user_id}/sessions/{session_id}", status_code=204)
def users_end_session(request: Request, user_id: PathId, session_id: PathId) -> Response:
    with work(request, admin=True) as (session, who):
        people.end_session(session, who.user_id, user_id, session_id)
    return Response(status_code=204)


@router.get("/users/{user_id}/tokens", response_model=list[TokenOut])
def users_tokens(request: Request, user_id: PathId) -> list[TokenOut]:
    with work(request, read_only=True, admin=True) as (session, _who):
        return [TokenOut.of(t) for t in people.tokens_of(session, user_id)]


@router.delete("/users/{user_id}/tokens/{token_id}", status_code=204)
def users_revoke_token(request: Request, user_id: PathId, token_id: PathId) -> Response:
    with work(request, admin=True) as (session, who):
        people.revoke_token_of(session, who.user_id, user_id, token_id)
    return Response(status_code=204)


@router.post("/users:import")
def users_import(request: Request, file: UploadFile, dry_run: bool = False) -> dict[str, Any]:
    """Import people, departments ("Sales/East") and managers from an xlsx sheet. Every row
    is checked before anything is written: with any problem nothing is imported, and the
    problems come back one per row and column (the same report as a record import)."""
    with work(request, admin=True) as (session, who):
        return import_org(session, who.user_id, file.file, dry_run=dry_run).as_dict()


# --- Departments ------------------------------------------------------------------------

@router.get("/departments", response_model=list[DepartmentOut])
def departments_list(request: Request) -> list[DepartmentOut]:
    """The whole tree, parents before their children."""
    with work(request, read_only=True) as (session, _who):
        return _departments(session)


def _departments(session, only: int | None = None) -> list[DepartmentOut]:
    members, heads = org_tree.counts(session)
    names = org_tree.path_names(session)
    rows = org_tree.list_departments(session) if only is None else [org_tree.get_department(session, only)]
    return [DepartmentOut(id=d.id, name=d.name, path=names[d.id], parent_id=d.parent_id,
                          depth=d.path.strip("/").count("/"), sort_order=d.sort_order, heads=heads.get(d.id, []),
                          members=members.get(d.id, 0), version=d.version) for d in rows]


def _one(session, department: Department, response: Response) -> DepartmentOut:
    out = _departments(session, department.id)[0]
    _tag(response, out.version)
    return out


@router.post("/departments", response_model=DepartmentOut, status_code=201)
def departments_create(request: Request, response: Response, data: dict[str, Any] = Body(...)) -> DepartmentOut:
    """``{"name", "parent_id", "heads"}``; names are unique among siblings."""
    with work(request, admin=True) as (session, who):
        return _one(session, org_tree.add_department(session, who.user_id, data), response)


@router.get("/departments/{department_id}", response_model=DepartmentOut)
def departments_get(request: Request, response: Response, department_id: PathId) -> DepartmentOut:
    with work(request, read_only=True) as (session, _who):
        return _one(session, org_tree.get_department(session, department_id), response)


@router.patch("/departments/{department_id}", response_model=DepartmentOut)
def departments_update(request: Request, response: Response, department_id: PathId,
                       data: dict[str, Any] = Body(...), if_match: str | None = Header(default=None)) -> DepartmentOut:
    """Rename (``name``), move (``parent_id``, null for the top; never under itself or a
    department below it), reorder (``sort_order``) or set ``heads``. Give ``version`` or
    ``If-Match``; a stale one gets 409."""
    with work(request, admin=True) as (session, who):
        department = org_tree.change_department(session, who.user_id, department_id, data, revision_from(if_match))
        return _one(session, department, response)


@router.delete("/departments/{department_id}", status_code=204)
def departments_delete(request: Request, department_id: PathId, version: int | None = None,
                       if_match: str | None = Header(default=None)) -> Response:
    """Only an empty department: nothing below it, nobody in it (409 otherwise)."""
    with work(request, admin=True) as (session, who):
        org_tree.remove_department(session, who.user_id, department_id,
                                   version if version is not None else revision_from(if_match))
    return Response(status_code=204)


# --- The caller's own ---------------------------------------------------------------------

class PasswordIn(BaseModel):
    current_password: str
    new_password: str


@router.post("/me/password", status_code=204)
def me_password(request: Request, body: PasswordIn) -> Response:
    """Change your own password, giving the current one. Your other sessions end."""
    with work(request) as (session, who):
        cookie = request.cookies.get(SESSION_COOKIE)
        people.change_own_password(session, who.user_id, body.current_password, body.new_password,
                                   keep_session=digest(cookie) if cookie and who.via == "session" else None)
    return Response(status_code=204)


class ProfileIn(BaseModel):
    locale: str | None = None


@router.patch("/me", response_model=PersonOut)
def me_update(request: Request, body: ProfileIn) -> PersonOut:
    """Your own language (``en``, ``zh-CN``, or null for the browser's)."""
    with work(request) as (session, who):
        return PersonOut.of(session, people.set_own_locale(session, who.user_id, body.locale))


@router.get("/me/tokens", response_model=list[TokenOut])
def me_tokens(request: Request) -> list[TokenOut]:
    with work(request, read_only=True) as (session, who):
        return [TokenOut.of(t) for t in people.tokens_of(session, who.user_id)]


class TokenIn(BaseModel):
    name: str = ""
    read_only: bool = False
    app: str | None = None  # a token for this one app only


@router.post("/me/tokens", response_model=NewTokenOut, status_code=201)
def me_token_create(request: Request, body: TokenIn) -> NewTokenOut:
    """A new token for your programs; the token itself is in this answer only."""
    with work(request) as (session, who):
        row, token = create_token(session, who.username, body.name.strip()[:128],
                                  ("read",) if body.read_only else ("read", "write"), app=body.app)
        return NewTokenOut(**TokenOut.of(row).model_dump(), token=token)


@router.delete("/me/tokens/{token_id}", status_code=204)
def me_token_revoke(request: Request, token_id: PathId) -> Response:
    with work(request) as (session, who):
        people.revoke_token_of(session, who.user_id, who.user_id, token_id)
    return Response(status_code=204)
