"""An app's outgoing webhooks, for its designers: add one (its secret shown this once),
turn it off and on, rotate its secret, delete it, and read its delivery log with a replay
button per message. Plain form posts; the work is done by connectors/webhooks."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from brickwork.builder_ui.pages import page_user
from brickwork.builder_ui.rendering import error_page, render
from brickwork.connectors.webhooks import subscriptions
from brickwork.platform.apps import get_app
from brickwork.platform.errors import BrickworkError
from brickwork.platform.http.deps import db
from brickwork.platform.identity.app_roles import require_designer
from brickwork.platform.identity.users import Principal
from brickwork.platform.models import WebhookSubscription

router = APIRouter(include_in_schema=False)
PAGE = "/apps/{app}/webhooks"


def _page(request: Request, app: str, user: Principal, chosen: int | None = None, status_code: int = 200,
          **extra: Any) -> Response:
    with db(request, read_only=True) as session:
        the_app = get_app(session, app)
        require_designer(session, the_app, user)
        subs = subscriptions.list_subscriptions(session, app)
        current = next((s for s in subs if s.id == chosen), subs[0] if subs else None)
        log = subscriptions.deliveries(session, app, current.id, limit=50)[0] if current else []
        return render(request, "webhooks.html", status_code=status_code, app=the_app, subs=subs, current=current,
                      log=log, **extra)


@router.get(PAGE)
def webhooks_page(request: Request, app: str, sub: int | None = None, replayed: int | None = None,
                  user: Principal = Depends(page_user)) -> Response:
    try:
        return _page(request, app, user, sub, replayed=replayed)
    except BrickworkError as exc:
        return error_page(request, exc)


@router.post(PAGE)
def webhooks_add(request: Request, app: str, url: str = Form(""), events: str = Form("record.*"),
                 form: str = Form(""), fields: str = Form(""), user: Principal = Depends(page_user)) -> Response:
    values = {"url": url.strip(), "events": [e.strip() for e in events.split(",") if e.strip()],
              "form": form.strip() or None, "fields": [f.strip() for f in fields.split(",") if f.strip()]}
    try:
        try:
            with db(request) as session:
                require_designer(session, get_app(session, app), user)
                sub, secret = subscriptions.create(session, app, values, user.user_id)
                made = sub.id
        except BrickworkError as exc:
            if exc.status == 404 or exc.status == 403:
                raise
            return _page(request, app, user, status_code=exc.status, error=exc.title,
                         errors={e.field.split(".")[0]: e.message for e in exc.errors},
                         values={"url": url, "events": events, "form": form, "fields": fields})
        return _page(request, app, user, made, secret=secret)
    except BrickworkError as exc:
        return error_page(request, exc)


def _change(request: Request, app: str, sub_id: int, user: Principal, change) -> Response:
    try:
        with db(request) as session:
            require_designer(session, get_app(session, app), user)
            result = change(session)
        if isinstance(result, Response):
            return result
        return RedirectResponse(f"/apps/{app}/webhooks?sub={sub_id}", status_code=303)
    except BrickworkError as exc:
        return error_page(request, exc)


@router.post(PAGE + "/{sub_id}/toggle")
def webhooks_toggle(request: Request, app: str, sub_id: int, user: Principal = Depends(page_user)) -> Response:
    def flip(session) -> None:
        sub: WebhookSubscription = subscriptions.get(session, app, sub_id)
        subscriptions.change(session, app, sub_id, {"enabled": not sub.enabled}, user.user_id)
    return _change(request, app, sub_id, user, flip)


@router.post(PAGE + "/{sub_id}/rotate")
def webhooks_rotate(request: Request, app: str, sub_id: int, user: Principal = Depends(page_user)) -> Response:
    try:
        with db(request) as session:
            require_designer(session, get_app(session, app), user)
            _sub, secret = subscriptions.rotate(session, app, sub_id, user.user_id)
        return _page(request, app, user, sub_id, secret=secret, rotated=True)
    except BrickworkError as exc:
        return error_page(request, exc)


@router.post(PAGE + "/{sub_id}/delete")
def webhooks_delete(request: Request, app: str, sub_id: int, user: Principal = Depends(page_user)) -> Response:
    def remove(session) -> Response:
        subscriptions.remove(session, app, sub_id, user.user_id)
        return RedirectResponse(f"/apps/{app}/webhooks", status_code=303)
    return _change(request, app, sub_id, user, remove)


@router.post(PAGE + "/{sub_id}/deliveries/{delivery_id}/replay")
def webhooks_replay(request: Request, app: str, sub_id: int, delivery_id: int,
                    user: Principal = Depends(page_user)) -> Response:
    def replay(session) -> Response:
        subscriptions.replay(session, app, sub_id, delivery_id, user.user_id)
        return RedirectResponse(f"/apps/{app}/webhooks?sub={sub_id}&replayed={delivery_id}", status_code=303)
    return _change(request, app, sub_id, user, replay)
