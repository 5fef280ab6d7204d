"""The Ray engine the engine tests share: one local Ray (2 CPUs) per test module."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def ray_engine():
    from pipeline.engine import open_engine  # Ray is imported only by the tests that use it

    with open_engine("ray", num_cpus=2) as engine:
        yield engine
