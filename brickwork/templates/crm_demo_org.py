"""The people of the CRM demo: a sales centre with three teams and a service team, each with
a few members. Made once (found by name on later runs); the demo users get random passwords,
so they own records but nobody signs in as them until an administrator sets a password.
Salespeople hold the template's role ``sales`` (the first of each team ``sales_manager`` too,
the key-account lead ``sales_director``), the service team ``service``, the finance
department's one person ``finance``; each person creates the records they own."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from brickwork.platform.identity.org import add_member, create_department, grant_role
from brickwork.platform.identity.users import create_user
from brickwork.platform.models import Department, Role, User

SALES_CENTRE = "销售中心"
# Department name, whether it sells, its members (username, display name).
TEAMS = [
    ("华东销售部", True, [("demo.zhangwei", "张伟"), ("demo.lina", "李娜"), ("demo.wangqiang", "王强")]),
    ("华南销售部", True, [("demo.liuyang", "刘洋"), ("demo.chenjing", "陈静"), ("demo.huangmin", "黄敏")]),
    ("大客户部", True, [("demo.zhaolei", "赵磊"), ("demo.zhoujie", "周杰")]),
    ("客户服务部", False, [("demo.sunli", "孙丽"), ("demo.xuting", "徐婷"), ("demo.mahao", "马浩")]),
]
KEY_ACCOUNTS = "大客户部"
# The approvers of CRM 2.0's flows: the key-account lead directs sales, and finance has one person.
DIRECTOR = "demo.zhaolei"
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


def ensure_org(session: Session) -> Org:
    """The demo departments and users, made if absent."""
    centre = _department(session, SALES_CENTRE, None)
    roles = set(session.scalars(select(Role.key)))
    sales, service = [], []
    for name, sells, members in TEAMS:
        department = _department(session, name, centre.id if sells else None)
        for username, display in members:
            user = session.scalar(select(User).where(User.username == username))
            if user is None:
                user = create_user(session, username, secrets.token_urlsafe(18), display_name=display)
                add_member(session, user.id, department.id, main=True)
                # The template's roles: the first of each sales team leads it.
                held = (("sales", "sales_manager") if sells and username == members[0][0] else
                        ("sales",) if sells else ("service",))
                for role in held + (("sales_director",) if username == DIRECTOR else ()):
                    if role in roles:
                        grant_role(session, user.id, role)
            member = Member(user.id, department.id, name == KEY_ACCOUNTS)
            (sales if sells else service).append(member)
    finance = _department(session, FINANCE[0], None)
    for username, display in FINANCE[1]:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            user = create_user(session, username, secrets.token_urlsafe(18), display_name=display)
            add_member(session, user.id, finance.id, main=True)
            if "finance" in roles:
                grant_role(session, user.id, "finance")
    return Org(sales, service)


def _department(session: Session, name: str, parent_id: int | None) -> Department:
    found = session.scalar(select(Department).where(Department.name == name).order_by(Department.id).limit(1))
    return found or create_department(session, name, parent_id)
