"""Print templates: a quote with 30 lines prints to a PDF whose text holds every line and
the total, in Chinese; its first page, as PNG, goes to the test artefacts to be looked at.
Batches print as one PDF or a zip; templates cannot reach outside the server."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal

import pypdfium2
import pytest
from pypdf import PdfReader

from tests.conftest import ARTIFACTS
from tests.engines.form.helpers import APP, field, form, publish, records

CUSTOMERS = form("customers", field("c1", "text", "name"), field("c2", "text", "city"))
QUOTES = form(
    "quotes", field("q1", "text", "quote_no"), field("q3", "relation", "customer", target="customers"),
    field("q2", "subform", "lines", fields=[
        field("l1", "text", "item"), field("l2", "number", "qty", scale=0), field("l3", "money", "price"),
        field("l4", "formula", "amount", formula="qty * price")]),
    field("q4", "formula", "total", formula="SUM(lines.amount)"))
BODY = """
<h1>报价单 {{ record.quote_no }}</h1>
<p>客户：{{ related.customer.name }}（{{ related.customer.city }}）</p>
<table>
  <thead><tr><th>序号</th><th>品名</th>
    <th class="num">数量</th><th class="num">单价</th><th class="num">金额</th></tr></thead>
  <tbody>
  {% for line in record.lines %}
    <tr><td>{{ loop.index }}</td><td>{{ line.item }}</td><td class="num">{{ line.qty }}</td>
        <td class="num">{{ line.price | money }}</td><td class="num">{{ line.amount | money }}</td></tr>
  {% endfor %}
  </tbody>
</table>
<p>合计：¥{{ record.total | money }}</p>
"""
QUOTE_PRINT = {"key": "quote", "label": {"zh-CN": "报价单", "en": "Quote"}, "form": "quotes", "body": BODY,
               "header": "<b>华东贸易有限公司</b> 报价单", "footer": "打印于 {{ printed_at }}"}
LINES = [{"item": f"不锈钢螺栓 M{i:02d}", "qty": i, "price": f"{i * 1.25:.2f}"} for i in range(1, 31)]


def publish_print(api, body: dict):
    saved = api.put(f"{APP}/definitions/print/{body['key']}", json=body)
    assert saved.status_code == 200, saved.text
    return api.post(f"{APP}/definitions/print/{body['key']}:publish")


@pytest.fixture
def quotes(api):
    for definition in (CUSTOMERS, QUOTES):
        assert publish(api, definition).status_code == 200
    customer = api.post(records("customers"), json={"name": "华东贸易", "city": "上海"}).json()
    made = [api.post(records("quotes"), json={"quote_no": f"BJ-2026-{n:03d}", "customer": customer["id"],
                                              "lines": LINES[: 30 if n == 1 else 3]}).json() for n in (1, 2)]
    assert publish_print(api, QUOTE_PRINT).status_code == 200, "the print template publishes"
    return made


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_quote_with_30_lines_prints_every_line_and_the_total_in_chinese(api, quotes, request):
    quote = quotes[0]
    answer = api.get(f"{records('quotes')}/{quote['id']}/print/quote.pdf")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf" and answer.content.startswith(b"%PDF-")
    text = text_of(answer.content)
    for line in LINES:
        assert line["item"] in text
    total = sum(Decimal(line["price"]) * line["qty"] for line in LINES)
    assert total == Decimal("11818.75") and "合计：¥11,818.75" in text  # 1.25 × Σi² (9,455)
    assert "报价单 BJ-2026-001" in text and "客户：华东贸易（上海）" in text and "华东贸易有限公司" in text
    reader = PdfReader(io.BytesIO(answer.content))
    assert len(reader.pages) == 2 and "1 / 2" in reader.pages[0].extract_text()  # page numbers
    ARTIFACTS.mkdir(exist_ok=True)
    page = pypdfium2.PdfDocument(answer.content)[0]
    page.render(scale=1.5).to_pil().save(ARTIFACTS / f"{request.node.name}-page1.png")


def test_a_batch_prints_one_pdf_or_a_zip_and_limits_what_it_takes(api, quotes):
    ids = ",".join(str(q["id"]) for q in quotes)
    one = api.get(f"{APP}/forms/quotes/print/quote.pdf", params={"ids": ids})
    assert one.status_code == 200
    text = text_of(one.content)
    assert "BJ-2026-001" in text and "BJ-2026-002" in text
    zipped = api.get(f"{APP}/forms/quotes/print/quote.zip", params={"ids": ids})
    names = zipfile.ZipFile(io.BytesIO(zipped.content)).namelist()
    assert names == [f"quotes-{q['id']}.pdf" for q in quotes]
    bad = api.get(f"{APP}/forms/quotes/print/quote.pdf", params={"ids": "1,x"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "ids"
    assert api.get(f"{APP}/forms/quotes/print/nothing.pdf", params={"ids": ids}).status_code == 404
    assert api.get(f"{records('quotes')}/999/print/quote.pdf").status_code == 404


def test_templates_are_sandboxed_and_checked_at_save(api, quotes):
    broken = {**QUOTE_PRINT, "key": "broken", "body": "{% for x in record.lines %}"}
    saved = api.put(f"{APP}/definitions/print/broken", json=broken)
    published = api.post(f"{APP}/definitions/print/broken:publish")
    assert 422 in (saved.status_code, published.status_code)
    sneaky = {**QUOTE_PRINT, "key": "sneaky",
              "body": "{{ record.__class__.__mro__ }}<img src='http://169.254.169.254/latest'>"}
    assert publish_print(api, sneaky).status_code == 200
    answer = api.get(f"{records('quotes')}/{quotes[0]['id']}/print/sneaky.pdf")
    assert answer.status_code == 422 and "render" in answer.json()["errors"][0]["code"]
    escaped = {**QUOTE_PRINT, "key": "escaped", "body": "<p>{{ record.quote_no }}</p><img src='http://127.0.0.1:9/x'>"}
    assert publish_print(api, escaped).status_code == 200
    quote = api.post(records("quotes"), json={"quote_no": "<b>bold</b>"}).json()
    answer = api.get(f"{records('quotes')}/{quote['id']}/print/escaped.pdf")
    assert answer.status_code == 200 and "<b>bold</b>" in text_of(answer.content)  # shown, not markup


def test_amounts_print_in_chinese_capitals():
    from brickwork.connectors.printing.sandbox import ENV

    capitals = ENV.from_string("{{ a | rmb_capitals }}")
    assert capitals.render(a="11818.75") == "壹万壹仟捌佰壹拾捌元柒角伍分"
    assert capitals.render(a="120000.00") == "壹拾贰万元整"
    assert capitals.render(a="100.05") == "壹佰元零伍分"
    assert capitals.render(a="0.005") == "壹分"  # rounded half up to the fen
    assert capitals.render(a=None) == "" and capitals.render(a="n/a") == "n/a"


PAYMENTS = form("payments", field("p1", "relation", "quote", target="quotes"), field("p2", "money", "amount"),
                field("p3", "select", "kind", options=[{"id": "k_cash", "label": {"zh-CN": "现金", "en": "Cash"}}]),
                field("p4", "date", "due"))
LINKED_BODY = {
    "zh-CN": """<h1>报价单 {{ record.quote_no }}</h1>
