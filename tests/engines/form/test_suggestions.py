"""A relation's suggestions (``suggest``): the linked form's records most like this record's
text, best first, for the people who may read them; measured on real Chinese tickets."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from brickwork.engines.form.suggestions import grams, score
from brickwork.platform.db import transaction
from brickwork.platform.identity.org import create_role, grant_role
from brickwork.platform.identity.tokens import create_token
from brickwork.platform.identity.users import create_user
from tests.engines.form.helpers import field, form, publish, records

PUBLISHED = {"fn": "=", "args": [{"ref": "published"}, {"lit": True, "type": "boolean"}]}
SUGGEST = {"source_fields": ["title", "description"], "target_fields": ["title", "content"], "filter": PUBLISHED,
           "limit": 3}
DESK = {"role": "desk", "actions": ["create", "read", "update"], "scope": "all"}
ARTICLES = [
    ("打印机离线排查", "打印机显示离线时：1. 检查网线是否插好。2. 在电脑上删除并重新添加打印机。", True),
    ("如何开具增值税发票", "在订单页点击开票，填写税号与开票信息，提交后财务审核。", True),
    ("重置登录密码", "忘记密码时在登录页点击忘记密码，按短信验证码重置。", True),
    ("路由器网络连接故障", "检查路由器指示灯是否正常，必要时重启路由器并联系运营商。", True),
    ("打印机离线的内部处理办法", "打印机显示离线：内部草稿，尚未发布。", False),
]


def install(api, *, desk_reads_articles: bool = True) -> dict[str, int]:
    publish(api, form("articles", field("a_title", "text", "title"), field("a_content", "textarea", "content"),
                      field("a_published", "boolean", "published"),
                      permissions=[{**DESK, "actions": ["read"]}] if desk_reads_articles else []))
    done = publish(api, form("tickets", field("t_title", "text", "title"), field("t_desc", "textarea", "description"),
                             field("t_kb", "relation", "knowledge", target="articles", multiple=True, suggest=SUGGEST),
                             permissions=[DESK]))
    assert done.status_code == 200, done.text
    ids = {}
    for title, content, published in ARTICLES:
        ids[title] = api.post(records("articles"), json={"title": title, "content": content,
                                                           "published": published}).json()["id"]
    return ids


@pytest.fixture
def desk(app, sessions):
    with transaction(sessions) as s:
        create_role(s, "desk", {"en": "Service desk"})
        user = create_user(s, "lin", "password-1")
        grant_role(s, user.id, "desk")
        token = create_token(s, "lin")[1]
    with TestClient(app, headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}) as client:
        yield client


def suggested(client, ticket: int) -> list[str]:
    answer = client.get(f"{records('tickets')}/{ticket}/suggestions/knowledge")
    assert answer.status_code == 200, answer.text
    return [item["title"] for item in answer.json()["items"]]


def test_the_article_about_the_tickets_problem_comes_first_and_an_unpublished_one_never(api, desk):
    install(api)
    ticket = desk.post(records("tickets"), json={"title": "打印机无法连接网络",
                                                 "description": "打印机设置后一直显示离线，重启也不行"}).json()
    titles = suggested(desk, ticket["id"])
    assert titles[0] == "打印机离线排查"
    assert "打印机离线的内部处理办法" not in titles  # not published
    assert "如何开具增值税发票" not in titles  # shares nothing but common characters
    other = desk.post(records("tickets"), json={"title": "忘记密码，无法登录"}).json()
    assert suggested(desk, other["id"])[0] == "重置登录密码"


def test_a_linked_article_is_not_suggested_again(api, desk):
    ids = install(api)
    ticket = desk.post(records("tickets"), json={"title": "打印机显示离线",
                                                 "knowledge": [ids["打印机离线排查"]]}).json()
    assert "打印机离线排查" not in suggested(desk, ticket["id"])


def test_someone_who_may_not_read_the_articles_gets_no_suggestions(api, desk):
    install(api, desk_reads_articles=False)
    ticket = desk.post(records("tickets"), json={"title": "打印机显示离线"}).json()
    assert suggested(desk, ticket["id"]) == []
    assert suggested(api, ticket["id"])[0] == "打印机离线排查"  # the administrator reads them


def test_a_relation_without_suggestions_or_an_unknown_field_is_404(api, desk):
    install(api)
    ticket = desk.post(records("tickets"), json={"title": "x"}).json()
    assert desk.get(f"{records('tickets')}/{ticket['id']}/suggestions/title").status_code == 404
    assert desk.get(f"{records('tickets')}/{ticket['id']}/suggestions/nothing").status_code == 404


def test_publishing_refuses_suggestions_over_fields_that_are_not_there(api):
    install(api)
    bad = {**SUGGEST, "target_fields": ["body"]}
    refused = publish(api, form("tickets", field("t_title", "text", "title"),
                                field("t_desc", "textarea", "description"),
                                field("t_kb", "relation", "knowledge", target="articles", multiple=True, suggest=bad)))
    assert refused.status_code == 422
    assert "body" in refused.text


def test_chinese_text_is_compared_by_character_pairs():
    assert grams("打印机离线 Printer") == "打印 印机 机离 离线 printer"
    ticket = grams("打印机一直显示离线")
    assert score(ticket, [grams("打印机离线排查"), ""]) > score(ticket, [grams("如何开具增值税发票"), ""])
