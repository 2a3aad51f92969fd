from __future__ import annotations

import pytest
from rec_helpers import chain_shop

from shopmind.recommend.data import Interactions


@pytest.fixture(scope="session")
def shop() -> Interactions:
    return chain_shop()
