"""An import run beside the answer that streams it: its reports in order, an early error
raised to the reader, and a reader that goes away stopping the job at its next batch."""

from __future__ import annotations

import threading

import pytest

from brickwork.engines.form.transfer.reading import Table
from brickwork.engines.form.transfer.streaming import Cancelled, events
from brickwork.platform.errors import Invalid
from brickwork.platform.i18n import _, current_locale


def table(lines: int | None) -> Table:
    return Table("csv", "UTF-8", ["Name"], iter(()), lines=lines)


def test_reports_come_in_order_and_the_result_last():
    def job(started, progress):
        started(table(3))  # a header and two rows
        progress(2)
        return {"created": 2}

    assert list(events(job)) == [{"done": 0, "total": 2}, {"done": 2}, {"created": 2}]


def test_an_error_before_the_first_report_is_raised_to_the_reader_in_its_language():
    def job(started, progress):
        raise Invalid(_("The column mapping is not valid."))

    token = current_locale.set("zh-CN")  # as the request's locale middleware sets it
    try:
        with pytest.raises(Invalid) as raised:
            next(events(job))
    finally:
        current_locale.reset(token)
    assert raised.value.title == "列映射无效。"


def test_a_reader_that_goes_away_stops_the_job_at_its_next_batch():
    resume, finished = threading.Event(), threading.Event()
    outcome = {}

    def job(started, progress):
        started(table(None))
        progress(1000)
        resume.wait()
        try:
            progress(2000)
            outcome["went on"] = True
        except Cancelled:
            outcome["cancelled"] = True
            raise
        finally:
            finished.set()
        return {}

    reports = events(job)
    assert next(reports) == {"done": 0, "total": None}
    assert next(reports) == {"done": 1000}
    reports.close()
    resume.set()
    finished.wait()
    assert outcome == {"cancelled": True}
