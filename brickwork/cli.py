"""The ``brickwork`` command. Bad input prints one line on stderr and exits 2."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NoReturn

from sqlalchemy.exc import DataError, SQLAlchemyError

from brickwork import cli_apps, cli_jobs, cli_org
from brickwork.cli_common import UsageError, _open, _work, migrated_engine, replacing
from brickwork.platform.db import make_engine
from brickwork.platform.errors import BrickworkError
from brickwork.platform.i18n import _, current_locale, negotiate
from brickwork.platform.settings import ConfigError, Settings, load_settings

ADMIN = "admin"


def whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``, else a one-line error."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(_("%(value)s is not a whole number", value=text[:40])) from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(_("give a number from %(low)s to %(high)s", low=low, high=high))
        return value
    return parse


RECORD_ID = whole(1, 2**63 - 1)  # what a BIGINT id column holds


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> Parser:
    parser = Parser(prog="brickwork", description=_("Brickwork, the self-hosted no-code platform."))
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    serve = commands.add_parser("serve", help=_("serve the web application"))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=whole(0, 65535), default=8000)
    serve.add_argument("--migrate", action="store_true", help=_("migrate the database first"))
    serve.add_argument("--workers", type=whole(1, 256), default=1, help=_("web processes (they share the database)"))
    serve.add_argument("--access-log", action="store_true",
                       help=_("log every request (a reverse proxy usually does this already)"))
    serve.set_defaults(run=cmd_serve)

    db = commands.add_parser("db", help=_("database migrations")).add_subparsers(
        dest="db_command", required=True, parser_class=Parser)
    db.add_parser("upgrade", help=_("apply all migrations")).set_defaults(run=cmd_db_upgrade)
    db.add_parser("current", help=_("print the applied migration")).set_defaults(run=cmd_db_current)

    users = commands.add_parser("users", help=_("people who sign in")).add_subparsers(
        dest="users_command", required=True, parser_class=Parser)
    create = users.add_parser("create", help=_("create a user"))
    create.add_argument("--username", required=True)
    create.add_argument("--password", required=True)
    create.add_argument("--display-name", default="")
    create.add_argument("--admin", action="store_true")
    create.set_defaults(run=cmd_users_create)
    passwd = users.add_parser("set-password", help=_("set a user's password"))
    passwd.add_argument("--username", required=True)
    passwd.add_argument("--password", required=True)
    passwd.set_defaults(run=cmd_users_set_password)
    for name, active, text in (("deactivate", False, _("sign a user out everywhere and keep them out")),
                               ("activate", True, _("let a deactivated user sign in again"))):
        toggle = users.add_parser(name, help=text)
        toggle.add_argument("--username", required=True)
        toggle.add_argument("--as", dest="as_user", help=_("the user doing it (nobody may deactivate themselves)"))
        toggle.set_defaults(run=cmd_users_set_active, active=active)
    reset_2fa = users.add_parser("reset-2fa", help=_("turn off a user's two-factor sign-in (lost phone and codes)"))
    reset_2fa.add_argument("username")
    reset_2fa.set_defaults(run=cmd_users_reset_2fa)
    cli_org.add_user_commands(users)

    tokens = commands.add_parser("tokens", help=_("API tokens for programs")).add_subparsers(
        dest="tokens_command", required=True, parser_class=Parser)
    tcreate = tokens.add_parser("create", help=_("create a token and print it once"))
    tcreate.add_argument("--username", required=True)
    tcreate.add_argument("--name", default="")
    tcreate.add_argument("--read-only", action="store_true", help=_("the token may only read"))
    tcreate.add_argument("--app", metavar="KEY", help=_("the token works only on this app"))
    tcreate.set_defaults(run=cmd_tokens_create)
    tlist = tokens.add_parser("list", help=_("list a user's tokens"))
    tlist.add_argument("--username", required=True)
    tlist.set_defaults(run=cmd_tokens_list)
    trevoke = tokens.add_parser("revoke", help=_("revoke a token"))
    trevoke.add_argument("id", type=RECORD_ID)
    trevoke.set_defaults(run=cmd_tokens_revoke)

    schema = commands.add_parser("schema", help=_("JSON Schemas of the definitions")).add_subparsers(
        dest="schema_command", required=True, parser_class=Parser)
    dump = schema.add_parser("dump", help=_("write one JSON Schema file per kind of definition"))
    dump.add_argument("dir", type=Path)
    dump.set_defaults(run=cmd_schema_dump, needs_settings=False)

    load = commands.add_parser("import", help=_("import records from an xlsx or csv file"))
    load.add_argument("app")
    load.add_argument("form")
    load.add_argument("file", type=Path)
    load.add_argument("--upsert-key", help=_("update the record with the same value of this field, else create"))
    load.add_argument("--mode", choices=("all", "valid"), default="all",
                      help=_("all: nothing is imported if a row fails; valid: import the valid rows"))
    load.add_argument("--report", type=Path, help=_("write the problems to this .xlsx file"))
    load.add_argument("--as", dest="as_user", help=_("act as this user (default: the first administrator)"))
    load.set_defaults(run=cmd_import)
    save = commands.add_parser("export", help=_("export records to an xlsx or csv file"))
    save.add_argument("app")
    save.add_argument("form")
    save.add_argument("-o", "--output", type=Path, required=True)
    save.add_argument("--format", choices=("xlsx", "csv"), help=_("default: from the file name"))
    save.add_argument("--filter", help=_("a filter expression (JSON)"))
    save.add_argument("--sort", help=_("field keys, - for descending: -amount,name"))
    save.add_argument("--fields", help=_("the columns, in order: key,key"))
    save.add_argument("--as", dest="as_user", help=_("act as this user (default: the first administrator)"))
    save.set_defaults(run=cmd_export)
    cli_apps.add_commands(commands, Parser)
    cli_jobs.add_commands(commands, Parser, whole)
    cli_org.add_commands(commands, Parser)
    return parser


def cmd_db_upgrade(args, settings: Settings) -> None:
    from brickwork.platform import migrate

    engine = make_engine(settings.database_url)
    migrate.upgrade(engine)
    print(_("The database is at revision %(rev)s.", rev=migrate.current_revision(engine)))
    engine.dispose()


def cmd_db_current(args, settings: Settings) -> None:
    from brickwork.platform import migrate

    engine = make_engine(settings.database_url)
    print(migrate.current_revision(engine) or "-")
    engine.dispose()


def cmd_users_create(args, settings: Settings) -> None:
    from brickwork.platform.identity.users import create_user

    user = _work(settings, lambda s: create_user(
        s, args.username, args.password, is_admin=args.admin, display_name=args.display_name))
    print(_("Created user %(username)s.", username=user.username))


def cmd_users_set_password(args, settings: Settings) -> None:
    from brickwork.platform.identity.users import set_password

    user = _work(settings, lambda s: set_password(s, args.username, args.password))
    print(_("Set the password of %(username)s.", username=user.username))


def cmd_users_set_active(args, settings: Settings) -> None:
    """The API's checks (people.set_person_active): never the last active administrator, never
    the caller (``--as``) themselves."""
    from brickwork.platform.identity.people import set_person_active
    from brickwork.platform.identity.users import get_user

    def toggle(session):
        actor = get_user(session, args.as_user).id if args.as_user else None
        return set_person_active(session, actor, get_user(session, args.username).id, args.active)

    user = _work(settings, toggle)
    print(_("%(username)s can sign in.", username=user.username) if user.is_active
          else _("%(username)s is deactivated.", username=user.username))


def cmd_users_reset_2fa(args, settings: Settings) -> None:
    from brickwork.platform.identity import totp
    from brickwork.platform.identity.users import get_user

    def reset(session):
        user = get_user(session, args.username)
        return user.username, totp.reset(session, None, user.id)

    username, was_on = _work(settings, reset)
    print(_("Two-factor sign-in of %(username)s is off; they sign in with their password.", username=username)
          if was_on else _("%(username)s had no two-factor sign-in.", username=username))


def cmd_tokens_create(args, settings: Settings) -> None:
    from brickwork.platform.identity.tokens import create_token

    scopes = ("read",) if args.read_only else ("read", "write")
    _row, token = _work(settings, lambda s: create_token(s, args.username, args.name, scopes, app=args.app))
    print(token)
    print(_("Keep this token now: it is not shown again."), file=sys.stderr)


def cmd_tokens_list(args, settings: Settings) -> None:
    from brickwork.platform.identity.tokens import list_tokens

    for row in _work(settings, lambda s: list_tokens(s, args.username)):
        state = _("revoked") if row.revoked_at else _("active")
        print(f"{row.id}\t{row.prefix}…\t{row.name}\t{','.join(row.scopes)}\t{state}")


def cmd_tokens_revoke(args, settings: Settings) -> None:
    from brickwork.platform.identity.tokens import revoke_token

    _work(settings, lambda s: revoke_token(s, args.id))
    print(_("Revoked token %(id)s.", id=args.id))


def cmd_schema_dump(args, _settings: None) -> None:
    from brickwork.kinds import SCHEMAS
    from brickwork.platform.definitions.schemas import dump

    try:
        written = dump(SCHEMAS, args.dir)
    except OSError as exc:
        raise UsageError(_("Cannot write to %(path)s: %(reason)s", path=args.dir,
                           reason=exc.strerror or exc)) from None
    for path in written:
        print(path)


SHOWN_PROBLEMS = 20


def cmd_import(args, settings: Settings) -> int:
    from brickwork.engines.form.transfer.jobs import import_file, principal
    from brickwork.engines.form.transfer.report import write_report

    stream = _open(args.file, "rb")
    with stream:
        _table, result = _work(settings, lambda s: import_file(
            s, args.app, args.form, principal(s, args.as_user), stream, args.file.name, mode=args.mode,
            upsert_key=args.upsert_key))
    for p in result.problems[:SHOWN_PROBLEMS]:
        print(_("row %(row)s, %(column)s: %(problem)s", row=p.row, column=p.column or "-", problem=p.message),
              file=sys.stderr)
    if result.problem_count > SHOWN_PROBLEMS:
        print(_("… and %(n)s more problems.", n=result.problem_count - SHOWN_PROBLEMS), file=sys.stderr)
    if args.report:
        with replacing(args.report, "wb") as out:
            write_report(result.problems, out)
    print(_("Created %(created)s, updated %(updated)s, failed %(failed)s.", created=result.created,
            updated=result.updated, failed=result.failed))
    if result.failed and args.mode == "all":
        print(_("Nothing was imported: correct the rows above, or import the valid rows with --mode valid."),
              file=sys.stderr)
    return 1 if result.failed else 0


def cmd_export(args, settings: Settings) -> None:
    import json

    from brickwork.engines.form.forms import load_form
    from brickwork.engines.form.records import RecordService
    from brickwork.engines.form.transfer.exporting import export_records
    from brickwork.engines.form.transfer.jobs import principal

    fmt = args.format or ("csv" if args.output.suffix.lower() == ".csv" else "xlsx")
    try:
        ast = json.loads(args.filter) if args.filter else None
    except ValueError:
        raise UsageError(_("--filter is not valid JSON.")) from None

    def export(session) -> int:
        service = RecordService(session, load_form(session, args.app, args.form), principal(session, args.as_user))
        with replacing(args.output, "wb") as out:
            return export_records(session, service, out, fmt, filter_ast=ast, sort=args.sort, fields=args.fields)

    count = _work(settings, export)
    print(_("Exported %(n)s records to %(path)s.", n=count, path=args.output))


def cmd_serve(args, settings: Settings) -> None:
    import uvicorn

    from brickwork.app import create_app

    migrated_engine(settings, args.migrate, _("The database is not migrated: run 'brickwork db upgrade' or "
                                              "start with 'brickwork serve --migrate'.")).dispose()
    _first_admin(settings, f"http://{args.host}:{args.port}")
    # The access log costs about a sixth of the server's time per request, so it is opt-in.
    options = {"host": args.host, "port": args.port, "log_level": "info", "access_log": args.access_log}
    if args.workers > 1:  # each process builds the app from the same BRICKWORK_* environment
        uvicorn.run("brickwork.app:create_app", factory=True, workers=args.workers, **options)
    else:
        uvicorn.run(create_app(settings), **options)


def _first_admin(settings: Settings, url: str) -> None:
    """With no active administrator nobody could set anything up: create one."""
    from brickwork.platform.identity.users import ADMIN_DISPLAY_NAME, count_admins, create_user

    def create(session):
        if count_admins(session):
            return None
        password = os.environ.get("BRICKWORK_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        create_user(session, ADMIN, password, is_admin=True, display_name=ADMIN_DISPLAY_NAME)
        return password

    password = _work(settings, create)
    print(_("Brickwork is serving on %(url)s", url=url))
    if password is None:
        print(_("Sign in with your account (reset a password with 'brickwork users set-password')."))
    elif os.environ.get("BRICKWORK_ADMIN_PASSWORD"):
        print(_("Sign in as %(user)s with the password in BRICKWORK_ADMIN_PASSWORD.", user=ADMIN))
    else:
        print(_("Sign in as %(user)s with the password %(password)s (shown only this once).",
                user=ADMIN, password=password))
    sys.stdout.flush()


def main(argv: Sequence[str] | None = None) -> int:
    current_locale.set(negotiate([os.environ.get("LANG", "en").split(".")[0].replace("_", "-")], "en"))
    try:
        args = build_parser().parse_args(argv)
        settings = load_settings() if getattr(args, "needs_settings", True) else None
        code = args.run(args, settings)  # None, or an exit code (1: an import left rows out)
    except (UsageError, ConfigError) as exc:
        return _fail(str(exc), 2)
    except BrickworkError as exc:
        return _fail(str(exc), 2)
    except DataError as exc:  # a value the database cannot hold: the caller's to correct
        return _fail(_("Database error: %(reason)s", reason=_first_line(exc)), 2)
    except SQLAlchemyError as exc:
        return _fail(_("Database error: %(reason)s", reason=_first_line(exc)), 1)
    except OverflowError:  # a number past what SQLite stores (PostgreSQL says so as a database error)
        return _fail(_("A number is too large for the database."), 2)
    except KeyboardInterrupt:
        return 130
    return code or 0


def _first_line(exc: SQLAlchemyError) -> str:
    return str(exc.orig if getattr(exc, "orig", None) else exc).strip().splitlines()[0]


def _fail(message: str, code: int) -> int:
    print(f"brickwork: {message}" if not message.startswith("brickwork") else message, file=sys.stderr)
    return code
