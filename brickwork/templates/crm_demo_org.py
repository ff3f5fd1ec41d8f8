"""The people of the CRM demo: a sales centre with three teams and a service team, each with
a few members. Made once (found by name on later runs); the demo users get random passwords,
so they own records but nobody signs in as them until an administrator sets a password.
Salespeople hold the template's role ``sales`` (the first of each team ``sales_manager`` too),
the service team ``service``; each person creates the records they own."""

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
                for role in (("sales", "sales_manager") if sells and username == members[0][0] else
                             ("sales",) if sells else ("service",)):
                    if role in roles:
                        grant_role(session, user.id, role)
            member = Member(user.id, department.id, name == KEY_ACCOUNTS)
            (sales if sells else service).append(member)
    return Org(sales, service)


def _department(session: Session, name: str, parent_id: int | None) -> Department:
    found = session.scalar(select(Department).where(Department.name == name).order_by(Department.id).limit(1))
    return found or create_department(session, name, parent_id)
