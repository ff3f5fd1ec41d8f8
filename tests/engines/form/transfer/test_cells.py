"""The guard against formula injection, in every form a spreadsheet reads as a formula."""

import pytest

from brickwork.engines.form.transfer.cells import neutralise, printable, restore


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "|cmd", "＝1+1", "＋1", "－1", "＠SUM(A1)",
                                  "｜cmd", "\tx", "\rx", "'quoted"])
def test_text_a_spreadsheet_would_run_gets_a_quote_that_import_takes_off(text):
    assert neutralise(text) == "'" + text
    assert restore(neutralise(text)) == text


def test_plain_text_is_left_alone():
    assert neutralise("Acme 有限公司") == "Acme 有限公司" == restore("Acme 有限公司")


def test_control_characters_xlsx_cannot_hold_are_shown_as_control_pictures():
    assert printable("a\x0bb\x00c\td\ne") == "a\u240bb\u2400c\td\ne"
