"""The people of the CRM demo: a sales centre with three teams and its director, a service
team and finance, each with a few members. Made once (found by name on later runs).

Every demo person signs in with ``DEMO_PASSWORD`` (printed by the install command and
documented in docs/templates.md), so a visitor can see the CRM as each role sees it. A
demo database is for looking around: never put demo people on an installation others use.

Salespeople hold the template's role ``sales`` (the first of each team ``sales_manager``
too), the director ``sales_director``, the service team ``service``, the finance
department's one person ``finance``; each person creates the records they own."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.identity.org import add_member, create_department, grant_role
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import Department, Role, User

DEMO_PASSWORD = "brickwork-demo"
SALES_CENTRE = "销售中心"
# Department name, whether it sells, its members (username, display name).
TEAMS = [
    ("华东销售部", True, [("demo.zhangwei", "张伟"), ("demo.lina", "李娜"), ("demo.wangqiang", "王强")]),
    ("华南销售部", True, [("demo.liuyang", "刘洋"), ("demo.chenjing", "陈静"), ("demo.huangmin", "黄敏")]),
    ("大客户部", True, [("demo.zhaolei", "赵磊"), ("demo.zhoujie", "周杰")]),
    ("客户服务部", False, [("demo.sunli", "孙丽"), ("demo.xuting", "徐婷"), ("demo.mahao", "马浩")]),
]
KEY_ACCOUNTS = "大客户部"
# The approvers of CRM 2.0's flows: the sales centre's director, and finance's one person.
DIRECTOR = ("demo.zhengyu", "郑宇")
FINANCE = ("财务部", [("demo.qianfang", "钱芳")])


@dataclass(frozen=True)
class Member:
    user_id: int
    department_id: int
    key_accounts: bool


@dataclass(frozen=True)
class Org:
    sales: list[Member]
    service: list[Member]
    managers: list[int]  # user ids: the first of each sales team
    director: int
    finance: int


def people() -> list[tuple[str, str, str, tuple[str, ...]]]:
    """(username, display name, department, roles) of every demo person, in the order shown."""
    listed = []
    for name, sells, members in TEAMS:
        for username, display in members:
            listed.append((username, display, name, _roles(sells, username == members[0][0])))
    listed.append((*DIRECTOR, SALES_CENTRE, ("sales_director",)))
    listed += [(username, display, FINANCE[0], ("finance",)) for username, display in FINANCE[1]]
    return listed


def _roles(sells: bool, leads: bool) -> tuple[str, ...]:
    return ("sales", "sales_manager") if sells and leads else ("sales",) if sells else ("service",)


def ensure_org(session: Session) -> Org:
    """The demo departments and users, made if absent."""
    centre = _department(session, SALES_CENTRE, None)
    roles = set(session.scalars(select(Role.key)))
    sales, service, managers = [], [], []
    for name, sells, members in TEAMS:
        department = _department(session, name, centre.id if sells else None)
        for username, display in members:
            user = _person(session, username, display, department, _roles(sells, username == members[0][0]), roles)
            member = Member(user.id, department.id, name == KEY_ACCOUNTS)
            (sales if sells else service).append(member)
            if sells and username == members[0][0]:
                managers.append(user.id)
    director = _person(session, *DIRECTOR, centre, ("sales_director",), roles)
    finance = _department(session, FINANCE[0], None)
    accountants = [_person(session, username, display, finance, ("finance",), roles)
                   for username, display in FINANCE[1]]
    return Org(sales, service, managers, director.id, accountants[0].id)


def _person(session: Session, username: str, display: str, department: Department, held: tuple[str, ...],
            roles: set[str]) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        user = create_user(session, username, DEMO_PASSWORD, display_name=display)
        add_member(session, user.id, department.id, main=True)
        for role in held:
            if role in roles:
                grant_role(session, user.id, role)
    return user


def _department(session: Session, name: str, parent_id: int | None) -> Department:
    found = session.scalar(select(Department).where(Department.name == name).order_by(Department.id).limit(1))
    return found or create_department(session, name, parent_id)
