"""``brickwork templates …`` and ``brickwork apps …``: apps as JSON files, and the shipped
templates installed and upgraded from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from brickwork.platform.apps import ICONS
from brickwork.platform.i18n import _, pick


def add_commands(commands, parser_class) -> None:
    templates = commands.add_parser("templates", help=_("the app templates shipped with Brickwork")).add_subparsers(
        dest="templates_command", required=True, parser_class=parser_class)
    templates.add_parser("list", help=_("list the templates")).set_defaults(run=cmd_templates_list)
    install = templates.add_parser("install", help=_("install a template, or upgrade the app installed from it"))
    install.add_argument("name")
    install.add_argument("--demo-data", type=int, metavar="N", help=_("then add demo data: N customers"))
    install.add_argument("--seed", type=int, default=1, help=_("the demo data's random seed"))
    install.add_argument("--if-no-apps", action="store_true",
                         help=_("do nothing when the database has apps already (a first start)"))
    install.set_defaults(run=cmd_templates_install)

    demo = commands.add_parser("demo-data", help=_("fill an app installed from a template with demo records"))
    demo.add_argument("template", help=_("the template's name, such as crm"))
    demo.add_argument("--size", type=int, required=True, help=_("how many customers; the other records in proportion"))
    demo.add_argument("--seed", type=int, default=1, help=_("the same seed makes the same records"))
    demo.add_argument("--app", help=_("the app's key (default: the template's)"))
    demo.set_defaults(run=cmd_demo_data)

    apps = commands.add_parser("apps", help=_("apps as JSON files")).add_subparsers(
        dest="apps_command", required=True, parser_class=parser_class)
    export = apps.add_parser("export", help=_("write an app's definitions and shared views to a JSON file"))
    export.add_argument("app")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.set_defaults(run=cmd_apps_export)
    load = apps.add_parser("import", help=_("create an app from a JSON file"))
    load.add_argument("file", type=Path)
    load.add_argument("--key", help=_("give the app another key"))
    load.set_defaults(run=cmd_apps_import)
    listing = apps.add_parser("list", help=_("list the apps"))
    listing.add_argument("--deleted", action="store_true", help=_("list the apps in the recycle bin instead"))
    listing.set_defaults(run=cmd_apps_list)
    rename = apps.add_parser("rename", help=_("change an app's name or icon"))
    rename.add_argument("app")
    rename.add_argument("--label-zh", help=_("the name in Chinese"))
    rename.add_argument("--label-en", help=_("the name in English"))
    rename.add_argument("--icon", help=_("one of the icons: %(names)s", names=", ".join(ICONS)))
    rename.set_defaults(run=cmd_apps_rename)
    delete = apps.add_parser("delete", help=_("move an app to the recycle bin; its records are kept"))
    delete.add_argument("app")
    delete.set_defaults(run=cmd_apps_delete)
    restore = apps.add_parser("restore", help=_("bring an app back from the recycle bin"))
    restore.add_argument("app")
    restore.set_defaults(run=cmd_apps_restore)


def cmd_templates_list(args, settings) -> None:
    from brickwork.templates import CATALOG

    for name in CATALOG.available():
        document = CATALOG.load(name)
        print(f"{name}\t{document['template']['version']}\t{pick(document['app']['label'])}")


def cmd_templates_install(args, settings) -> None:
    from sqlalchemy import func, select

    from brickwork.cli_common import _work
    from brickwork.kinds import store
    from brickwork.platform.appfile import Installed, install_template
    from brickwork.platform.models import App
    from brickwork.templates import CATALOG

    def install(session):
        if args.if_no_apps and session.scalar(select(func.count()).select_from(App)):
            return False
        return install_template(session, store(), CATALOG.load(args.name), None)

    done = _work(settings, install)
    if done is False:
        return
    if done is None:
        print(_("The app installed from %(name)s is at this version already.", name=args.name))
    elif isinstance(done, Installed):
        print(_("Installed %(name)s as the app %(app)s.", name=args.name, app=done.app.key))
    else:
        print(_("Upgraded the app %(app)s from %(old)s to %(new)s.", app=done.app.key, old=done.from_version,
                new=done.to_version))
        for conflict in done.conflicts:
            print(_("Kept the app's value at %(path)s; the template has %(theirs)s.", path=conflict["path"],
                    theirs=json.dumps(conflict["theirs"], ensure_ascii=False)), file=sys.stderr)
        for path in done.edits:
            print(_("Kept the app's own change at %(path)s.", path=path), file=sys.stderr)
        for path in done.kept:
            print(_("Kept %(path)s, which the template no longer has.", path=path), file=sys.stderr)
        for path in done.replaced:
            print(_("Replaced the app's change at %(path)s with the template's.", path=path), file=sys.stderr)
    if args.demo_data and done is not None:
        add_demo_data(settings, args.name, args.demo_data, args.seed)


def cmd_demo_data(args, settings) -> None:
    from brickwork.cli_common import UsageError

    if args.size < 1:
        raise UsageError(_("--size must be at least 1."))
    add_demo_data(settings, args.template, args.size, args.seed, args.app)


def add_demo_data(settings, name: str, size: int, seed: int, app_key: str | None = None) -> None:
    import brickwork.kinds  # noqa: F401  (the subscribers, so the demo's writes queue their deliveries)
    from brickwork.platform.db import make_engine, make_sessionmaker
    from brickwork.templates import CATALOG, demo_people

    generate = CATALOG.demo_generator(name)
    engine = make_engine(settings.database_url)
    try:
        # Not one transaction: the generator commits chunk by chunk, so memory stays flat.
        with make_sessionmaker(engine)() as session:
            counts = generate(session, _app(session, name, app_key), size, seed)
        # The demo's rules run now, once, so the run log and the notifications show them
        # whether or not a worker runs beside the server (on PostgreSQL one must).
        run_due_jobs(settings, engine)
    finally:
        engine.dispose()
    print(_("Added demo data: %(counts)s.", counts=", ".join(f"{k} {v}" for k, v in counts.items())))
    people = demo_people(name)
    if people:
        password, listed = people
        print(_("Demo people sign in with the password %(password)s:", password=password))
        for username, display, department, roles in listed:
            print(f"  {username}\t{display}\t{department}\t{', '.join(roles)}")


def run_due_jobs(settings, engine) -> None:
    """What ``brickwork worker --once`` does: every job due now, and those they make."""
    from brickwork.connectors import config as connectors_config
    from brickwork.platform.db import make_sessionmaker
    from brickwork.platform.jobs.worker import run_forever

    connectors_config.configure(settings)
    run_forever(settings, engine, make_sessionmaker(engine), 2, wait=False)


def _app(session, name: str, app_key: str | None = None):
    from brickwork.platform.apps import get_app
    from brickwork.templates import CATALOG

    return get_app(session, app_key or CATALOG.load(name)["app"]["key"])


def cmd_apps_export(args, settings) -> None:
    from brickwork.cli_common import _work, replacing
    from brickwork.kinds import store
    from brickwork.platform.appfile import export_app
    from brickwork.platform.apps import get_app

    document = _work(settings, lambda session: export_app(session, store(), get_app(session, args.app)))
    with replacing(args.output, "w") as out:
        json.dump(document, out, ensure_ascii=False, indent=1)
    print(_("Exported the app %(app)s to %(path)s.", app=args.app, path=args.output))


def cmd_apps_import(args, settings) -> None:
    from brickwork.cli_common import UsageError, _open, _work
    from brickwork.kinds import store
    from brickwork.platform.appfile import install_document

    with _open(args.file, "r") as stream:
        try:
            document = json.load(stream)
        except ValueError as exc:
            raise UsageError(_("%(path)s is not JSON: %(reason)s", path=args.file, reason=exc)) from None
    done = _work(settings, lambda session: install_document(session, store(), document, None, args.key))
    print(_("Imported the app %(app)s.", app=done.app.key))


def cmd_apps_list(args, settings) -> None:
    from brickwork.cli_common import _work
    from brickwork.platform.apps import list_apps, list_bin

    rows = _work(settings, lambda session: [(a.key, a.icon, pick(a.label)) for a in
                                            (list_bin(session) if args.deleted else list_apps(session))])
    for key, icon, name in rows:
        print(f"{key}\t{icon}\t{name}")


def cmd_apps_rename(args, settings) -> None:
    from brickwork.cli_common import UsageError, _work
    from brickwork.platform.apps import get_app, update_app

    if args.label_zh is None and args.label_en is None and args.icon is None:
        raise UsageError(_("Give --label-zh, --label-en or --icon."))

    def rename(session):
        app = get_app(session, args.app)
        change: dict = {"version": app.version}
        if args.label_zh is not None or args.label_en is not None:
            label = dict(app.label)
            for locale, value in (("zh-CN", args.label_zh), ("en", args.label_en)):
                if value is not None:
                    label[locale] = value.strip()
            change["label"] = {k: v for k, v in label.items() if v}
        if args.icon is not None:
            change["icon"] = args.icon
        return pick(update_app(session, args.app, change, None).label)

    name = _work(settings, rename)
    print(_("The app %(app)s is now called %(name)s.", app=args.app, name=name))


def cmd_apps_delete(args, settings) -> None:
    from brickwork.cli_common import _work
    from brickwork.platform.apps import delete_app

    _work(settings, lambda session: delete_app(session, args.app, None))
    print(_("Moved the app %(app)s to the recycle bin; brickwork apps restore %(app)s brings it back.",
            app=args.app))


def cmd_apps_restore(args, settings) -> None:
    from brickwork.cli_common import _work
    from brickwork.platform.apps import restore_app

    _work(settings, lambda session: restore_app(session, args.app, None))
    print(_("Restored the app %(app)s.", app=args.app))
