import pytest

from brickwork.platform.db import transaction
from brickwork.platform.errors import Conflict, NotFound
from brickwork.platform.identity.org import (
    add_member,
    create_department,
    create_role,
    departments_of,
    grant_role,
    heads_of,
    roles_of,
    set_heads,
    subtree_ids,
)
from brickwork.platform.identity.users import create_user


def test_subtree_holds_a_department_and_everything_below_it(sessions):
    with transaction(sessions) as s:
        company = create_department(s, "总公司")
        sales = create_department(s, "销售部", company.id)
        east = create_department(s, "华东区", sales.id)
        service = create_department(s, "客服部", company.id)
        assert sorted(subtree_ids(s, sales.id)) == sorted([sales.id, east.id])
        assert sorted(subtree_ids(s, company.id)) == sorted([company.id, sales.id, east.id, service.id])
        assert subtree_ids(s, east.id) == [east.id]


def test_a_user_has_one_main_department(sessions):
    with transaction(sessions) as s:
        user = create_user(s, "liu", "password-1")
        a, b = create_department(s, "A"), create_department(s, "B")
        add_member(s, user.id, a.id)
        add_member(s, user.id, b.id)
        assert departments_of(s, user.id) == [a.id, b.id]
        add_member(s, user.id, b.id, main=True)
        assert departments_of(s, user.id) == [b.id, a.id]


def test_departments_have_zero_or_more_heads(sessions):
    with transaction(sessions) as s:
        one, two = create_user(s, "head1", "password-1"), create_user(s, "head2", "password-1")
        dept = create_department(s, "Sales")
        assert heads_of(s, dept.id) == []
        set_heads(s, dept.id, [two.id, one.id, two.id])
        assert heads_of(s, dept.id) == sorted([one.id, two.id])


def test_roles_are_granted_once(sessions):
    with transaction(sessions) as s:
        user = create_user(s, "ma", "password-1")
        create_role(s, "sales", {"zh-CN": "销售", "en": "Sales"})
        grant_role(s, user.id, "sales")
        grant_role(s, user.id, "sales")
        assert roles_of(s, user.id) == {"sales"}
        with pytest.raises(Conflict):
            create_role(s, "sales", {"en": "Again"})
        with pytest.raises(NotFound):
            grant_role(s, user.id, "nope")
        with pytest.raises(NotFound):
            create_department(s, "Orphan", parent_id=999)
