"""Finding people and departments by name for pickers (``/users:pick``, ``/departments:pick``)."""

from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_department
from brickwork.platform.identity.users import create_user


def test_users_are_found_by_part_of_their_name_and_named_back_by_id(api, sessions):
    with transaction(sessions) as s:
        li = create_user(s, "lilei", "secret-password-1", display_name="李雷").id
        han = create_user(s, "hmm", "secret-password-1", display_name="韩梅梅").id
        gone = create_user(s, "old", "secret-password-1", display_name="李老")
        gone.is_active = False
    found = api.get("/api/v1/users:pick", params={"q": "李"}).json()
    assert found == [{"id": li, "name": "李雷"}]  # inactive people are not offered
    assert [u["id"] for u in api.get("/api/v1/users:pick", params={"q": "HMM"}).json()] == [han]
    named = api.get("/api/v1/users:pick", params={"ids": f"{han},{li}"}).json()
    assert sorted(u["name"] for u in named) == ["李雷", "韩梅梅"]
    bad = api.get("/api/v1/users:pick", params={"ids": "1,x"})
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_departments_come_in_tree_order_with_their_depth(api, sessions):
    with transaction(sessions) as s:
        sales = create_department(s, "销售部")
        east = create_department(s, "华东销售部", sales.id)
        create_department(s, "研发部")
        sales_id, east_id = sales.id, east.id
    found = api.get("/api/v1/departments:pick", params={"q": "销售"}).json()
    assert found == [{"id": sales_id, "name": "销售部", "depth": 0}, {"id": east_id, "name": "华东销售部", "depth": 1}]
    assert api.get("/api/v1/departments:pick", params={"ids": str(east_id)}).json()[0]["name"] == "华东销售部"


def test_ids_in_other_digits_are_refused_as_a_bad_request(api):
    for ids in ("³", "١", "1,99999999999999999999"):
        bad = api.get("/api/v1/departments:pick", params={"ids": ids})
        assert bad.status_code == 422 and bad.headers["content-type"].startswith("application/problem+json")