<p>客户：{{ shown(record).customer }}</p>
{% for p in linked.payments.quote | sort(attribute="due") %}
<p>回款 {{ shown(p).due }} {{ shown(p).kind }} {{ p.amount | money }} {{ p.amount | rmb_capitals }}</p>
{% endfor %}""",
    "en": """<h1>Quote {{ record.quote_no }}</h1>
{% for p in linked.payments.quote %}<p>Payment {{ shown(p).due }} {{ shown(p).kind }}</p>{% endfor %}""",
}


def test_a_template_per_language_reads_display_texts_and_the_records_linking_here(api, quotes):
    """``shown(x)``: what a reader sees (a customer's name, not its id; an option's label; a
    date in the reader's language). ``linked.<form>.<field>``: the records that link here."""
    assert publish(api, PAYMENTS).status_code == 200
    quote = quotes[1]
    for due, amount in (("2027-03-01", "2000"), ("2027-01-15", "1500.5")):
        made = api.post(records("payments"), json={"quote": quote["id"], "amount": amount, "kind": "k_cash",
                                                   "due": due})
        assert made.status_code == 201, made.text
    template = {**QUOTE_PRINT, "key": "linked", "body": LINKED_BODY,
                "header": {"zh-CN": "报价单", "en": "Quote"}, "footer": ""}
    assert publish_print(api, template).status_code == 200
    url = f"{records('quotes')}/{quote['id']}/print/linked.pdf"
    chinese = text_of(api.get(url, headers={"Accept-Language": "zh-CN"}).content)
    assert "客户：华东贸易" in chinese
    first, second = chinese.index("2027年1月15日"), chinese.index("2027年3月1日")
    assert first < second  # sorted by due date in the template
    assert "现金 1,500.50 壹仟伍佰元伍角" in chinese and "现金 2,000.00 贰仟元整" in chinese
    english = text_of(api.get(url, headers={"Accept-Language": "en"}).content)
    assert "Quote BJ-2026-002" in english and "Payment Jan 15, 2027 Cash" in english and "报价单" not in english
    blank = api.put(f"{APP}/definitions/print/blank", json={**template, "key": "blank", "body": {"en": " "}})
    assert blank.status_code == 422
    wrong = {**template, "key": "wrong", "body": {"zh-CN": "{% if %}", "en": "fine"}}
    saved = api.put(f"{APP}/definitions/print/wrong", json=wrong)
    published = saved if saved.status_code == 422 else api.post(f"{APP}/definitions/print/wrong:publish")
    assert published.status_code == 422
    assert [e["field"] for e in published.json()["errors"]] == ["$.body.zh-CN"]
