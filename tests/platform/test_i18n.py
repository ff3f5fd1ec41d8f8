import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from brickwork.platform.i18n import _, current_locale, negotiate, parse_accept_language, pick

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "brickwork" / "locale" / "zh_CN" / "LC_MESSAGES" / "messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def source_messages() -> set[str]:
    methods = [("brickwork/**.py", "python"), ("brickwork/builder_ui/templates/**.html", "jinja2")]
    options = {"brickwork/builder_ui/templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(str(ROOT), methods, options):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_in_the_code_has_a_chinese_translation():
    # A plural message (ngettext) is keyed by its singular form.
    catalog = {m.id if isinstance(m.id, str) else m.id[0]: m for m in read_po(PO.open("rb")) if m.id}
    missing = sorted(m for m in source_messages() if m not in catalog or not catalog[m].string)
    assert missing == [], "run `make catalogs` and translate these"
    fuzzy = sorted(m.id for m in catalog.values() if m.fuzzy)
    assert fuzzy == []


def test_translations_keep_their_placeholders():
    for message in read_po(PO.open("rb")):
        if message.id and message.string:
            ids = [message.id] if isinstance(message.id, str) else list(message.id)
            strings = [message.string] if isinstance(message.string, str) else list(message.string)
            for string in strings:
                assert sorted(PLACEHOLDER.findall(ids[-1])) == sorted(PLACEHOLDER.findall(string)), message.id


def test_the_current_locale_decides_the_language():
    token = current_locale.set("zh-CN")
    try:
        assert _("Sign in") == "登录"
        assert _("Use at least %(n)s characters.", n=8) == "请至少使用 8 个字符。"
    finally:
        current_locale.reset(token)
    assert _("Sign in") == "Sign in"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"),
        ("en-US,en;q=0.9", "en"),
        ("zh-TW", "zh-CN"),
        ("fr-FR,en;q=0.5", "en"),
        ("en;q=0.2,zh;q=0.8", "zh-CN"),
        ("de", "zh-CN"),
        ("", "zh-CN"),
    ],
)
def test_browser_languages_pick_a_supported_locale(header, expected):
    assert negotiate(parse_accept_language(header), "zh-CN") == expected


def test_labels_fall_back_to_another_language():
    assert pick({"zh-CN": "客户", "en": "Customer"}, "zh-CN") == "客户"
    assert pick({"zh-CN": "客户"}, "en") == "客户"
    assert pick({"en": "Customer", "zh-CN": ""}, "zh-CN") == "Customer"
