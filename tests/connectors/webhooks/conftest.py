import pytest

from brickwork.connectors.webhooks.delivery import RETRY, use_retry
from brickwork.platform.jobs import Retry
from tests.connectors.webhooks.receiver import Receiver


@pytest.fixture(autouse=True)
def loopback_allowed(monkeypatch):
    """The receivers listen on 127.0.0.1: the administrator's allow-list lets it through the
    SSRF guard, for this process and for servers and workers started by the test."""
    monkeypatch.setenv("BRICKWORK_HTTP_ALLOW_HOSTS", "127.0.0.1")


@pytest.fixture
def receiver():
    found = Receiver()
    yield found
    found.stop()


@pytest.fixture
def quick_retries():
    """Backoff in hundredths of a second, three tries, instead of a day."""
    use_retry(Retry(attempts=3, base=0.02, factor=2.0, cap=1.0))
    yield
    use_retry(RETRY)
