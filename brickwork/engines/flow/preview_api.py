"""REST for the path preview: who will approve a record, before it is submitted."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from brickwork.engines.flow.definition import FlowDefinition
from brickwork.engines.flow.preview import named, preview
from brickwork.engines.form.forms import load_form
from brickwork.engines.form.records import RecordService
from brickwork.engines.form.values import parse_input
from brickwork.platform.apps import get_app
from brickwork.platform.errors import Forbidden, NotFound
from brickwork.platform.http.deps import bearer, work
from brickwork.platform.http.params import MAX_INT
from brickwork.platform.i18n import _
from brickwork.platform.identity.app_roles import require_designer

router = APIRouter(prefix="/api/v1", tags=["flows"], dependencies=[Depends(bearer)])


class PreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    record_id: int | None = Field(default=None, ge=1, le=MAX_INT)  # a saved record's values ...
    values: dict[str, Any] = Field(default_factory=dict)  # ... with these (API values by key) over them
    # Self-selected approvers (发起人自选) by node id.
    chosen: dict[str, list[Annotated[int, Field(ge=1, le=MAX_INT)]]] = Field(default_factory=dict)
    draft: bool = False  # the flow's draft instead of its live version (the app's designers)


class PersonOut(BaseModel):
    id: int
    name: str


class StepOut(BaseModel):
    node: str
    type: str
    label: dict[str, str] | None = None
    mode: str | None = None  # sequential, all, any, ratio; None for a CC
    branch: str | None = None
    empty: str | None = None  # nobody resolved: auto_approve, assign_to, assign_to_flow_admin or reject
    people: list[PersonOut]


class PreviewOut(BaseModel):
    flow: str
    version: int
    steps: list[StepOut]


@router.post("/apps/{app}/flows/{flow}:preview", response_model=PreviewOut)
def flow_preview(request: Request, app: str, flow: str, body: PreviewIn | None = None) -> PreviewOut:
    """The approval path the caller's submission would take: each approval, handler and CC
    step with its people, for a saved record's values or values typed so far (a value not
    valid yet counts as blank). Nothing is changed."""
    body = body or PreviewIn()
    with work(request, read_only=True) as (session, who):
        the_app = get_app(session, app)
        if body.draft:
            require_designer(session, the_app, who)
        row = request.app.state.store.get(session, the_app, "flow", flow, which="draft" if body.draft else "live")
        definition = FlowDefinition.model_validate(row.body)
        if not definition.enabled and not body.draft:
            raise NotFound(_("The flow %(flow)s is switched off.", flow=flow))
        service = RecordService(session, load_form(session, app, definition.form), who)
        if body.record_id is not None:
            values = service.logical(service.row(body.record_id))
        elif "create" in service.grant.actions:
            values = {}
        else:
            raise Forbidden(_("You may not submit records of this form."))
        for key, value in body.values.items():  # one at a time: a value not valid yet stays blank
            f = service.form.by_key.get(key)
            if f is not None and f.id in service.grant.readable:
                values[f.id] = parse_input(service.form, {key: value}, service.grant, []).get(f.id)
        steps = named(session, preview(session, the_app, definition, service.form, who, values, body.chosen))
    return PreviewOut(flow=flow, version=row.version, steps=[StepOut(**s) for s in steps])
