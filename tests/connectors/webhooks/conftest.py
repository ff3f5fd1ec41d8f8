import pytest

from brickwork.connectors.webhooks.delivery import RETRY, use_retry
from brickwork.platform.jobs import Retry
from tests.connectors.webhooks.receiver import Receiver


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
