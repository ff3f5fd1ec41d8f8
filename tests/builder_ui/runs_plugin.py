"""A plugin for the run-log page tests (BRICKWORK_PLUGINS=tests.builder_ui.runs_plugin): a
subscriber to created records that fails, as a mis-configured connector would, until the
file named by BRICKWORK_TEST_FIXED exists; then it notes the event in ``test_seen``."""

import os
from pathlib import Path

from brickwork.platform.jobs import Retry, subscribe
from tests.platform.jobs.seen import remember

note = remember("tests.flaky")


@subscribe("tests.flaky", ["record.created"], retry=Retry(attempts=2, base=0.2))
def flaky(session, event) -> None:
    if not Path(os.environ["BRICKWORK_TEST_FIXED"]).exists():
        raise ConnectionError("the receiving system refused the connection")
    note(session, event)
