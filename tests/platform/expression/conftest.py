import pytest

from tests.platform.expression.helpers import Records


@pytest.fixture
def records(engine) -> Records:
    return Records(engine)
