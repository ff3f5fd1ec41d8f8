"""Pages for people and the org chart: each person's own page (/me), and for administrators
/admin/people (invite, import, one person's profile, sessions and tokens) and
/admin/departments (the tree, arranged by drag and drop).

The pages render what is there; changes go through the JSON API (/api/v1/users,
/api/v1/departments, /api/v1/me) from static/js/org.js, so a page and a script get the same
checks, the same per-field errors and the same audit."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from brickwork.builder_ui import approval_view
from brickwork.builder_ui.pages import ONE_YEAR, page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.engines.flow import service as flows
from brickwork.platform.errors import Forbidden, NotFound
from brickwork.platform.http.deps import db
from brickwork.platform.http.params import QueryInt
from brickwork.platform.http.site import LANG_COOKIE
from brickwork.platform.i18n import _
from brickwork.platform.identity import org_tree, people, totp
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import User
from brickwork.platform.settings import LOCALES

router = APIRouter(include_in_schema=False)
PEOPLE_PAGE = 50


def _admin_only(request: Request, user: Principal) -> Response | None:
    if not user.is_admin:
        return error_page(request, Forbidden(_("Only administrators may do this.")))
    return None


def _department_choices(session) -> list[dict]:
    names = org_tree.path_names(session)
    return [{"id": d.id, "path": names[d.id], "depth": d.path.strip("/").count("/")}
            for d in org_tree.list_departments(session)]


@router.get("/me")
def me_page(request: Request, user: Principal = Depends(page_user)) -> Response:
    with db(request, read_only=True) as session:
        me = people.get_person(session, user.user_id)
        tokens = people.tokens_of(session, user.user_id)
        two_factor = {"enabled": totp.is_enabled(session, user.user_id),
                      "recovery_codes_left": totp.recovery_codes_left(session, user.user_id)}
        away = {"delegation": flows.get_delegation(session, user),
                "people": [p for p in approval_view.people(session) if p["id"] != user.user_id]}
        return render(request, "me.html", me=me, tokens=[t for t in tokens if t.revoked_at is None],
                      languages=LOCALES, two_factor=two_factor, away=away)


@router.post("/me/language")
def me_language(request: Request, lang: str = Form(""), user: Principal = Depends(page_user)) -> Response:
    """Remembered on the person (for mail and other devices) and in this browser."""
    with db(request) as session:
        people.set_own_locale(session, user.user_id, lang or None)
    response = RedirectResponse("/me", status_code=303)
    if lang in LOCALES:
        response.set_cookie(LANG_COOKIE, lang, max_age=ONE_YEAR, samesite="lax",
                            secure=request.url.scheme == "https", path="/")
    return response


@router.get("/admin/people")
def people_page(request: Request, q: str = "", page: QueryInt = 1, user: Principal = Depends(page_user)
                ) -> Response:
    """A page of people at a time, with each one's departments and manager read for the whole
    page in one query each (not one per person)."""
    if refused := _admin_only(request, user):
        return refused
    page = max(page, 1)
    with db(request, read_only=True) as session:
        total, rows = people.list_people(session, q, limit=PEOPLE_PAGE, offset=(page - 1) * PEOPLE_PAGE)
        names = org_tree.path_names(session)
        members = people.memberships_of_many(session, [u.id for u in rows])
        wanted = {u.manager_id for u in rows if u.manager_id}
        managers = {row.id: _name(row) for row in session.execute(
            select(User.id, User.display_name, User.username).where(User.id.in_(wanted)))} if wanted else {}
        pages = max((total + PEOPLE_PAGE - 1) // PEOPLE_PAGE, 1)

        def link(n: int) -> str:
            return "/admin/people?" + urlencode({**({"q": q} if q else {}), "page": n})
        return render(request, "people.html", q=q, total=total, people=rows, names=names, members=members,
                      managers={u.id: managers.get(u.manager_id, "") for u in rows}, page=page, pages=pages,
                      previous=link(page - 1) if page > 1 else None, following=link(page + 1) if page < pages else None,
                      departments=_department_choices(session), languages=LOCALES)


@router.get("/admin/people/{user_id}")
def person_page(request: Request, user_id: int, user: Principal = Depends(page_user)) -> Response:
    if refused := _admin_only(request, user):
        return refused
    with db(request, read_only=True) as session:
        try:
            person = people.get_person(session, user_id)
        except NotFound as exc:
            return error_page(request, exc)
        _total, everyone = people.list_people(session, limit=1000)
        return render(request, "person.html", person=person, member=people.memberships_of(session, user_id),
                      everyone=[u for u in everyone if u.id != user_id], departments=_department_choices(session),
                      sessions=people.sessions_of(session, user_id), tokens=people.tokens_of(session, user_id),
                      languages=LOCALES, two_factor_on=totp.is_enabled(session, user_id))


@router.get("/admin/departments")
def departments_page(request: Request, user: Principal = Depends(page_user)) -> Response:
    if refused := _admin_only(request, user):
        return refused
    with db(request, read_only=True) as session:
        rows = org_tree.list_departments(session)
        members, heads = org_tree.counts(session)
        _total, everyone = people.list_people(session, active=True, limit=1000)
        names = {u.id: _name(u) for u in everyone}
        children: dict[int | None, list] = {}
        for row in rows:
            children.setdefault(row.parent_id, []).append(row)
        return render(request, "departments.html", children=children, members=members, heads=heads,
                      names=names, everyone=everyone, departments=_department_choices(session))


def _name(user: User | None) -> str:
    return (user.display_name or user.username) if user else ""

