"""A plugin for subprocess tests (BRICKWORK_PLUGINS=tests.platform.jobs.plugin): a subscriber
to record events that notes each one it applies in ``test_seen``."""

from brickwork.platform.jobs import Retry, subscribe
from tests.platform.jobs.seen import remember

subscribe("tests.plugin", ["record.*"], remember("tests.plugin"), retry=Retry(attempts=10, base=0.5))
