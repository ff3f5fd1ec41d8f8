"""The web application: routers, middleware and error handlers, wired together."""

from __future__ import annotations

from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from brickwork import __version__
from brickwork.builder_ui import (
    app_settings,
    audit_page,
    connections_page,
    designer,
    fill_page,
    flow_designer,
    inbox_pages,
    org_pages,
    pages,
    permissions,
    record_edit,
    record_import,
    record_merge,
    record_pages,
    record_trash,
    record_views,
    report_pages,
    roles_page,
    rules_page,
    runs_page,
    template_gallery,
    views_calendar,
    views_kanban,
    webhooks_page,
)
from brickwork.connectors import api as connectors_api
from brickwork.connectors import config as connectors_config
from brickwork.connectors.printing import api as print_api
from brickwork.connectors.webhooks import api as webhooks_api
from brickwork.engines.flow import api as flow_api
from brickwork.engines.flow import preview_api as flow_preview_api
from brickwork.engines.form import api as form_api
from brickwork.engines.form import fill_api, listing, transfer_api, views_api
from brickwork.engines.report import api as report_api
from brickwork.engines.rules import api as rules_api
from brickwork.kinds import store
from brickwork.platform import api as platform_api
from brickwork.platform import (
    app_roles_api,
    appfile_api,
    audit_api,
    clock,
    i18n,
    notifications_api,
    org_api,
    two_factor_api,
)
from brickwork.platform.appfile import Catalog
from brickwork.platform.db import make_engine, make_sessionmaker
from brickwork.platform.errors import BrickworkError
from brickwork.platform.http import problems
from brickwork.platform.http.csrf import CSRFMiddleware
from brickwork.platform.http.openapi import platform_openapi
from brickwork.platform.http.routes import add_routes, hot_first
from brickwork.platform.http.site import LocaleMiddleware
from brickwork.platform.jobs import api as runs_api
from brickwork.platform.jobs.worker import load_plugins, start_embedded
from brickwork.platform.settings import Settings, load_settings
from brickwork.templates import CATALOG

# The records API: what tables, forms, imports and integrations call all day.
RECORD_ROUTES = ("/api/v1/apps/{app}/forms/{form}/records",)


def create_app(settings: Settings | None = None, catalog: Catalog = CATALOG) -> FastAPI:
    """The application; ``catalog`` is the templates it offers (the shipped ones)."""
    settings = settings or load_settings()
    engine = make_engine(settings.database_url)
    # Before any request: emitting an event defers jobs for the subscribers known here.
    load_plugins(settings.plugins)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        # SQLite: this process runs the jobs too (one command). PostgreSQL: `brickwork worker`.
        worker = start_embedded(settings, engine, make_sessionmaker(engine))  # no request timeout
        yield
        if worker is not None:
            worker.stop()
        engine.dispose()

    app = FastAPI(title="Brickwork", version=__version__, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/openapi.json")
    app.state.settings = settings
    app.state.engine = engine
    # Requests are bounded: a statement past the timeout is cancelled and answered with 503.
    app.state.sessions = make_sessionmaker(engine, statement_timeout=settings.statement_timeout)
    app.state.readers = make_sessionmaker(engine, read_only=True, statement_timeout=settings.statement_timeout)
    app.state.store = store()  # every kind the engines registered (brickwork/kinds.py)
    app.state.catalog = catalog
    clock.configure(settings.zone)
    i18n.configure_default(settings.default_locale)
    listing.configure(settings.secret_key)
    connectors_config.configure(settings)  # the key sealing connections' and webhooks' secrets, the allow-list

    app.add_exception_handler(BrickworkError, problems.on_brickwork_error)
    app.add_exception_handler(StarletteHTTPException, pages.on_http_error)  # a page for browsers
    app.add_exception_handler(RequestValidationError, problems.on_validation_error)
    app.add_exception_handler(pages.LoginRequired, pages.to_login)
    app.add_exception_handler(pages.PasswordFirst, pages.to_own_page)

    # Outermost last: the locale is known before CSRF refuses anything or a crash is told.
    app.add_middleware(problems.UnexpectedErrorMiddleware)
    app.add_middleware(CSRFMiddleware, secret=settings.secret_key)
    app.add_middleware(LocaleMiddleware, default=settings.default_locale)

    @app.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    # Order matters where paths overlap: the first route that matches takes the request.
    add_routes(app, appfile_api.router,  # first: /apps/{app}:export is not the app {app}
               platform_api.router, runs_api.router, audit_api.router,
               flow_api.router,  # before forms: /records/{id}/flow-instances
               rules_api.router,  # before forms: /records/{id}/rule-runs
               print_api.router,  # before forms: /records/{id}/print/...
               rules_api.hooks, notifications_api.router, webhooks_api.router, webhooks_api.incoming_router,
               app_roles_api.router, org_api.router, two_factor_api.router, form_api.router, form_api.app_router,
               views_api.router, transfer_api.router, fill_api.router, report_api.router, flow_preview_api.router,
               connectors_api.router)
    add_routes(app, *(ui.router for ui in (
        pages, org_pages, audit_page, designer, app_settings, permissions, roles_page,
        views_kanban, views_calendar, record_views, record_edit, record_trash, record_merge, record_pages,
        record_import, template_gallery, runs_page, flow_designer, report_pages, rules_page, connections_page,
        webhooks_page, inbox_pages, fill_page)))
    hot_first(app, RECORD_ROUTES)  # the routes most requests take, first in the walk
    static = resources.files("brickwork.builder_ui") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.openapi = platform_openapi(app)  # errors as the server sends them: Problem, problem+json
    return app
