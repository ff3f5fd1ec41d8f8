"""``brickwork users|departments|roles …`` for scripting the organisation: list, create,
update, deactivate, move. Lists print one tab-separated line per row (``--json`` for
JSON); bad input prints one line on stderr and exits 2, and changes nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from brickwork.cli_common import UsageError, _open, _work
from brickwork.platform.i18n import _


def add_user_commands(users) -> None:
    """More ``users`` commands beside ``create``, ``set-password``, (de)activate (cli.py)."""
    listing = users.add_parser("list", help=_("list people"))
    listing.add_argument("--query", default="", help=_("a part of the name, user name or email"))
    listing.add_argument("--department", help=_("only the members of this department (id or path)"))
    listing.add_argument("--json", action="store_true", help=_("print JSON"))
    listing.set_defaults(run=cmd_users_list)
    invite = users.add_parser("invite", help=_("create a person with a one-time password, printed once"))
    invite.add_argument("username")
    _profile_options(invite)
    invite.set_defaults(run=cmd_users_invite)
    change = users.add_parser("update", help=_("change a person's profile, manager or departments"))
    change.add_argument("user", help=_("id, user name or email"))
    _profile_options(change)
    change.set_defaults(run=cmd_users_update)
    reset = users.add_parser("reset-password", help=_("give a person a one-time password, printed once"))
    reset.add_argument("user", help=_("id, user name or email"))
    reset.set_defaults(run=cmd_users_reset_password)
    load = users.add_parser("import", help=_("import people, departments and managers from an xlsx file"))
    load.add_argument("file", type=Path)
    load.add_argument("--dry-run", action="store_true", help=_("only check the file"))
    load.set_defaults(run=cmd_users_import)


def _profile_options(command) -> None:
    command.add_argument("--display-name")
    command.add_argument("--email")
    command.add_argument("--phone")
    command.add_argument("--title")
    command.add_argument("--locale", help="en, zh-CN")
    command.add_argument("--manager", help=_("id, user name or email; \"\" for none"))
    command.add_argument("--departments", help=_("department ids or paths separated by commas, the main one first"))


def add_commands(commands, parser_class) -> None:
    departments = commands.add_parser("departments", help=_("the department tree")).add_subparsers(
        dest="departments_command", required=True, parser_class=parser_class)
    listing = departments.add_parser("list", help=_("list the departments, parents first"))
    listing.add_argument("--json", action="store_true", help=_("print JSON"))
    listing.set_defaults(run=cmd_departments_list)
    create = departments.add_parser("create", help=_("create a department"))
    create.add_argument("name")
    create.add_argument("--parent", help=_("the parent department (id or path such as Sales)"))
    create.add_argument("--heads", help=_("user names separated by commas"))
    create.set_defaults(run=cmd_departments_create)
    rename = departments.add_parser("rename", help=_("rename a department"))
    rename.add_argument("department", help=_("id or path"))
    rename.add_argument("name")
    rename.set_defaults(run=cmd_departments_change, field="name")
    move = departments.add_parser("move", help=_("move a department under another one"))
    move.add_argument("department", help=_("id or path"))
    move.add_argument("--to", required=True, help=_("the new parent (id or path); / for the top"))
    move.set_defaults(run=cmd_departments_change, field="parent_id")
    heads = departments.add_parser("heads", help=_("set the heads of a department"))
    heads.add_argument("department", help=_("id or path"))
    heads.add_argument("users", help=_("user names separated by commas; \"\" for none"))
    heads.set_defaults(run=cmd_departments_change, field="heads")
    delete = departments.add_parser("delete", help=_("delete an empty department"))
    delete.add_argument("department", help=_("id or path"))
    delete.set_defaults(run=cmd_departments_delete)

    roles = commands.add_parser("roles", help=_("roles people hold")).add_subparsers(
        dest="roles_command", required=True, parser_class=parser_class)
    rlist = roles.add_parser("list", help=_("list the roles and who holds them"))
    rlist.add_argument("--json", action="store_true", help=_("print JSON"))
    rlist.set_defaults(run=cmd_roles_list)
    rcreate = roles.add_parser("create", help=_("create a role"))
    rcreate.add_argument("key")
    rcreate.add_argument("--label", default="", help=_("the name people see"))
    rcreate.set_defaults(run=cmd_roles_create)
    for name, text in (("grant", _("give a person a role")), ("revoke", _("take a role from a person"))):
        command = roles.add_parser(name, help=text)
        command.add_argument("role")
        command.add_argument("user", help=_("id, user name or email"))
        command.add_argument("--department", help=_("only within this department (id or path)"))
        command.set_defaults(run=cmd_roles_grant, granting=name == "grant")


def _print_rows(rows: list[dict], as_json: bool, columns: list[str]) -> None:
    if as_json:
        print(json.dumps(rows, ensure_ascii=False, default=str))
        return
    for row in rows:
        print("\t".join("" if row[c] is None else (",".join(map(str, row[c])) if isinstance(row[c], list)
                                                   else str(row[c])) for c in columns))


def _department_id(session, text: str | None) -> int | None:
    """A department by id or by its path of names ("Sales/East")."""
    from brickwork.platform.identity.org_tree import path_names

    if text is None:
        return None
    text = text.strip()
    names = path_names(session)
    if text.isascii() and text.isdigit() and int(text) in names:
        return int(text)
    wanted = "/".join(p.strip() for p in text.strip("/").split("/")).lower()
    for department_id, path in names.items():
        if path.lower() == wanted:
            return department_id
    raise UsageError(_("No department is named %(name)s.", name=text[:128]))


def _profile(session, args) -> dict:
    data = {name: getattr(args, name) for name in ("display_name", "email", "phone", "title", "locale")
            if getattr(args, name) is not None}
    if args.manager is not None:
        data["manager"] = args.manager or None
    if args.departments is not None:
        data["departments"] = [_department_id(session, d) for d in args.departments.split(",") if d.strip()]
    return data


def cmd_users_list(args, settings) -> None:
    from brickwork.platform.identity.people import list_people, memberships_of

    def run(session):
        _total, rows = list_people(session, args.query, _department_id(session, args.department), limit=1000)
        return [{"id": u.id, "username": u.username, "display_name": u.display_name, "email": u.email,
                 "title": u.title, "is_admin": u.is_admin, "is_active": u.is_active, "manager_id": u.manager_id,
                 **memberships_of(session, u.id)} for u in rows]

    _print_rows(_work(settings, run), args.json,
                ["id", "username", "display_name", "email", "is_active", "manager_id", "departments"])


def cmd_users_invite(args, settings) -> None:
    from brickwork.platform.identity.people import invite_person

    user, password = _work(settings, lambda s: invite_person(s, None, {"username": args.username, **_profile(s, args)}))
    print(password)
    print(_("Created %(username)s. Give them this one-time password; it is not shown again.",
            username=user.username), file=sys.stderr)


def cmd_users_update(args, settings) -> None:
    from brickwork.platform.identity.people import find_person, update_person

    def run(session):
        user = find_person(session, args.user)
        return update_person(session, None, user.id, _profile(session, args), user.version)

    user = _work(settings, run)
    print(_("Updated %(username)s.", username=user.username))


def cmd_users_reset_password(args, settings) -> None:
    from brickwork.platform.identity.people import find_person, reset_password

    print(_work(settings, lambda s: reset_password(s, None, find_person(s, args.user).id)))
    print(_("The person must choose their own password when they sign in with it."), file=sys.stderr)


def cmd_users_import(args, settings) -> int:
    from brickwork.platform.identity.org_import import import_org

    stream = _open(args.file, "rb")
    with stream:
        result = _work(settings, lambda s: import_org(s, None, stream, dry_run=args.dry_run))
    for p in result.problems[:20]:
        print(_("row %(row)s, %(column)s: %(problem)s", row=p.row, column=p.column or "-", problem=p.message),
              file=sys.stderr)
    if len(result.problems) > 20:
        print(_("… and %(n)s more problems.", n=len(result.problems) - 20), file=sys.stderr)
    print(_("Created %(created)s, updated %(updated)s, failed %(failed)s.", created=result.created,
            updated=result.updated, failed=result.failed))
    if result.problems:
        print(_("Nothing was imported: correct the rows above."), file=sys.stderr)
    return 1 if result.problems else 0


def cmd_departments_list(args, settings) -> None:
    from brickwork.platform.identity.org_tree import counts, list_departments, path_names

    def run(session):
        members, heads = counts(session)
        names = path_names(session)
        return [{"id": d.id, "path": names[d.id], "parent_id": d.parent_id, "members": members.get(d.id, 0),
                 "heads": heads.get(d.id, [])} for d in list_departments(session)]

    _print_rows(_work(settings, run), args.json, ["id", "path", "parent_id", "members", "heads"])


def _heads(text: str) -> list[str]:
    return [h.strip() for h in text.split(",") if h.strip()]


def cmd_departments_create(args, settings) -> None:
    from brickwork.platform.identity.org_tree import add_department

    department = _work(settings, lambda s: add_department(s, None, {
        "name": args.name, "parent_id": _department_id(s, args.parent), "heads": _heads(args.heads or "")}))
    print(department.id)


def cmd_departments_change(args, settings) -> None:
    from brickwork.platform.identity.org_tree import change_department, get_department

    def run(session):
        department = get_department(session, _department_id(session, args.department))
        if args.field == "name":
            value = args.name
        elif args.field == "heads":
            value = _heads(args.users)
        else:
            value = None if args.to.strip() == "/" else _department_id(session, args.to)
        return change_department(session, None, department.id, {args.field: value}, department.version)

    department = _work(settings, run)
    print(_("Changed department %(id)s.", id=department.id))


def cmd_departments_delete(args, settings) -> None:
    from brickwork.platform.identity.org_tree import get_department, remove_department

    def run(session):
        department = get_department(session, _department_id(session, args.department))
        remove_department(session, None, department.id, department.version)
        return department.id

    print(_("Deleted department %(id)s.", id=_work(settings, run)))


def cmd_roles_list(args, settings) -> None:
    from brickwork.platform.identity.org import role_holders

    _print_rows(_work(settings, role_holders), args.json, ["key", "label", "users"])


def cmd_roles_create(args, settings) -> None:
    from brickwork.platform.identity.org import create_role

    label = {"en": args.label} if args.label else {}
    role = _work(settings, lambda s: create_role(s, args.key, label))
    print(_("Created role %(key)s.", key=role.key))


def cmd_roles_grant(args, settings) -> None:
    from brickwork.platform.identity.org import grant_role, revoke_role
    from brickwork.platform.identity.people import find_person

    def run(session):
        user = find_person(session, args.user)
        department_id = _department_id(session, args.department)
        (grant_role if args.granting else revoke_role)(session, user.id, args.role, department_id)
        return user

    user = _work(settings, run)
    print(_("%(username)s holds %(role)s.", username=user.username, role=args.role) if args.granting
          else _("%(username)s no longer holds %(role)s.", username=user.username, role=args.role))
